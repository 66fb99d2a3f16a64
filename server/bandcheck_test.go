package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/bandcheck"
)

// TestBandcheck runs the bandwidth check against a vhost capped at
// 2000 kbps, far below loopback's speed: the client measures the cap within
// 20 % both ways, a wrong key is refused, and a second check from the same
// IP inside interval is refused.
func TestBandcheck(t *testing.T) {
	const limit = 2000
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
vhost __defaultVhost__ { }
vhost bandcheck.test { bandcheck { enabled on; key k3y; interval 30; limit_kbps %d; } }
`, limit))
	url := func(key string) string {
		return fmt.Sprintf("rtmp://%s/app?key=%s&vhost=bandcheck.test", ts.RTMPAddr(), key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	_, err := bandcheck.Run(ctx, url("wrong"))
	require.ErrorIs(t, err, bandcheck.ErrRefused, "wrong key")

	rep, err := bandcheck.Run(ctx, url("k3y"))
	require.NoError(t, err)
	t.Logf("play %.0f kbps (server %.0f), publish %.0f kbps, rtt %v", rep.PlayKbps, rep.Server.PlayKbps, rep.PublishKbps, rep.RTT)
	assert.InEpsilon(t, limit, rep.PlayKbps, 0.2, "play kbps measured by the client")
	assert.InEpsilon(t, limit, rep.Server.PlayKbps, 0.2, "play kbps reported by the server")
	assert.InEpsilon(t, limit, rep.PublishKbps, 0.2, "publish kbps")
	assert.Positive(t, rep.RTT)
	assert.InDelta(t, 3000, rep.Server.PlayTime.Milliseconds(), 300)
	assert.InDelta(t, 3000, rep.Server.PublishTime.Milliseconds(), 300)
	waitFor(t, 5*time.Second, "the check's log line", func() bool { return len(ts.logs.Lines("rtmp bandcheck done")) == 1 })

	_, err = bandcheck.Run(ctx, url("k3y"))
	require.ErrorIs(t, err, bandcheck.ErrRefused, "a second check within interval")
	waitFor(t, 5*time.Second, "the refusal's log line", func() bool { return len(ts.logs.Lines(bandcheck.ErrTooSoon.Error())) == 1 })
}
