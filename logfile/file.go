// Package logfile is the log file of srs_log_tank file: a writer appending
// to srs_log_file that can be reopened at the same path, which is what a
// SIGUSR1 asks for after logrotate has moved the file away.
package logfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// ErrClosed is returned by Write, Reopen and Close after Close.
var ErrClosed = errors.New("logfile: file closed")

// A File appends to the log file at a path. Its methods are safe for
// concurrent use. Each Write goes whole to one file, before or after a
// Reopen, so that a log record written with one Write is never lost or
// split across a rotation.
type File struct {
	path string

	mu sync.Mutex // serializes writes with each other and with Reopen
	f  *os.File   // nil after Close
}

// Open opens the log file at path for appending, creating it and its parent
// directories if need be.
func Open(path string) (*File, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &File{path: path, f: f}, nil
}

// openAppend opens path for appending as SRS opens its log: created with
// mode 0644 (less the umask), and written only at the end, so that lines from
// a second writer, such as logrotate's copytruncate, are never overwritten.
func openAppend(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("logfile: create directory for %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("logfile: %w", err)
	}
	return f, nil
}

// Path returns the path the file was opened at.
func (f *File) Path() string { return f.path }

// Write appends p to the file. It writes all of p to one file, so a record
// written with one call is never split by a concurrent Reopen.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return 0, ErrClosed
	}
	return f.f.Write(p)
}

// Reopen opens the file at the path again, creating it (and its
// directories) if it was moved or removed, and sends later writes there.
// Writes already made went to the file that was open, wherever it is now.
// If the path cannot be opened, Reopen returns the error and writing goes
// on to the file that was open, so that logs are not lost.
func (f *File) Reopen() error {
	// Open before taking the lock: a slow file system stalls only this
	// call, not every goroutine that logs meanwhile.
	next, err := openAppend(f.path)
	if err != nil {
		return err
	}
	f.mu.Lock()
	prev := f.f
	if prev != nil {
		f.f = next
	}
	f.mu.Unlock()
	if prev == nil {
		next.Close()
		return ErrClosed
	}
	if err := prev.Close(); err != nil {
		return fmt.Errorf("logfile: close the previous file: %w", err)
	}
	return nil
}

// Close closes the file. Later calls to Write, Reopen and Close return
// ErrClosed.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return ErrClosed
	}
	err := f.f.Close()
	f.f = nil
	if err != nil {
		return fmt.Errorf("logfile: %w", err)
	}
	return nil
}
