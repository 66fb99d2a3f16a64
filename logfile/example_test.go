package logfile_test

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cascade-live/cascade/logfile"
)

// A server logging to srs_log_file reopens it on SIGUSR1, which logrotate's
// postrotate sends once it has moved the file away.
func Example() {
	f, err := logfile.Open("./objs/srs.log")
	if err != nil {
		slog.Error("cannot open the log file", "err", err)
		return
	}
	defer f.Close()
	log := slog.New(slog.NewTextHandler(f, nil))

	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		for range usr1 {
			if err := f.Reopen(); err != nil {
				log.Error("reopen log file, still writing to the previous one", "err", err)
				continue
			}
			log.Info("log file reopened", "path", f.Path())
		}
	}()
	log.Info("started")
}
