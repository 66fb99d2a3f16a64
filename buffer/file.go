package buffer

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// File is an open file whose bytes are shared by reference, as a Buffer's
// are: a connection sends it with sendfile(2) straight from the kernel's
// page cache. Its contents must not change once shared. The last Release
// closes it; until then its bytes stay readable even if the file is
// deleted or replaced on disk.
type File struct {
	f        *os.File
	fd       int
	size     int64
	modified time.Time
	refs     atomic.Int32
}

// NewFile takes over f, which must be a regular file opened for reading,
// and returns it holding one reference. On error f stays the caller's.
func NewFile(f *os.File) (*File, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("buffer: stat %s: %w", f.Name(), err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("buffer: %s is not a regular file", f.Name())
	}
	sf := &File{f: f, fd: int(f.Fd()), size: fi.Size(), modified: fi.ModTime()}
	sf.refs.Store(1)
	return sf, nil
}

// Fd is the file's descriptor, valid while a reference is held.
func (f *File) Fd() int { return f.fd }

// Size is the file's length when it was shared.
func (f *File) Size() int64 { return f.size }

// Modified is the file's modification time when it was shared.
func (f *File) Modified() time.Time { return f.modified }

// Name is the name the file was opened with.
func (f *File) Name() string { return f.f.Name() }

// Retain adds a reference and returns f.
func (f *File) Retain() *File {
	f.refs.Add(1)
	return f
}

// Refs returns the current reference count (for tests and assertions).
func (f *File) Refs() int32 { return f.refs.Load() }

// Release drops a reference; the last one closes the file.
func (f *File) Release() {
	switch n := f.refs.Add(-1); {
	case n == 0:
		_ = f.f.Close()
	case n < 0:
		panic("buffer: File released more times than retained")
	}
}

// ReadAll reads the whole file (for tests and callers off the event
// loops).
func (f *File) ReadAll() ([]byte, error) {
	b := make([]byte, f.size)
	if _, err := f.f.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("buffer: read %s: %w", f.f.Name(), err)
	}
	return b, nil
}
