package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// TestRefusals: a client refused by a security rule, a refer rule or a
// callback gets its protocol's error (an RTMP _error or onStatus error,
// HTTP 403), and the server logs exactly one line naming the rule or the
// callback's URL.
func TestRefusals(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	hook := newHookRecorder(t)
	hook.reply = func(action string) (int, string) {
		if action == "on_connect" {
			return 200, `{"code":1}`
		}
		return 500, "0"
	}
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ { }
vhost sec.example.com { security { enabled on; deny publish all; allow play all; } }
vhost ref.example.com { refer { enabled on; play example.com; } http_remux { enabled on; } }
vhost conn.example.com { http_hooks { enabled on; on_connect %[1]s/connect; } }
vhost cb.example.com { http_hooks { enabled on; on_play %[1]s/play; } }
vhost hls.example.com { hls { enabled on; hls_ctx on; } http_hooks { enabled on; on_play %[1]s/hls; } }
`, hook.URL())
	ts, _ := startServerConf(t, conf)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rtmpURL := func(stream, vhost string) string {
		return fmt.Sprintf("rtmp://%s/live/%s?vhost=%s", ts.RTMPAddr(), stream, vhost)
	}
	// A source on ref.example.com for the HTTP-FLV player to be refused.
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), rtmpURL("r", "ref.example.com"), testpeer.PublishOptions{Loop: true})
	waitFor(t, 15*time.Second, "the source", func() bool {
		src := ts.Registry().Lookup(live.Key("ref.example.com", "live", "r"))
		return src != nil && src.Publishing()
	})

	httpGet := func(host, path string, header ...string) int {
		req, err := http.NewRequestWithContext(ctx, "GET", "http://"+ts.HTTPAddr().String()+path, nil)
		require.NoError(t, err)
		req.Host = host
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	rtmpStatus := func(err error) string {
		var se *client.StatusError
		if errors.As(err, &se) {
			return se.Code
		}
		return fmt.Sprint(err)
	}
	tests := []struct {
		name   string
		client func() string // the protocol's error
		want   string
		log    []string // what the one log line holds
	}{
		{"rtmp connect, on_connect", func() string {
			// The vhost in the app, as SRS allows, is the one connect sees.
			_, err := client.Dial(ctx, fmt.Sprintf("rtmp://%s/live...vhost...conn.example.com/c", ts.RTMPAddr()))
			return rtmpStatus(err)
		}, rtmp.CodeConnectRejected, []string{"conn.example.com/live refused by on_connect", hook.URL() + "/connect"}},
		{"rtmp publish, security", func() string {
			c, err := client.Dial(ctx, rtmpURL("p", "sec.example.com"))
			require.NoError(t, err)
			defer c.Close()
			return rtmpStatus(c.Publish(ctx, ""))
		}, rtmp.CodePublishBadName, []string{"sec.example.com/live/p refused by security", "deny publish all"}},
		{"rtmp play, on_play", func() string {
			c, err := client.Dial(ctx, rtmpURL("y", "cb.example.com"))
			require.NoError(t, err)
			defer c.Close()
			return rtmpStatus(c.Play(ctx, ""))
		}, rtmp.CodePlayFailed, []string{"cb.example.com/live/y refused by on_play", hook.URL() + "/play", "HTTP status 500"}},
		{"http-flv play, refer", func() string {
			return fmt.Sprint(httpGet("ref.example.com", "/live/r.flv", "Referer", "http://evil.org/page"))
		}, "403", []string{"ref.example.com/live/r refused by refer", "evil.org"}},
		{"hls play, on_play", func() string {
			return fmt.Sprint(httpGet("hls.example.com", "/live/h.m3u8?hls_ctx=abc"))
		}, "403", []string{"hls.example.com/live/h refused by on_play", hook.URL() + "/hls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.client())
			waitFor(t, 5*time.Second, "the log line", func() bool { return len(ts.logs.Lines(tt.log...)) > 0 })
			time.Sleep(100 * time.Millisecond) // a second line would come now
			assert.Len(t, ts.logs.Lines(tt.log[0]), 1, "one log line")
		})
	}
}

// TestHangingCallbackStallsOnlyItsVhost: vhost A's on_play server hangs
// with many plays waiting on it; a play on vhost B, whose callback server
// is healthy, is admitted at once.
func TestHangingCallbackStallsOnlyItsVhost(t *testing.T) {
	hang := make(chan struct{})
	bad := newHookRecorder(t)
	t.Cleanup(func() { close(hang) }) // before bad's server closes
	bad.reply = func(string) (int, string) { <-hang; return 200, "0" }
	good := newHookRecorder(t)
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
vhost __defaultVhost__ { }
vhost a.example.com { http_hooks { enabled on; on_play %s; } }
vhost b.example.com { http_hooks { enabled on; on_play %s; } }
`, bad.URL(), good.URL())
	ts, _ := startServerConf(t, conf)

	const waiting = 150
	for i := range waiting {
		dialRaw(t, ts.RTMPAddr(), 0).play(fmt.Sprintf("s%d?vhost=a.example.com", i))
	}
	waitFor(t, 10*time.Second, "the plays on A reach its callback server", func() bool {
		return len(bad.Calls("on_play")) >= 16
	})

	start := time.Now()
	dialRaw(t, ts.RTMPAddr(), 0).play("s?vhost=b.example.com")
	waitFor(t, 5*time.Second, "the play on B admitted", func() bool {
		return len(ts.logs.Lines(`msg="rtmp play"`, "b.example.com/live/s")) == 1
	})
	took := time.Since(start)
	assert.Less(t, took, time.Second, "the play on B waited %v behind A's callback server", took)
	require.Len(t, good.Calls("on_play"), 1)
	assert.Empty(t, ts.logs.Lines(`msg="rtmp play"`, "a.example.com"), "A's plays still wait for their verdict")
}
