// Package pidfile writes a server's pid file, as SRS's pid directive does:
// the file holds the process id, a running server's file keeps a second one
// from starting, and a file left by a process that is gone is replaced.
// Next to it, as SRS, the id file keeps a server id the server made up, so
// that it stays the same across restarts.
package pidfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrRunning means the pid file names a process that is alive.
var ErrRunning = errors.New("pidfile: another process is running")

// A File is a pid file this process wrote.
type File struct {
	path string
	pid  int
}

// Create writes this process's id to path, creating its directory. It
// fails with ErrRunning when path already names a live process other than
// this one.
func Create(path string) (*File, error) {
	if old, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(old))); err == nil && pid > 0 && pid != os.Getpid() && alive(pid) {
			return nil, fmt.Errorf("%w: %s names pid %d", ErrRunning, path, pid)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("pidfile: %w", err)
	}
	pid := os.Getpid()
	// Write a new file and rename it over the old, so a reader never sees
	// half a pid.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("pidfile: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("pidfile: %w", err)
	}
	return &File{path: path, pid: pid}, nil
}

// Path is where the file is.
func (f *File) Path() string { return f.path }

// Remove deletes the file if it still holds this process's id.
func (f *File) Remove() error {
	b, err := os.ReadFile(f.path)
	if err != nil {
		return nil
	}
	if strings.TrimSpace(string(b)) != strconv.Itoa(f.pid) {
		return nil // another process took it over
	}
	return os.Remove(f.path)
}

// alive reports whether a process with id pid exists (signal 0 reaches it,
// or it exists but belongs to another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// IDPath is the id file that goes with the pid file at pidPath, as SRS
// names it: "srs.pid" gives "srs.id".
func IDPath(pidPath string) string {
	p := strings.Replace(pidPath, ".pid", ".id", 1)
	if !strings.HasSuffix(p, ".id") {
		p += ".id"
	}
	return p
}

// ReadID returns the server id kept next to the pid file, or "".
func ReadID(pidPath string) string {
	b, err := os.ReadFile(IDPath(pidPath))
	if err != nil || len(b) > 1024 {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// WriteID keeps the server id next to the pid file.
func WriteID(pidPath, id string) error {
	if err := os.WriteFile(IDPath(pidPath), []byte(id), 0o644); err != nil {
		return fmt.Errorf("pidfile: %w", err)
	}
	return nil
}
