package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
)

func TestStaticFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>cascade</h1>"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "live"), 0o755))
	big := strings.Repeat("0123456789", 300_000) // 3 MB: more than a socket takes at once
	require.NoError(t, os.WriteFile(filepath.Join(dir, "live", "big.ts"), []byte(big), 0o644))
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("no"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link")))
	ts := startServer(t, func(c *config.Config) { c.HTTPServer.Dir = dir })
	base := "http://" + ts.HTTPAddr().String()

	get := func(path string) (int, string, http.Header) {
		resp, err := http.Get(base + path)
		require.NoError(t, err, path)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b), resp.Header
	}
	code, body, _ := get("/")
	assert.Equal(t, 200, code)
	assert.Equal(t, "<h1>cascade</h1>", body)
	code, body, hdr := get("/live/big.ts")
	assert.Equal(t, 200, code)
	assert.Equal(t, "video/mp2t", hdr.Get("Content-Type"))
	assert.True(t, body == big, "the whole file, intact")
	for _, p := range []string{"/missing", "/link", "/../" + filepath.Base(outside) + "/secret", "/live/../../etc/passwd"} {
		code, _, _ = get(p)
		assert.Equal(t, 404, code, p)
	}

	// Keep-alive: several requests, pipelined, on one connection.
	c, err := net.Dial("tcp", ts.HTTPAddr().String())
	require.NoError(t, err)
	defer c.Close()
	req := "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
	_, err = c.Write([]byte(req + req + req))
	require.NoError(t, err)
	r := bufio.NewReader(c)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	for i := 0; i < 3; i++ {
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err, "response %d", i)
		b, _ := io.ReadAll(resp.Body)
		assert.Equal(t, "<h1>cascade</h1>", string(b))
	}

	// Methods and errors.
	resp, err := http.Post(base+"/index.html", "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 405, resp.StatusCode)
	reqOpt, _ := http.NewRequest("OPTIONS", base+"/live/x.flv", nil)
	resp, err = http.DefaultClient.Do(reqOpt)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	code, _, _ = get(fmt.Sprintf("/live/%s.flv", "nobody"))
	assert.Equal(t, 404, code, "no such stream")
}
