package server

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/testpeer"
)

// bigSparseFile writes a file of size bytes, mostly a hole, with marks
// every MiB so that misplaced chunks show.
func bigSparseFile(t *testing.T, p string, size int64) {
	t.Helper()
	f, err := os.Create(p)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Truncate(size))
	for off := int64(0); off < size; off += 1 << 20 {
		_, err := f.WriteAt([]byte(fmt.Sprintf("<%d>", off)), off)
		require.NoError(t, err)
	}
	_, err = f.WriteAt([]byte("end"), size-3)
	require.NoError(t, err)
}

// TestLargeStaticFile: a file far larger than what a connection may hold
// is streamed byte for byte to curl and to Go's client, in ranges too, and
// a client that does not read does not make the server read it whole.
func TestLargeStaticFile(t *testing.T) {
	testpeer.Require(t, "curl")
	dir := t.TempDir()
	const size = 50 << 20
	p := filepath.Join(dir, "big.mp4")
	bigSparseFile(t, p, size)
	want, err := os.ReadFile(p)
	require.NoError(t, err)
	wantSum := sha256.Sum256(want)
	ts := startServer(t, func(c *config.Config) { c.HTTPServer.Dir = dir })
	url := "http://" + ts.HTTPAddr().String() + "/big.mp4"

	// Keep-alive, and HTTP/1.0 where the server closes after the body.
	for _, proto := range []string{"--http1.1", "--http1.0"} {
		out := filepath.Join(t.TempDir(), "got")
		start := time.Now()
		cmd := exec.Command("curl", "-sS", "--fail", "--max-time", "60", proto, "-o", out, url)
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "curl: %s", b)
		t.Logf("curl %s fetched %d MiB in %v", proto, size>>20, time.Since(start))
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, wantSum, sha256.Sum256(got), "curl %s got the file byte for byte", proto)
	}

	resp, err := http.Get(url)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, "bytes", resp.Header.Get("Accept-Ranges"))
	assert.Equal(t, wantSum, sha256.Sum256(body), "Go's client got the file byte for byte")
	lastModified := resp.Header.Get("Last-Modified")
	require.NotEmpty(t, lastModified)

	// Ranges, and a conditional GET.
	for _, tc := range []struct {
		rng          string
		status       int
		off, n       int
		contentRange string
	}{
		{"bytes=1048570-1048589", 206, 1048570, 20, "bytes 1048570-1048589/52428800"},
		{"bytes=-3", 206, size - 3, 3, "bytes 52428797-52428799/52428800"},
		{"bytes=52428000-", 206, 52428000, 800, "bytes 52428000-52428799/52428800"},
		{"bytes=60000000-", 416, 0, 0, "bytes */52428800"},
	} {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Range", tc.rng)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err, tc.rng)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, tc.status, resp.StatusCode, tc.rng)
		assert.Equal(t, tc.contentRange, resp.Header.Get("Content-Range"), tc.rng)
		if tc.status == 206 {
			assert.True(t, bytes.Equal(want[tc.off:tc.off+tc.n], b), "%s: the range's bytes", tc.rng)
		}
	}
	cmd := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "If-Modified-Since: "+lastModified, url)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "curl: %s", b)
	assert.Equal(t, "304", strings.TrimSpace(string(b)), "not modified since")

	// Clients that ask for the file and never read: the server holds a
	// chunk each, not the file.
	heapBefore := heapInUse()
	for range 8 {
		c := dialRaw(t, ts.HTTPAddr(), 4096)
		_, err := c.Write([]byte("GET /big.mp4 HTTP/1.1\r\nHost: x\r\n\r\n"))
		require.NoError(t, err)
	}
	staysUnder(t, heapBefore, 16<<20, 2*time.Second, "eight clients that do not read a 50 MB file")
}
