package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

// hookRecorder is an HTTP callback receiver that answers code 0 and keeps
// what it was sent.
type hookRecorder struct {
	mu    sync.Mutex
	calls []map[string]any
	srv   *httptest.Server
	reply func(action string) (int, string)
}

func newHookRecorder(t *testing.T) *hookRecorder {
	h := &hookRecorder{reply: func(string) (int, string) { return 200, `{"code":0}` }}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &m)
		h.mu.Lock()
		h.calls = append(h.calls, m)
		reply := h.reply
		h.mu.Unlock()
		action, _ := m["action"].(string)
		code, text := reply(action)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookRecorder) URL() string { return h.srv.URL }

// Calls returns the payloads received for action.
func (h *hookRecorder) Calls(action string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, c := range h.calls {
		if c["action"] == action {
			out = append(out, c)
		}
	}
	return out
}

// TestDVRAndHDS: a vhost with dvr and hds records the published file to an
// FLV ffprobe reads whole (and on_dvr says so), and serves it as HDS that
// yt-dlp downloads.
func TestDVRAndHDS(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe", "yt-dlp")
	dir := t.TempDir()
	hook := newHookRecorder(t)
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
vhost __defaultVhost__ {
    dvr { enabled on; dvr_plan session; dvr_path %[1]s/dvr/[app]/[stream].[timestamp].flv; }
    hds { enabled on; hds_fragment 2; hds_window 6; hds_path %[1]s/hds; }
    http_hooks { enabled on; on_dvr %[2]s/dvr; }
}
`, dir, hook.URL())
	ts, _ := startServerConf(t, conf)
	pub := testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("out"), testpeer.PublishOptions{})
	require.NoError(t, pub.Wait())

	// DVR: one file, the whole stream.
	waitFor(t, 10*time.Second, "on_dvr", func() bool { return len(hook.Calls("on_dvr")) == 1 })
	call := hook.Calls("on_dvr")[0]
	file, _ := call["file"].(string)
	require.True(t, strings.HasPrefix(file, dir+"/dvr/live/out."), "file %q", file)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := testpeer.Probe(ctx, file)
	require.NoError(t, err)
	checkStreams(t, "dvr", mediaCases[0], r)
	assert.InDelta(t, 10.08, r.Format.Duration, 0.3)
	assert.Equal(t, "live", call["app"])
	assert.Equal(t, "out", call["stream"])

	// HDS, downloaded by yt-dlp through the server's HTTP port.
	out := filepath.Join(t.TempDir(), "hds.flv")
	cmd := exec.CommandContext(ctx, "yt-dlp", "--no-part", "--no-cache-dir", "-o", out,
		fmt.Sprintf("http://%s/live/out.f4m", ts.HTTPAddr()))
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "yt-dlp: %s", b)
	r, err = testpeer.Probe(ctx, out)
	require.NoError(t, err)
	checkStreams(t, "hds", mediaCases[0], r)
	assert.Greater(t, r.Format.Duration, 3.0)
	_, err = os.Stat(filepath.Join(dir, "hds", "live", "out.f4m"))
	assert.NoError(t, err, "the manifest is on disk too")
}

// TestHLS: a vhost with hls serves the published stream as HLS over the
// HTTP port: ffprobe reads the playlist's streams and duration, every
// segment decodes without errors and starts on a keyframe, and on_hls
// reports each segment.
func TestHLS(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	dir := t.TempDir()
	hook := newHookRecorder(t)
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
vhost __defaultVhost__ {
    hls { enabled on; hls_fragment 2; hls_window 30; hls_path %[1]s; hls_dispose 0; }
    http_hooks { enabled on; on_hls %[2]s; on_play %[2]s; on_stop %[2]s; }
}
`, dir, hook.URL())
	ts, _ := startServerConf(t, conf)
	pub := testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("h"), testpeer.PublishOptions{})
	url := fmt.Sprintf("http://%s/live/h.m3u8", ts.HTTPAddr())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	waitFor(t, 15*time.Second, "the playlist", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	r, err := testpeer.Probe(ctx, url)
	require.NoError(t, err, "live playlist")
	checkStreams(t, "live hls", mediaCases[0], r)
	require.NoError(t, pub.Wait())
	waitFor(t, 10*time.Second, "the last segment", func() bool { return len(hook.Calls("on_hls")) >= 5 })

	resp, err := http.Get(url)
	require.NoError(t, err)
	playlist, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "application/vnd.apple.mpegurl", resp.Header.Get("Content-Type"))
	var listed int
	for _, c := range ts.provider.Clients() {
		if c.Type == "hls-play" && c.Name == "h" {
			listed++
		}
	}
	assert.Positive(t, listed, "HLS sessions in /api/v1/clients")
	var segs []string
	var total float64
	for _, line := range strings.Split(string(playlist), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			assert.Contains(t, line, ".ts?hls_ctx=", "segment URIs carry the session")
			segs = append(segs, line)
		}
		if d, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
			var f float64
			_, err := fmt.Sscanf(strings.TrimSuffix(strings.SplitN(d, ",", 2)[0], ","), "%g", &f)
			require.NoError(t, err)
			total += f
		}
	}
	require.GreaterOrEqual(t, len(segs), 4, "%s", playlist)
	assert.InDelta(t, 10.08, total, 0.5, "the playlist holds the whole stream: %s", playlist)
	for _, seg := range segs {
		segURL := fmt.Sprintf("http://%s/live/%s", ts.HTTPAddr(), seg)
		out, err := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-i", segURL, "-f", "null", "-").CombinedOutput()
		require.NoError(t, err)
		assert.Empty(t, strings.TrimSpace(string(out)), "segment %s decodes cleanly", seg)
		pkts, err := testpeer.Packets(ctx, segURL)
		require.NoError(t, err)
		for _, p := range pkts {
			if p.CodecType == "video" {
				assert.True(t, p.Keyframe(), "segment %s starts on a keyframe", seg)
				break
			}
		}
	}
	call := hook.Calls("on_hls")[0]
	assert.Equal(t, "live", call["app"])
	assert.Equal(t, "h", call["stream"])
	assert.Contains(t, call["m3u8_url"], "h.m3u8")
	assert.Greater(t, call["duration"].(float64), 1.0)

	// HLS players are sessions (hls_ctx): on_play once each, on_stop when
	// their requests stop (and listed by the API meanwhile, above).
	plays := hook.Calls("on_play")
	require.NotEmpty(t, plays)
	assert.Contains(t, plays[0]["param"], "hls_ctx=")
	waitFor(t, 15*time.Second, "on_stop for every HLS player", func() bool {
		return len(hook.Calls("on_stop")) == len(hook.Calls("on_play"))
	})
	ids := func(calls []map[string]any) map[any]bool {
		m := map[any]bool{}
		for _, c := range calls {
			m[c["client_id"]] = true
		}
		return m
	}
	assert.Equal(t, ids(hook.Calls("on_play")), ids(hook.Calls("on_stop")), "every session that played stopped")
}

