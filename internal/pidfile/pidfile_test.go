package pidfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCreate(t *testing.T) {
	// A process that has exited, for a stale pid.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = live.Process.Kill(); _ = live.Wait() })

	tests := []struct {
		name    string
		old     string // "" for no file
		wantErr error
	}{
		{"none", "", nil},
		{"stale", strconv.Itoa(dead.Process.Pid), nil},
		{"garbage", "not a pid", nil},
		{"self", strconv.Itoa(os.Getpid()), nil},
		{"live", strconv.Itoa(live.Process.Pid), ErrRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "objs", "srs.pid")
			if tt.old != "" {
				os.MkdirAll(filepath.Dir(path), 0o755)
				os.WriteFile(path, []byte(tt.old+"\n"), 0o644)
			}
			f, err := Create(path)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			b, _ := os.ReadFile(path)
			if err != nil {
				if string(b) != tt.old+"\n" {
					t.Errorf("file changed to %q", b)
				}
				return
			}
			if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
				t.Errorf("file holds %q", b)
			}
			if err := f.Remove(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("file left after Remove: %v", err)
			}
		})
	}
}

func TestID(t *testing.T) {
	for in, want := range map[string]string{"./objs/srs.pid": "./objs/srs.id", "./objs/srs": "./objs/srs.id", "/run/x.pid": "/run/x.id"} {
		if got := IDPath(in); got != want {
			t.Errorf("IDPath(%q) = %q, want %q", in, got, want)
		}
	}
	pid := filepath.Join(t.TempDir(), "srs.pid")
	if id := ReadID(pid); id != "" {
		t.Errorf("no file: %q", id)
	}
	if err := WriteID(pid, "vid-abc"); err != nil {
		t.Fatal(err)
	}
	if id := ReadID(pid); id != "vid-abc" {
		t.Errorf("ReadID = %q", id)
	}
}
