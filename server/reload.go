package server

import (
	"errors"
	"fmt"

	"github.com/cascade-live/cascade/config"
)

// unreloadable names the directives that changed but only apply at start.
func unreloadable(old, cfg *config.Config) []string {
	var out []string
	if old.Daemon != cfg.Daemon {
		out = append(out, "daemon")
	}
	if old.PidFile != cfg.PidFile {
		out = append(out, "pid")
	}
	if old.WorkDir != cfg.WorkDir {
		out = append(out, "work_dir")
	}
	if anyNoDelay(old) != anyNoDelay(cfg) {
		out = append(out, "tcp_nodelay (for connections already open)")
	}
	return out
}

// ErrNoConfigFile is returned by Reload when the server runs on the
// built-in configuration.
var ErrNoConfigFile = errors.New("server: no configuration file to reload")

// Reload reads the configuration file again and applies what can change
// without a restart: vhost settings for new streams and players, and
// max_connections. A file that fails to load leaves the running
// configuration in force.
func (s *Server) Reload() error {
	old := s.Config()
	if old.File == "" {
		return ErrNoConfigFile
	}
	cfg, err := config.Load(old.File)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		s.log.Warn("config", "warning", w)
	}
	for _, change := range unreloadable(old, cfg) {
		s.log.Warn("reload: this change needs a restart; keeping the running value", "directive", change)
	}
	st, err := newState(cfg)
	if err != nil {
		return err
	}
	for _, change := range opsUnreloadable(s.state.Load().ops, st.ops) {
		s.log.Warn("reload: this change needs a restart; keeping the running value", "directive", change)
	}
	if err := s.syncListeners(cfg); err != nil {
		return fmt.Errorf("server: reload: %w", err)
	}
	if err := s.syncCasters(cfg); err != nil {
		return fmt.Errorf("server: reload: %w", err)
	}
	s.state.Store(st)
	if s.provider != nil {
		s.provider.host.SetStats(st.ops.stats)
	}
	s.eng.SetMaxConnections(cfg.MaxConnections)
	for _, src := range s.reg.Sources() {
		if v := cfg.Vhost(src.Vhost); v != nil {
			src.SetConfig(st.live(v))
		}
	}
	s.applyFFmpeg()
	s.log.Info("reloaded", "config", cfg.File)
	s.startWatching()
	return nil
}
