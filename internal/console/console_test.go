package console

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGet(t *testing.T) {
	info := Info{API: "1985", RTMP: "1935", Auth: true, Vhosts: []VhostOutput{{Name: "__defaultVhost__", Remux: "/[app]/[stream].flv"}}}
	f := New(func() Info { return info })
	tests := []struct {
		path, ctype, contains string
	}{
		{"/console/", "text/html; charset=utf-8", `<script src="/console/console.js">`},
		{"/console/index.html", "text/html; charset=utf-8", `<script src="/console/console.js">`},
		{"/players/", "text/html; charset=utf-8", `CascadePlayer.play(`},
		{"/players/index.html", "text/html; charset=utf-8", `CascadePlayer.play(`},
		{"/console/console.js", "text/javascript; charset=utf-8", "/api/v1/summaries"},
		{"/console/player.js", "text/javascript; charset=utf-8", "mpegts.createPlayer"},
		{"/console/console.css", "text/css; charset=utf-8", "@media"},
		{"/console/favicon.svg", "image/svg+xml", "<svg"},
		{"/console/vendor/hls.light.min.js", "text/javascript; charset=utf-8", "Hls"},
		{"/console/vendor/mpegts.js", "text/javascript; charset=utf-8", "mpegts"},
		{"/console/info.json", "application/json", `"api":"1985"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			b, ctype, ok := f.Get(tt.path)
			require.True(t, ok)
			defer b.Release()
			assert.Equal(t, tt.ctype, ctype)
			assert.Contains(t, string(b.B), tt.contains)
		})
	}
	for _, p := range []string{"/", "/console", "/console/nothing.js", "/players", "/live/x.flv", "/console/../go.mod"} {
		_, _, ok := f.Get(p)
		assert.False(t, ok, p)
	}
}

func TestInfoJSON(t *testing.T) {
	info := Info{API: "1985", RTMP: "1935", Reload: true, Vhosts: []VhostOutput{
		{Name: "__defaultVhost__", Remux: "/[app]/[stream].flv", HLS: "/[app]/[stream].m3u8"}}}
	b, _, ok := New(func() Info { return info }).Get("/console/info.json")
	require.True(t, ok)
	defer b.Release()
	var got Info
	require.NoError(t, json.Unmarshal(b.B, &got))
	assert.Equal(t, info, got)
}

func TestRedirect(t *testing.T) {
	for path, want := range map[string]string{"/": "/console/", "/console": "/console/", "/players": "/players/", "/live/x.flv": "", "/console/": ""} {
		got, ok := Redirect(path)
		assert.Equal(t, want, got, path)
		assert.Equal(t, want != "", ok, path)
	}
}

// TestVendoredLibraries: the committed copies of the npm libraries are
// byte for byte what package-lock.json installs (scripts/vendor-console.sh
// makes them; `make deps` installs node_modules).
func TestVendoredLibraries(t *testing.T) {
	script, err := os.ReadFile("../../scripts/vendor-console.sh")
	require.NoError(t, err)
	_, list, ok := strings.Cut(string(script), "<<'LIST'\n")
	require.True(t, ok, "vendor-console.sh has no file list")
	list, _, _ = strings.Cut(list, "LIST\n")
	var lock struct {
		Packages map[string]struct{ Version string }
	}
	lockData, err := os.ReadFile("package-lock.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(lockData, &lock))
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		from, to, _ := strings.Cut(line, " ")
		pkg, _, _ := strings.Cut(from, "/")
		installed, err := os.ReadFile(filepath.Join("node_modules", pkg, "package.json"))
		if err != nil {
			t.Fatalf("the console's npm packages are missing: run `make deps` (npm ci in internal/console): %v", err)
		}
		var meta struct{ Version string }
		require.NoError(t, json.Unmarshal(installed, &meta))
		require.Equal(t, lock.Packages["node_modules/"+pkg].Version, meta.Version, "%s: node_modules is not what the lockfile pins", pkg)
		want, err := os.ReadFile(filepath.Join("node_modules", from))
		require.NoError(t, err)
		got, err := assets.ReadFile("assets/vendor/" + to)
		require.NoError(t, err, "%s is not embedded", to)
		assert.True(t, bytes.Equal(want, got), "assets/vendor/%s differs from node_modules/%s: run scripts/vendor-console.sh", to, from)
		n++
	}
	assert.Equal(t, 4, n)
}
