package bench

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

// TestFloor: the do-nothing server serves real players of the load tool
// over RTMP and HTTP-FLV at the file's bitrate.
func TestFloor(t *testing.T) {
	f, err := NewFloor(testpeer.Media(t, "h264_aac_720p25.flv"))
	require.NoError(t, err)
	f.Batch = 100 * time.Millisecond
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Serve(ctx, rl, hl) }()
	t.Cleanup(func() { cancel(); <-done })

	for _, url := range []string{
		fmt.Sprintf("rtmp://%s/live/livestream", rl.Addr()),
		fmt.Sprintf("http://%s/live/livestream.flv", hl.Addr()),
	} {
		t.Run(url, func(t *testing.T) {
			cfg := quickConfig(url, 6)
			cfg.Duration, cfg.Warmup = 3*time.Second, time.Second
			rep, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			assert.Equal(t, 6, rep.Players.Receiving)
			assert.Empty(t, rep.Failures)
			assert.InDelta(t, 1130, rep.Bitrate.P50, 400, "about the reference stream's bitrate")
		})
	}
}
