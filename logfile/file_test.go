package logfile

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func write(t *testing.T, f *File, s string) {
	t.Helper()
	n, err := f.Write([]byte(s))
	require.NoError(t, err)
	require.Equal(t, len(s), n)
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name     string
		existing string // content before Open; "" for no file
		want     string
	}{
		{"creates the file and its directories", "", "one\n"},
		{"appends to an existing file", "zero\n", "zero\none\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "objs", "logs", "srs.log")
			if tt.existing != "" {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(tt.existing), 0o644))
			}
			f, err := Open(path)
			require.NoError(t, err)
			assert.Equal(t, path, f.Path())
			write(t, f, "one\n")
			require.NoError(t, f.Close())
			assert.Equal(t, tt.want, readFile(t, path))
		})
	}
}

func TestOpenError(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o644))
	_, err := Open(filepath.Join(notDir, "srs.log"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), notDir)
}

func TestReopen(t *testing.T) {
	tests := []struct {
		name        string
		rotate      func(path string) error // what logrotate does
		wantRotated string                  // content of path.1 afterwards; "" if there is none
		wantCurrent string                  // content of path afterwards
	}{
		{"after a rename", func(path string) error { return os.Rename(path, path+".1") }, "before\nbetween\n", "after\n"},
		{"after a removal", os.Remove, "", "after\n"},
		{"in place", func(string) error { return nil }, "", "before\nbetween\nafter\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "srs.log")
			f, err := Open(path)
			require.NoError(t, err)
			defer f.Close()

			write(t, f, "before\n")
			require.NoError(t, tt.rotate(path))
			write(t, f, "between\n") // still to the open file, wherever it is
			require.NoError(t, f.Reopen())
			write(t, f, "after\n")

			assert.Equal(t, tt.wantCurrent, readFile(t, path))
			if tt.wantRotated != "" {
				assert.Equal(t, tt.wantRotated, readFile(t, path+".1"))
			} else {
				assert.NoFileExists(t, path+".1")
			}
		})
	}
}

// TestReopenFailureKeepsWriting checks that when the path cannot be opened
// again, Reopen says so and writes go on to the file that was open.
func TestReopenFailureKeepsWriting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "logs", "srs.log")
	f, err := Open(path)
	require.NoError(t, err)
	defer f.Close()
	write(t, f, "before\n")

	// Move the directory away and put a regular file in its place, which
	// no one, not even root, can create a file under.
	require.NoError(t, os.Rename(filepath.Join(dir, "logs"), filepath.Join(dir, "moved")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "logs"), nil, 0o644))

	require.Error(t, f.Reopen())
	write(t, f, "after\n")
	assert.Equal(t, "before\nafter\n", readFile(t, filepath.Join(dir, "moved", "srs.log")))
}

func TestClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "srs.log")
	f, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	_, err = f.Write([]byte("x\n"))
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, f.Reopen(), ErrClosed)
	assert.ErrorIs(t, f.Close(), ErrClosed)
	assert.Empty(t, readFile(t, path))
}

// TestRotateWhileWriting rotates the file several times, the way logrotate
// and SIGUSR1 do, while goroutines keep writing lines of varied length. The
// rotated files and the last one together must hold every line exactly
// once, whole, and each file must have received some.
func TestRotateWhileWriting(t *testing.T) {
	const (
		writers   = 8
		rotations = 4
	)
	path := filepath.Join(t.TempDir(), "srs.log")
	f, err := Open(path)
	require.NoError(t, err)

	var (
		written atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
		sent    [writers]int
	)
	for g := range writers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				// Up to 16 KiB of padding: a line longer than a pipe
				// buffer or a page would show a split write.
				pad := strings.Repeat(string(rune('a'+g)), (i*997)%(16<<10))
				line := fmt.Sprintf("g=%d i=%d len=%d %s\n", g, i, len(pad), pad)
				if _, err := f.Write([]byte(line)); err != nil {
					t.Errorf("write: %v", err)
					return
				}
				sent[g] = i + 1
				written.Add(1)
			}
		})
	}
	// Let the writers make progress before each rotation and after the last.
	progress := func() {
		t.Helper()
		target := written.Load() + 200
		deadline := time.Now().Add(10 * time.Second)
		for written.Load() < target {
			require.True(t, time.Now().Before(deadline), "writers stalled")
			time.Sleep(time.Millisecond)
		}
	}
	var files []string
	for n := 1; n <= rotations; n++ {
		progress()
		rotated := path + "." + strconv.Itoa(n)
		require.NoError(t, os.Rename(path, rotated))
		require.NoError(t, f.Reopen())
		files = append(files, rotated)
	}
	progress()
	stop.Store(true)
	wg.Wait()
	require.NoError(t, f.Close())
	files = append(files, path)

	lineRE := regexp.MustCompile(`^g=(\d+) i=(\d+) len=(\d+) ([a-z]*)$`)
	seen := make(map[[2]int]int)
	for _, name := range files {
		file, err := os.Open(name)
		require.NoError(t, err)
		sc := bufio.NewScanner(file)
		sc.Buffer(nil, 1<<20)
		lines := 0
		for sc.Scan() {
			m := lineRE.FindStringSubmatch(sc.Text())
			require.NotNil(t, m, "%s: broken line %.80q", name, sc.Text())
			g, _ := strconv.Atoi(m[1])
			i, _ := strconv.Atoi(m[2])
			n, _ := strconv.Atoi(m[3])
			require.Len(t, m[4], n, "%s: line g=%d i=%d cut", name, g, i)
			require.Equal(t, strings.Repeat(string(rune('a'+g)), n), m[4], "%s: line g=%d i=%d mixed", name, g, i)
			seen[[2]int{g, i}]++
			lines++
		}
		require.NoError(t, sc.Err())
		file.Close()
		assert.NotZero(t, lines, "%s received no line", name)
	}
	total := 0
	for g := range writers {
		for i := range sent[g] {
			require.Equal(t, 1, seen[[2]int{g, i}], "line g=%d i=%d", g, i)
		}
		total += sent[g]
	}
	assert.Len(t, seen, total, "lines that were never written")
}
