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
	"github.com/cascade-live/cascade/mp4"
)

// TestDVRMP4InBrowser: a DVR recording to .mp4 is a fragmented MP4 that
// headless Chromium plays through Media Source Extensions (init segment and
// fragments appended to a SourceBuffer), and ffprobe reads with both
// streams and the published duration.
func TestDVRMP4InBrowser(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe", "node", "chromium")
	harness, err := filepath.Abs("../internal/browser")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(harness, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("the browser test's npm packages are missing: run `make deps` (npm ci in internal/browser): %v", err)
	}
	dir := t.TempDir()
	page, err := os.ReadFile(filepath.Join(harness, "mse.html"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mse.html"), page, 0o644))
	hook := newHookRecorder(t)
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
vhost __defaultVhost__ {
    dvr { enabled on; dvr_plan session; dvr_path %[1]s/[app]/[stream].mp4; }
    http_hooks { enabled on; on_dvr %[2]s; }
}
`, dir, hook.URL()))
	pub := testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("rec"), testpeer.PublishOptions{Duration: 5 * time.Second})
	require.NoError(t, pub.Wait())
	waitFor(t, 10*time.Second, "on_dvr", func() bool { return len(hook.Calls("on_dvr")) == 1 })
	file := filepath.Join(dir, "live", "rec.mp4")
	require.Equal(t, file, hook.Calls("on_dvr")[0]["file"])

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := testpeer.Probe(ctx, file)
	require.NoError(t, err)
	require.Len(t, r.Streams, 2)
	assert.InDelta(t, 5.0, r.Format.Duration, 0.3)

	// The codecs parameter MSE needs, from the file's avcC.
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	var codecs string
	require.NoError(t, mp4.Walk(b, func(box mp4.Box) error {
		if box.Type == "avcC" && len(box.Body) >= 4 {
			codecs = fmt.Sprintf("avc1.%02x%02x%02x,mp4a.40.2", box.Body[1], box.Body[2], box.Body[3])
		}
		return nil
	}))
	require.NotEmpty(t, codecs, "no avcC in the file")

	url := fmt.Sprintf("http://%s/mse.html?src=/live/rec.mp4&codecs=%s", ts.HTTPAddr(), codecs)
	out, err := exec.CommandContext(ctx, "node", filepath.Join(harness, "play.js"), url, "3").Output()
	var res struct {
		OK            bool
		Error         string
		CurrentTime   float64
		Width, Height int
	}
	require.NoError(t, json.Unmarshal(out, &res), "play.js said %q (%v)", out, err)
	require.True(t, res.OK, "the browser played the recording: %+v", res)
	assert.GreaterOrEqual(t, res.CurrentTime, 3.0)
	assert.Equal(t, 1280, res.Width)
	assert.Equal(t, 720, res.Height)
}
