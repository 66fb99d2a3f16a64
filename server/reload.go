package server

import (
	"errors"

	"github.com/cascade-live/cascade/config"
)

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
	st := newState(cfg)
	s.state.Store(st)
	s.eng.SetMaxConnections(cfg.MaxConnections)
	for _, src := range s.reg.Sources() {
		if v := cfg.Vhost(src.Vhost); v != nil {
			src.SetConfig(st.live(v))
		}
	}
	s.log.Info("reloaded", "config", cfg.File)
	return nil
}
