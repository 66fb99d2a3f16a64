package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

const securityConf = `
listen 127.0.0.1:0;
max_connections 100;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ {
    http_remux { enabled on; }
    %s
}
vhost denypub.example.com {
    security { enabled on; deny publish all; allow play all; }
}
vhost denyplay.example.com {
    security { enabled on; deny play 127.0.0.1; allow play all; allow publish all; }
    http_remux { enabled on; }
}
`

// TestSecurityRules: deny rules refuse ffmpeg's publish and ffprobe's (and
// an HTTP-FLV player's) play, with a log line naming the rule; a reload that
// adds a rule takes effect for the next client while the current one keeps
// playing, and one that removes it lets clients in again.
func TestSecurityRules(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	ts, path := startServerConf(t, fmt.Sprintf(securityConf, ""))
	media := testpeer.Media(t, "h264_aac_720p25.flv")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Publish refused on the deny vhost.
	p := testpeer.Publish(t, media, ts.rtmpURL("x?vhost=denypub.example.com"), testpeer.PublishOptions{})
	select {
	case <-p.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("ffmpeg still publishing to a denied vhost")
	}
	assert.Error(t, p.Wait())
	assert.NotEmpty(t, ts.logs.Lines("refused by security", "deny publish all"), "the log names the rule")

	// A stream on a vhost that refuses players from 127.0.0.1.
	testpeer.Publish(t, media, ts.rtmpURL("d?vhost=denyplay.example.com"), testpeer.PublishOptions{Loop: true})
	waitFor(t, 10*time.Second, "the publish", func() bool { return len(ts.logs.Lines("rtmp publish", "denyplay.example.com/live/d")) > 0 })
	_, err := testpeer.Probe(ctx, ts.rtmpURL("d?vhost=denyplay.example.com"))
	assert.Error(t, err, "ffprobe's RTMP play is refused")
	assert.NotEmpty(t, ts.logs.Lines("refused by security", "deny play 127.0.0.1"))
	req, _ := http.NewRequest("GET", ts.flvURL("d")+"?vhost=denyplay.example.com", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode, "HTTP-FLV play is refused")

	// A stream on the default vhost for the reload part.
	testpeer.Publish(t, media, ts.rtmpURL("s"), testpeer.PublishOptions{Loop: true})
	src := ts.source("s", true)

	// A player on the default vhost, then a reload denying play there.
	player := dialRaw(t, ts.RTMPAddr(), 0)
	player.play("s")
	got := player.count()
	waitFor(t, 5*time.Second, "the player", func() bool { return got.Load() > 50_000 })
	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(securityConf,
		"security { enabled on; deny play all; allow publish all; }")), 0o644))
	require.NoError(t, ts.Reload())
	_, err = testpeer.Probe(ctx, ts.rtmpURL("s"))
	assert.Error(t, err, "the next player is refused after the reload")
	before := got.Load()
	time.Sleep(time.Second)
	assert.Greater(t, got.Load()-before, int64(50_000), "the current player keeps playing")
	assert.Equal(t, 1, src.Consumers())

	// Removing the rule lets players in again.
	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(securityConf, "")), 0o644))
	require.NoError(t, ts.Reload())
	r, err := testpeer.Probe(ctx, ts.rtmpURL("s"))
	require.NoError(t, err)
	checkStreams(t, "after reload", mediaCases[0], r)
}

// TestMaxConnections: over max_connections, new connections are closed at
// once; the ones open stay.
func TestMaxConnections(t *testing.T) {
	ts, _ := startServerConf(t, strings.Replace(fmt.Sprintf(securityConf, ""), "max_connections 100;", "max_connections 3;", 1))
	var open []*rawConn
	for i := 0; i < 3; i++ {
		c := dialRaw(t, ts.RTMPAddr(), 0)
		c.handshake()
		open = append(open, c)
	}
	extra := dialRaw(t, ts.RTMPAddr(), 0)
	assert.True(t, closedByServer(extra, 3*time.Second), "the fourth connection is closed")
	assert.NotEmpty(t, ts.logs.Lines("max_connections"))
	for _, c := range open {
		assert.False(t, closedByServer(c, 200*time.Millisecond), "open connections stay")
	}
}

// TestRefer: with refer on, a player whose page (RTMP pageUrl, HTTP
// Referer) is not under a listed domain is refused.
func TestRefer(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	ts, _ := startServerConf(t, `
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ {
    refer { enabled on; play example.com; }
    http_remux { enabled on; }
}
`)
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("r"), testpeer.PublishOptions{Loop: true})
	ts.source("r", true)
	for _, tc := range []struct {
		referer string
		status  int
	}{
		{"", 403},
		{"http://evil.net/player.html", 403},
		{"http://www.example.com/player.html", 200},
	} {
		req, _ := http.NewRequest("GET", ts.flvURL("r"), nil)
		if tc.referer != "" {
			req.Header.Set("Referer", tc.referer)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, "Referer %q", tc.referer)
	}
	// ffprobe sends no pageUrl: refused over RTMP too.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := testpeer.Probe(ctx, ts.rtmpURL("r"))
	assert.Error(t, err)
	assert.NotEmpty(t, ts.logs.Lines("refused by refer"))
}
