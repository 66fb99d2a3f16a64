package testpeer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// MediaEnv names the environment variable that overrides the test media
// folder.
const MediaEnv = "CASCADE_MEDIA"

// Media returns the absolute path of the file name in the shared test media
// folder, and fails the test when it is missing. The folder is $CASCADE_MEDIA
// when set, else ../shared/media beside the repository root (the directory
// holding go.mod).
func Media(t testing.TB, name string) string {
	t.Helper()
	path, err := mediaPath(name)
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	return path
}

func mediaPath(name string) (string, error) {
	dir, err := mediaDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("test media %q: %w (media folder %s; set %s to override)", name, err, dir, MediaEnv)
	}
	return path, nil
}

// mediaDir returns the absolute path of the test media folder.
func mediaDir() (string, error) {
	if dir := os.Getenv(MediaEnv); dir != "" {
		return filepath.Abs(dir)
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(root), "shared", "media"), nil
}

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find repository root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod above the working directory (set %s)", MediaEnv)
		}
		dir = parent
	}
}
