package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

// openFds lists the files this process holds open whose path contains
// name, as /proc shows them ("… (deleted)" once unlinked).
func openFds(t *testing.T, name string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	var open []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.Contains(target, name) {
			open = append(open, target)
		}
	}
	return open
}

// TestHLSSegmentsSentFromFiles: segments are sent (with sendfile) from the
// files the muxer wrote, byte for byte, whole, in ranges, to HEAD and
// as 304; a slow player still reading a segment when it leaves the window
// and hls_cleanup deletes it gets all of it, and the file is closed once
// it has.
func TestHLSSegmentsSentFromFiles(t *testing.T) {
	dir := t.TempDir()
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
vhost __defaultVhost__ {
    hls { enabled on; hls_fragment 1; hls_window 2; hls_path %[1]s; hls_cleanup on; hls_dispose 0; hls_ctx off; hls_ts_ctx off; }
}
`, dir)
	ts, _ := startServerConf(t, conf)
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("s"), testpeer.PublishOptions{Loop: true})
	base := fmt.Sprintf("http://%s/live/", ts.HTTPAddr())

	// The newest segment, and its bytes as the muxer wrote them.
	var seg string
	var want []byte
	waitFor(t, 20*time.Second, "a segment", func() bool {
		resp, err := http.Get(base + "s.m3u8")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasSuffix(line, ".ts") {
				seg = line
			}
		}
		if seg == "" {
			return false
		}
		want, err = os.ReadFile(filepath.Join(dir, "live", seg))
		return err == nil
	})
	size := len(want)
	require.Greater(t, size, 64<<10)

	// The slow player asks for it again and again (pipelined, more than
	// the sockets' buffers hold) and does not read yet: the server is
	// stuck in the middle of one of the responses.
	const asks = 32
	slow := dialRaw(t, ts.HTTPAddr(), 4096)
	_, err := slow.Write(bytes.Repeat([]byte("GET /live/"+seg+" HTTP/1.1\r\nHost: x\r\n\r\n"), asks))
	require.NoError(t, err)

	var lastModified string
	for _, tt := range []struct {
		name, method string
		header       map[string]string
		status       int
		body         []byte
		contentRange string
	}{
		{name: "whole", method: "GET", status: 200, body: want},
		{name: "range", method: "GET", header: map[string]string{"Range": "bytes=100-1999"}, status: 206, body: want[100:2000],
			contentRange: fmt.Sprintf("bytes 100-1999/%d", size)},
		{name: "suffix range", method: "GET", header: map[string]string{"Range": "bytes=-500"}, status: 206, body: want[size-500:],
			contentRange: fmt.Sprintf("bytes %d-%d/%d", size-500, size-1, size)},
		{name: "unsatisfiable range", method: "GET", header: map[string]string{"Range": fmt.Sprintf("bytes=%d-", size)}, status: 416,
			contentRange: fmt.Sprintf("bytes */%d", size)},
		{name: "HEAD", method: "HEAD", status: 200},
		{name: "not modified", method: "GET", header: map[string]string{"If-Modified-Since": ""}, status: 304},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, base+seg, nil)
			require.NoError(t, err)
			for k, v := range tt.header {
				if k == "If-Modified-Since" {
					v = lastModified
				}
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, tt.status, resp.StatusCode)
			assert.True(t, bytes.Equal(tt.body, body), "the bytes the muxer wrote (%d bytes, want %d)", len(body), len(tt.body))
			assert.Equal(t, tt.contentRange, resp.Header.Get("Content-Range"))
			if tt.status == 200 {
				assert.Equal(t, "video/mp2t", resp.Header.Get("Content-Type"))
				assert.Equal(t, strconv.Itoa(size), resp.Header.Get("Content-Length"))
				assert.Equal(t, "bytes", resp.Header.Get("Accept-Ranges"))
				lastModified = resp.Header.Get("Last-Modified")
				assert.NotEmpty(t, lastModified)
			}
		})
	}

	// The segment leaves the window and the disk; the slow player's
	// response still holds the file open, deleted.
	waitFor(t, 20*time.Second, "the segment deleted by hls_cleanup", func() bool {
		_, err := os.Stat(filepath.Join(dir, "live", seg))
		return os.IsNotExist(err)
	})
	held := openFds(t, seg)
	require.Len(t, held, 1, "the slow player's response in progress holds the segment")
	assert.Contains(t, held[0], "(deleted)")

	// It then reads everything: the responses started before the segment
	// left the Store (the one in progress when it was deleted among them)
	// have all of it as written; the later ones find it gone.
	require.NoError(t, slow.SetReadDeadline(time.Now().Add(20*time.Second)))
	r := bufio.NewReader(slow)
	whole := 0
	for i := range asks {
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err, "response %d", i)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		if resp.StatusCode == 404 {
			continue
		}
		require.Equal(t, 200, resp.StatusCode)
		assert.True(t, bytes.Equal(want, body), "response %d has the segment as written (%d bytes, want %d)", i, len(body), size)
		whole++
	}
	assert.Greater(t, whole, 1)
	assert.Less(t, whole, asks, "later asks find the segment gone")
	waitFor(t, 5*time.Second, "the segment's file closed", func() bool { return len(openFds(t, seg)) == 0 })
}
