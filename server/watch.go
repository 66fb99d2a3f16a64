package server

import (
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// autoReload reports whether the config asks to reload when its file
// changes (SRS's inotify_auto_reload).
func (s *Server) autoReload() bool {
	cfg := s.Config()
	return cfg.File != "" && cfg.Root != nil && cfg.Root.Get("inotify_auto_reload").Arg0() == "on"
}

// watchConfig reloads the configuration when its file changes. It watches
// the directory, not the file, so that editors that replace the file (write
// a temporary, rename) are seen too. It runs until the server closes.
func (s *Server) watchConfig() {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		s.log.Error("inotify_auto_reload: cannot watch", "err", err)
		return
	}
	defer w.Close()
	file, _ := filepath.Abs(s.Config().File)
	if err := w.Add(filepath.Dir(file)); err != nil {
		s.log.Error("inotify_auto_reload: cannot watch", "dir", filepath.Dir(file), "err", err)
		return
	}
	s.log.Info("inotify_auto_reload: watching", "file", file)
	// Editors write in several steps: reload once things settle.
	const settle = 200 * time.Millisecond
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-s.done:
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if p, _ := filepath.Abs(ev.Name); p == file && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				timer.Reset(settle)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			s.log.Warn("inotify_auto_reload", "err", err)
		case <-timer.C:
			if !s.autoReload() {
				s.log.Info("inotify_auto_reload: turned off")
				return
			}
			if err := s.Reload(); err != nil {
				s.log.Error("reload failed, keeping the running configuration", "err", err)
			}
		}
	}
}
