package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/testpeer"
)

// rtspPullIdle is the idle_timeout of the tests' rtsp_pull, in seconds.
const rtspPullIdle = 1

// rtspPullServer runs a server whose default vhost pulls its streams from
// cam on demand, and whose vhost dead.test pulls from deadCam.
func rtspPullServer(t *testing.T, cam, deadCam string) *testServer {
	t.Helper()
	dir := t.TempDir()
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
http_api { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ {
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
    hls { enabled on; hls_fragment 1; hls_window 10; hls_path %[1]s; hls_dispose 0; hls_ctx on; }
    rtsp_pull { enabled on; url %[2]s/[app]/[stream]; idle_timeout %[4]d; timeout 2; }
}
vhost dead.test {
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
    hls { enabled on; hls_fragment 1; hls_path %[1]s; hls_ctx off; }
    rtsp_pull { enabled on; url %[3]s/[stream]; timeout 2; }
}
`, dir, cam, deadCam, rtspPullIdle))
	return ts
}

// apiStreamListed reports whether /api/v1/streams lists stream.
func apiStreamListed(t *testing.T, ts *testServer, stream string) bool {
	_, body := apiGet(t, "http://"+ts.MgmtAddr("api").String()+"/api/v1/streams?count=100", false)
	return find(body["streams"], "name", stream) != nil
}

// TestRTSPPullOnDemand: with rtsp_pull on and no publisher, a player over
// RTMP, HTTP-FLV or HLS starts one pull of the camera and gets its stream
// (H.264 1280x720 + AAC, as long as it asked for); the pull ends (the
// camera's RTSP session closes, the API no longer lists the stream) within
// idle_timeout (HLS: three fragments) of the player leaving; two players
// at once share one camera session; a camera that does not answer ends its
// players within the timeout, with one log line.
func TestRTSPPullOnDemand(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	st := castertest.Streams[0]
	cam := castertest.NewCamera(t, st)
	base := strings.TrimSuffix(cam.URL, "/cam")
	dead, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	require.NoError(t, err)
	t.Cleanup(func() { dead.Close() })
	ts := rtspPullServer(t, base, "rtsp://"+dead.Addr().String())
	const seconds = 3.0
	record := func(url, out string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := testpeer.Record(ctx, url, out, seconds*time.Second)
		return err
	}

	for _, tc := range []struct {
		name, stream string
		url          func(stream string) string
		grace        time.Duration // how long the pull may outlive the player
	}{
		{"rtmp", "c1", ts.rtmpURL, rtspPullIdle * time.Second},
		{"http-flv", "c2", ts.flvURL, rtspPullIdle * time.Second},
		{"hls", "c3", func(s string) string { return fmt.Sprintf("http://%s/live/%s.m3u8", ts.HTTPAddr(), s) }, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plays := cam.Plays()
			out := filepath.Join(t.TempDir(), "out.flv")
			require.NoError(t, record(tc.url(tc.stream), out))
			left := time.Now()
			castertest.ProbeWithin(t, out, st, seconds, 1.0)
			if !assert.Equal(t, 1, cam.Plays()-plays, "one camera session for the player") {
				t.Log(strings.Join(ts.logs.Lines("pull"), "\n"))
			}
			waitFor(t, tc.grace+5*time.Second, "the pull to stop", func() bool {
				return cam.Readers() == 0 && !apiStreamListed(t, ts, tc.stream)
			})
			t.Logf("pull stopped %v after the player left (grace %v)", time.Since(left).Round(10*time.Millisecond), tc.grace)
			assert.GreaterOrEqual(t, time.Since(left), tc.grace/2, "the pull outlived its player by its grace period")
		})
	}

	t.Run("two players share one pull", func(t *testing.T) {
		plays := cam.Plays()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		outs := []string{filepath.Join(t.TempDir(), "rtmp.flv"), filepath.Join(t.TempDir(), "flv.flv")}
		for i, url := range []string{ts.rtmpURL("both"), ts.flvURL("both")} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = record(url, outs[i])
			}()
		}
		wg.Wait()
		for i, out := range outs {
			require.NoError(t, errs[i])
			castertest.ProbeWithin(t, out, st, seconds, 1.0)
		}
		assert.Equal(t, 1, cam.Plays()-plays, "one camera session for both players")
		waitFor(t, rtspPullIdle*time.Second+5*time.Second, "the pull to stop", func() bool { return cam.Readers() == 0 })
	})

	t.Run("camera unreachable", func(t *testing.T) {
		start := time.Now()
		var wg sync.WaitGroup
		rtmpErrs := make([]error, 2)
		for i := range rtmpErrs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				url := fmt.Sprintf("rtmp://%s/live/gone?vhost=dead.test", ts.RTMPAddr())
				rtmpErrs[i] = record(url, filepath.Join(t.TempDir(), fmt.Sprintf("%d.flv", i)))
			}()
		}
		httpURLs := []string{
			fmt.Sprintf("http://%s/live/gone.flv?vhost=dead.test", ts.HTTPAddr()),
			fmt.Sprintf("http://%s/live/gone.m3u8?vhost=dead.test", ts.HTTPAddr()),
		}
		statuses := make([]int, len(httpURLs))
		for i, url := range httpURLs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Host = "dead.test" // the HLS mount's vhost is the Host
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					statuses[i] = resp.StatusCode
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		for i, err := range rtmpErrs {
			assert.Error(t, err, "RTMP player %d", i)
		}
		for i, url := range httpURLs {
			assert.Equal(t, http.StatusNotFound, statuses[i], url)
		}
		assert.Less(t, time.Since(start), 10*time.Second, "players ended within the pull's timeout")
		assert.Len(t, ts.logs.Lines("camera unreachable", "dead.test/live/gone"), 1, "one pull, one log line")
	})
}