// TestHLSRepublish: a publisher that drops and comes back continues the
// playlist behind an EXT-X-DISCONTINUITY, and ffmpeg plays across it.
func TestHLSRepublish(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	dir := t.TempDir()
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
vhost __defaultVhost__ { hls { enabled on; hls_fragment 2; hls_window 60; hls_path %[1]s; hls_ctx off; } }
`, dir)
	ts, _ := startServerConf(t, conf)
	media := testpeer.Media(t, "h264_mp3_360p30.flv")
	for i := 0; i < 2; i++ {
		require.NoError(t, testpeer.Publish(t, media, ts.rtmpURL("re"), testpeer.PublishOptions{}).Wait())
		waitFor(t, 10*time.Second, "unpublish", func() bool {
			src := ts.Registry().Lookup(DefaultVhost + "/live/re")
			return src == nil || !src.Publishing()
		})
	}
	url := fmt.Sprintf("http://%s/live/re.m3u8", ts.HTTPAddr())
	var playlist string
	waitFor(t, 10*time.Second, "both publishes in the playlist", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		playlist = string(b)
		return strings.Count(playlist, "#EXTINF") >= 5 && strings.Contains(playlist, "#EXT-X-DISCONTINUITY")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The playlist is live (no ENDLIST): read it from its first segment
	// for a bit less than both publishes together.
	out, err := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-live_start_index", "0", "-i", url,
		"-t", "11.5", "-f", "null", "-").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Empty(t, strings.TrimSpace(string(out)), "ffmpeg plays across the discontinuity without errors:\n%s", playlist)
}
