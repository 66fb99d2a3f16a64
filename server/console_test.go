package server

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/internal/console"
)

// TestConsoleRoutes: the HTTP port serves the console and the player page
// from memory, and leads "/", "/console" and "/players" to them; an index
// page of http_server.dir keeps "/".
func TestConsoleRoutes(t *testing.T) {
	dir := t.TempDir()
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %s; }
`, dir))
	base := "http://" + ts.HTTPAddr().String()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := noRedirect.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	for _, tt := range []struct{ path, location string }{
		{"/", "/console/"},
		{"/console", "/console/"},
		{"/players", "/players/"},
		{"/players?url=http%3A%2F%2Fh%2Fa.flv", "/players/?url=http%3A%2F%2Fh%2Fa.flv"},
	} {
		resp, _ := get(tt.path)
		assert.Equal(t, http.StatusFound, resp.StatusCode, tt.path)
		assert.Equal(t, tt.location, resp.Header.Get("Location"), tt.path)
	}
	for _, tt := range []struct{ path, ctype, contains string }{
		{"/console/", "text/html; charset=utf-8", "<title>cascade console</title>"},
		{"/players/?url=x", "text/html; charset=utf-8", "<title>cascade player</title>"},
		{"/console/vendor/mpegts.js", "text/javascript; charset=utf-8", "mpegts"},
		{"/console/info.json", "application/json", `"rtmp":"` + portOf(ts.RTMPAddr()) + `"`},
	} {
		resp, body := get(tt.path)
		require.Equal(t, http.StatusOK, resp.StatusCode, tt.path)
		assert.Equal(t, tt.ctype, resp.Header.Get("Content-Type"), tt.path)
		assert.Contains(t, body, tt.contains, tt.path)
	}
	resp, _ := get("/console/missing.js")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("my site"), 0o644))
	resp, body := get("/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "my site", body)
}

// TestConsoleInfo: info.json tells the pages the API's port, whether it
// asks for credentials and may reload, and each vhost's play URL templates.
func TestConsoleInfo(t *testing.T) {
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
http_api { enabled on; listen 127.0.0.1:0; auth { enabled on; username a; password b; } raw_api { enabled on; allow_reload on; } }
vhost __defaultVhost__ {
    http_remux { enabled on; mount [vhost]/[app]/[stream].ts; }
}
vhost hls.example {
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
    hls { enabled on; hls_m3u8_file [app]/[stream]/index.m3u8; hls_path %s; }
    snapshot { enabled on; }
}
vhost off.example { enabled off; }
vhost plain.example { }
vhost hds.example { hds { enabled on; hds_path %s; } }
`, t.TempDir(), t.TempDir()))
	info := ts.consoleInfo()
	assert.Equal(t, portOf(ts.MgmtAddr("api")), info.API)
	assert.Equal(t, portOf(ts.RTMPAddr()), info.RTMP)
	assert.True(t, info.Auth)
	assert.True(t, info.Reload)
	assert.ElementsMatch(t, []console.VhostOutput{
		{Name: DefaultVhost, Remux: "/[app]/[stream].ts"},
		{Name: "hls.example", Remux: "/[app]/[stream].flv", HLS: "/[app]/[stream]/index.m3u8", Snapshot: "/[app]/[stream].jpg"},
		{Name: "plain.example"},
		{Name: "hds.example", HDS: "/[app]/[stream].f4m"},
	}, info.Vhosts)
}

// TestBuiltinConfigConsole: the built-in configuration (what `make run`
// serves) leads "/" to the console, whose info names the API's port and
// HTTP-FLV and HLS for the default vhost, and whose API answers the
// console's cross-origin calls.
func TestBuiltinConfigConsole(t *testing.T) {
	ts := startServer(t, nil)
	base := "http://" + ts.HTTPAddr().String()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(base + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/console/", resp.Header.Get("Location"))

	info := ts.consoleInfo()
	assert.Equal(t, portOf(ts.MgmtAddr("api")), info.API)
	assert.False(t, info.Auth)
	assert.Equal(t, []console.VhostOutput{{Name: DefaultVhost, Remux: "/[app]/[stream].flv", HLS: "/[app]/[stream].m3u8"}}, info.Vhosts)

	// The vhosts view shows SRS's HLS fragment.
	vhosts := ts.provider.Vhosts()
	require.Len(t, vhosts, 1)
	assert.Equal(t, api.VhostHLS{Enabled: true, Fragment: 10}, vhosts[0].HLS)

	// A preflight as the browser sends it for an authorized DELETE.
	req, err := http.NewRequest(http.MethodOptions, "http://"+ts.MgmtAddr("api").String()+"/api/v1/clients/x", nil)
	require.NoError(t, err)
	req.Header.Set("Origin", base)
	req.Header.Set("Access-Control-Request-Method", "DELETE")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), "Authorization")
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
}
