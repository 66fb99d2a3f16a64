package hls

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFile writes data to name through tmp, renamed into place, so that
// a reader never sees a partial file. Directories are created as needed.
func writeFile(name, tmp string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("hls: create directory for %s: %w", name, err)
	}
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("hls: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("hls: rename %s to %s: %w", tmp, name, err)
	}
	return nil
}
