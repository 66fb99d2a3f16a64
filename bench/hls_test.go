package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

func TestParsePlaylist(t *testing.T) {
	pl, err := parsePlaylist(strings.NewReader("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:2.0,\nlive/s-7.ts\n#EXTINF:2.0,\nlive/s-8.ts\n"))
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, pl.target)
	assert.Equal(t, uint64(7), pl.sequence)
	assert.Equal(t, []string{"live/s-7.ts", "live/s-8.ts"}, pl.segments)
	for _, bad := range []string{"", "hello", "#EXTM3U\n#EXT-X-TARGETDURATION:x\n", "#EXTM3U\nseg.ts\n"} {
		_, err := parsePlaylist(strings.NewReader(bad))
		assert.Error(t, err, "%q", bad)
	}
}

// TestHLSPlayers: HLS players of the load tool follow a real cascade's
// live playlist and fetch each segment.
func TestHLSPlayers(t *testing.T) {
	srv := startCascadeConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ { hls { enabled on; hls_fragment 1; hls_window 6; hls_path %s; } }
`, t.TempDir()))

	rc := quickConfig(fmt.Sprintf("http://%s/live/h.m3u8", srv.HTTPAddr()), 5)
	rc.Duration, rc.Warmup = 6*time.Second, 3*time.Second
	rc.PublishFile = testpeer.Media(t, "h264_only.flv") // GOP 1 s
	rc.PublishURL = fmt.Sprintf("rtmp://%s/live/h", srv.RTMPAddr())
	// The playlist appears after the first segment: start the players then.
	rc.Ramp = 1
	rep, err := Run(context.Background(), rc)
	require.NoError(t, err)
	require.NotNil(t, rep.HLS)
	assert.Equal(t, ProtoHLS, rep.Protocol)
	assert.Empty(t, rep.Failures)
	assert.Greater(t, rep.HLS.Segments, uint64(5), "each player fetched segments in the window")
	assert.Zero(t, rep.HLS.Errors)
	assert.Greater(t, rep.HLS.Fetch.P50, 0.0)
	assert.Greater(t, rep.Bitrate.P50, 100.0, "the stream's 400 kbit/s, roughly")
}
