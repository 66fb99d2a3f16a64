package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

// TestHLSInBrowser: headless Chromium plays the HLS stream with hls.js from
// a page the server's static file handler serves.
func TestHLSInBrowser(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "node", "chromium")
	harness, err := filepath.Abs("../internal/browser")
	require.NoError(t, err)
	hlsJS := filepath.Join(harness, "node_modules", "hls.js", "dist", "hls.min.js")
	if _, err := os.Stat(hlsJS); err != nil {
		t.Fatalf("the browser test's npm packages are missing: run `make deps` (npm ci in internal/browser): %v", err)
	}
	dir := t.TempDir()
	for name, from := range map[string]string{"hls.min.js": hlsJS, "hls.html": filepath.Join(harness, "hls.html")} {
		b, err := os.ReadFile(from)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
vhost __defaultVhost__ { hls { enabled on; hls_fragment 2; hls_window 20; hls_path %[1]s; } }
`, dir)
	ts, _ := startServerConf(t, conf)
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("b"), testpeer.PublishOptions{Loop: true})
	waitFor(t, 20*time.Second, "three segments", func() bool { return len(ts.logs.Lines()) > 0 && segmentCount(dir) >= 3 })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	page := fmt.Sprintf("http://%s/hls.html?src=/live/b.m3u8", ts.HTTPAddr())
	out, err := exec.CommandContext(ctx, "node", filepath.Join(harness, "play.js"), page, "4").Output()
	var res struct {
		OK            bool
		Error         string
		CurrentTime   float64
		Width, Height int
	}
	require.NoError(t, json.Unmarshal(out, &res), "play.js said %q (%v)", out, err)
	require.True(t, res.OK, "the browser played: %+v", res)
	assert.GreaterOrEqual(t, res.CurrentTime, 4.0)
	assert.Equal(t, 1280, res.Width)
	assert.Equal(t, 720, res.Height)
}

func segmentCount(dir string) int {
	m, _ := filepath.Glob(filepath.Join(dir, "live", "b-*.ts"))
	return len(m)
}
