package server

import (
	"bufio"
	"context"
	"encoding/json"
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

	"github.com/cascade-live/cascade/internal/testpeer"
)

// consoleStep is one line internal/browser/console.js prints.
type consoleStep struct {
	Step      string
	Error     string
	Errors    []string
	URL       string
	Version   string
	MS        int
	Text      string
	Prompts   int
	Thumb     int
	Points    int `json:"chartPoints"`
	Flow      int `json:"overflow"`
	FLV       playedVideo
	HLS       playedVideo
	Linked    playedVideo
	LinkedHLS playedVideo `json:"linkedHLS"`
	URLs      []struct{ Proto, URL string }
}

type playedVideo struct {
	Error           string
	CurrentTime     float64
	Width, Height   int
	Latency, Buffer string
}

// TestConsoleInBrowser drives the web console in headless Chromium against
// a server whose API asks for basic credentials: "/" leads to the console,
// which asks for them once; it lists a stream ffmpeg publishes within 3 s,
// plays it over HTTP-FLV and HLS on its stream page and on /players/, fits
// a phone's width, kicks a player (which sees EOF) and reloads. Screenshots
// go to $CASCADE_TEST_ARTIFACTS (a temporary folder by default).
func TestConsoleInBrowser(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "node", "chromium")
	harness, err := filepath.Abs("../internal/browser")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(harness, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("the browser test's npm packages are missing: run `make deps` (npm ci in internal/browser): %v", err)
	}
	artifacts := os.Getenv("CASCADE_TEST_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(artifacts, 0o755))
	t.Logf("screenshots in %s", artifacts)

	// A snapshot where snapshots are served from (/[app]/[stream].jpg), as
	// the vhost's snapshot block makes them.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "live"), 0o755))
	require.NoError(t, testpeer.Start(t, "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-i", testpeer.Media(t, "h264_aac_720p25.flv"),
		"-frames:v", "1", "-s", "320x180", "-y", filepath.Join(dir, "live", "livestream.jpg")).Wait())
	require.FileExists(t, filepath.Join(dir, "live", "livestream.jpg"))
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
http_api { enabled on; listen 127.0.0.1:0; auth { enabled on; username admin; password s3cret; }
    raw_api { enabled on; allow_reload on; } }
vhost __defaultVhost__ {
    hls { enabled on; hls_fragment 2; hls_window 20; hls_path %[1]s; }
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
    snapshot { enabled on; }
}
`, dir)
	ts, _ := startServerConf(t, conf)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := "http://" + ts.HTTPAddr().String()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(harness, "console.js"), base, artifacts, "admin", "s3cret")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("browser said:\n%s", lastLines(stderr.String(), 40))
		}
	})
	lines := bufio.NewScanner(stdout)
	next := func(want string) consoleStep {
		t.Helper()
		for lines.Scan() {
			var s consoleStep
			if json.Unmarshal(lines.Bytes(), &s) != nil {
				continue
			}
			require.NotEqual(t, "failed", s.Step, "the browser failed: %s (console errors: %q)", s.Error, s.Errors)
			require.Equal(t, want, s.Step)
			return s
		}
		t.Fatalf("the browser stopped before step %q: %v", want, lines.Err())
		return consoleStep{}
	}
	tell := func(line string) {
		_, err := io.WriteString(stdin, line+"\n")
		require.NoError(t, err)
	}

	s := next("dashboard")
	assert.True(t, strings.HasSuffix(s.URL, "/console/#/dashboard") || strings.HasSuffix(s.URL, "/console/"), "/ led to %s", s.URL)
	assert.Equal(t, Version, s.Version)

	next("ready")
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("livestream"), testpeer.PublishOptions{Loop: true})
	tell("livestream")
	s = next("listed")
	assert.LessOrEqual(t, s.MS, 3000)
	t.Logf("the stream was listed %d ms after ffmpeg started", s.MS)
	s = next("row")
	assert.Equal(t, 320, s.Thumb, "the snapshot thumbnail's width")
	for _, want := range []string{"H264", "High", "1280×720", "25 fps", "AAC", "44100 Hz", "stereo", "RTMP", "127.0.0.1"} {
		assert.Contains(t, s.Text, want, "the stream's row")
	}

	s = next("played")
	for name, v := range map[string]playedVideo{"HTTP-FLV": s.FLV, "HLS": s.HLS} {
		assert.Empty(t, v.Error, name)
		assert.GreaterOrEqual(t, v.CurrentTime, 3.0, name)
		assert.Equal(t, 1280, v.Width, name)
		assert.Equal(t, 720, v.Height, name)
		assert.Regexp(t, `^latency \d+\.\d+ s$`, v.Latency, name)
		assert.Regexp(t, `^buffer \d+\.\d+ s$`, v.Buffer, name)
	}
	t.Logf("stream page: HTTP-FLV %s %s; HLS %s %s", s.FLV.Latency, s.FLV.Buffer, s.HLS.Latency, s.HLS.Buffer)
	urls := map[string]string{}
	for _, u := range s.URLs {
		urls[u.Proto] = u.URL
	}
	_, rtmpPort, _ := strings.Cut(ts.RTMPAddr().String(), ":")
	assert.Equal(t, map[string]string{
		"RTMP":     "rtmp://127.0.0.1:" + rtmpPort + "/live/livestream",
		"HTTP-FLV": base + "/live/livestream.flv",
		"HLS":      base + "/live/livestream.m3u8",
	}, urls)

	s = next("player")
	for name, v := range map[string]playedVideo{"HTTP-FLV": s.Linked, "HLS": s.LinkedHLS} {
		assert.Empty(t, v.Error, "/players/ "+name)
		assert.GreaterOrEqual(t, v.CurrentTime, 3.0, "/players/ "+name)
		assert.Equal(t, 1280, v.Width, "/players/ "+name)
	}

	s = next("phone")
	assert.LessOrEqual(t, s.Flow, 0, "the page is wider than a phone")

	// A player the page kicks sees the end of its stream.
	next("kick-ready")
	// The pages' own players may still be connected: ours is the new one.
	before := map[string]bool{}
	for _, c := range ts.provider.Clients() {
		before[c.ID] = true
	}
	resp, err := http.Get(ts.flvURL("livestream"))
	require.NoError(t, err)
	defer resp.Body.Close()
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		ended <- err
	}()
	var id string
	waitFor(t, 5*time.Second, "the HTTP-FLV player in the API", func() bool {
		id = ""
		for _, c := range ts.provider.Clients() {
			if c.Type == "flv-play" && !before[c.ID] {
				id = c.ID
			}
		}
		return id != ""
	})
	tell(id)
	next("kicked")
	select {
	case err := <-ended:
		assert.NoError(t, err, "the kicked player's stream should end with EOF")
	case <-time.After(5 * time.Second):
		t.Fatal("the kicked player is still receiving")
	}

	s = next("done")
	assert.Empty(t, s.Errors, "console errors")
	assert.Equal(t, 1, s.Prompts, "the console asked for credentials more than once")
	assert.GreaterOrEqual(t, s.Points, 5, "the dashboard's bandwidth chart")
	for _, name := range []string{"dashboard.png", "streams.png", "stream.png", "player.png", "streams-phone.png", "clients.png", "vhosts.png"} {
		fi, err := os.Stat(filepath.Join(artifacts, name))
		if assert.NoError(t, err) {
			assert.Greater(t, fi.Size(), int64(10_000), name)
		}
	}
}
