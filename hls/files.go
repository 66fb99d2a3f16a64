package hls

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFile writes data to name through tmp, renamed into place, so that
// a reader never sees a partial file. Directories are created as needed.
func writeFile(name, tmp string, data []byte) error {
	f, err := createFile(name, tmp, data)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("hls: write %s: %w", name, err)
	}
	return nil
}

// createFile is writeFile leaving the file open for reading: its bytes
// stay readable, as written, even once it is deleted or replaced.
func createFile(name, tmp string, data []byte) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return nil, fmt.Errorf("hls: create directory for %s: %w", name, err)
	}
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("hls: write %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("hls: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("hls: rename %s to %s: %w", tmp, name, err)
	}
	return f, nil
}
