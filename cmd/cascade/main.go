// Command cascade is the live-streaming server. Run it with no arguments for
// the built-in default configuration (RTMP on :1935; HTTP-FLV, HLS and the
// web console on :8080; the HTTP API on :1985), or with -c FILE for an
// SRS-style configuration file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/pidfile"
	"github.com/cascade-live/cascade/logfile"
	"github.com/cascade-live/cascade/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cascade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	confPath := fs.String("c", "", "SRS-style configuration `file` (default: the built-in configuration)")
	testOnly := fs.Bool("t", false, "check the configuration and exit")
	version := fs.Bool("v", false, "print the version and exit")
	fromEnv := fs.Bool("e", false, "read the whole configuration from SRS_* environment variables")
	pprofAddr := fs.String("pprof", "", "serve Go's profiles (net/http/pprof) on this `address`, e.g. 127.0.0.1:6060 (off by default)")
	memRate := fs.Int("memprofilerate", 0, "sample one allocation per this many `bytes` in heap profiles (0: Go's default, 512 KiB); "+
		"small values show each player's structures, as bench/profile.sh does")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *memRate > 0 {
		runtime.MemProfileRate = *memRate
	}
	if *version {
		fmt.Fprintln(stdout, server.Version)
		return 0
	}

	if *confPath != "" {
		// Reloads read the file again after the chdir to work_dir.
		if abs, err := filepath.Abs(*confPath); err == nil {
			*confPath = abs
		}
	}
	cfg, err := loadConfig(*confPath, *fromEnv)
	if err == nil {
		err = server.CheckConfig(cfg)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if *testOnly {
		name := cfg.File
		if name == "" {
			name = "built-in configuration"
		}
		fmt.Fprintf(stdout, "the configuration %s is ok\n", name)
		return 0
	}

	if *pprofAddr != "" {
		ln, err := servePprof(*pprofAddr)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer ln.Close()
	}

	// Take the signals before the listeners open: a SIGHUP that arrives
	// early must reload, not kill.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR1)

	// As SRS, relative paths (dvr_path, hls_path, pid, the log file) are
	// relative to work_dir.
	if cfg.WorkDir != "" {
		if err := os.Chdir(cfg.WorkDir); err != nil {
			fmt.Fprintln(stderr, "work_dir:", err)
			return 1
		}
	}
	log, logFile := newLogger(cfg, stdout, stderr)
	if logFile != nil {
		defer logFile.Close()
	}
	if logFile != nil || cfg.Root.Get("srs_log_tank") != nil {
		// The log is not stderr, where the warnings went: put them in it too.
		for _, w := range cfg.Warnings {
			log.Warn("config", "warning", w)
		}
	}
	if cfg.File != "" || *fromEnv { // the built-in configuration writes no pid file
		pid, err := pidfile.Create(cfg.PidFile)
		if err != nil {
			log.Error("start failed", "err", err)
			return 1
		}
		defer pid.Remove()
		if cfg.ServerID == "" { // as SRS: the id made up last time, if any
			cfg.ServerID = pidfile.ReadID(cfg.PidFile)
		}
	}
	srv, err := server.New(cfg, log)
	if err != nil {
		log.Error("start failed", "err", err)
		return 1
	}
	if cfg.File != "" || *fromEnv {
		if err := pidfile.WriteID(cfg.PidFile, srv.ServerID()); err != nil {
			log.Warn("cannot keep the server id", "err", err)
		}
	}
	if err := srv.Start(); err != nil {
		log.Error("start failed", "err", err)
		return 1
	}
	log.Info("cascade started", "version", server.Version, "pid", os.Getpid(), "config", cfg.File)

	for sig := range sigs {
		switch sig {
		case syscall.SIGUSR1:
			// logrotate moved the file: write to a new one at the path.
			if logFile != nil {
				if err := logFile.Reopen(); err != nil {
					log.Error("log reopen failed", "file", logFile.Path(), "err", err)
				} else {
					log.Info("log reopened", "file", logFile.Path())
				}
			}
			continue
		case syscall.SIGHUP:
			log.Info("reload requested", "signal", sig.String())
			if err := srv.Reload(); err != nil {
				log.Error("reload failed, keeping the running configuration", "err", err)
			}
			continue
		}
		// Stop: recordings and playlists are finished first (within the
		// server's StopTimeout); a second stop signal exits at once.
		go func() {
			for sig := range sigs {
				if sig == syscall.SIGTERM || sig == syscall.SIGINT || sig == syscall.SIGQUIT {
					log.Warn("stopping now", "signal", sig.String())
					os.Exit(1)
				}
			}
		}()
		if sig == syscall.SIGQUIT {
			log.Info("graceful stop", "signal", sig.String())
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := srv.Shutdown(ctx)
			cancel()
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				log.Error("stop", "err", err)
			}
		} else {
			log.Info("fast stop", "signal", sig.String())
			_ = srv.Close()
		}
		break
	}
	log.Info("cascade stopped")
	return 0
}

func loadConfig(path string, fromEnv bool) (*config.Config, error) {
	switch {
	case fromEnv:
		return config.FromEnv(os.Environ())
	case path != "":
		return config.Load(path)
	}
	return config.Default(), nil
}

// newLogger logs to the log file, or to stdout when the configuration says
// srs_log_tank console (as SRS), or else to stderr.
func newLogger(cfg *config.Config, stdout, stderr io.Writer) (*slog.Logger, *logfile.File) {
	// SRS's levels, lowest first: verbose, info, trace (its default), warn, error.
	level := slog.LevelInfo
	switch strings.ToLower(cfg.LogLevel) {
	case "verbose":
		level = slog.LevelDebug - 4
	case "info", "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	var w io.Writer = stderr
	if cfg.LogTank == config.LogTankConsole && cfg.Root.Get("srs_log_tank") != nil {
		w = stdout
	}
	var file *logfile.File
	if cfg.LogTank == "file" && cfg.LogFile != "" {
		f, err := logfile.Open(cfg.LogFile)
		if err != nil {
			fmt.Fprintln(stderr, "cannot open log file, logging to stderr:", err)
		} else {
			w, file = f, f
		}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), file
}
