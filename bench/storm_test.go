package bench

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunStorm: incumbents play, then a storm of players joins at once;
// the report tells the storm apart from the incumbents.
func TestRunStorm(t *testing.T) {
	msgs := syntheticStream(10, true)
	const every = 100 * time.Millisecond
	kbps := float64(mediaBytes(frameMsgs(msgs))) * 8 / every.Seconds() / 1000
	for _, isRTMP := range []bool{true, false} {
		srv := newFakeServer(t, isRTMP, fakeOptions{msgs: msgs, every: every, chunkSize: 4096})
		t.Run(srv.URL(), func(t *testing.T) {
			cfg := quickConfig(srv.URL(), 4)
			cfg.Duration = 2 * time.Second
			cfg.ExpectKbps = kbps
			cfg.Storm, cfg.StormAt, cfg.StormWindow = 12, 600*time.Millisecond, time.Second
			rep, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			require.NotNil(t, rep.Storm)
			st := rep.Storm
			assert.Equal(t, 12, st.Players)
			assert.Equal(t, 12, st.Connected)
			assert.Equal(t, 12, st.FirstVideo.Count)
			if isRTMP {
				assert.Equal(t, 12, st.Handshake.Count, "every storm player's handshake is timed")
				assert.LessOrEqual(t, st.Handshake.Max, st.FirstVideo.Max)
			} else {
				assert.Zero(t, st.Handshake.Count, "HTTP has no handshake")
			}
			assert.Empty(t, st.Failures)
			assert.Equal(t, 4, st.Incumbents.Players, "the storm's players are not incumbents")
			assert.InEpsilon(t, kbps, st.Incumbents.P50, 0.3)
			assert.Equal(t, 16, rep.Players.Attempted)
			var text bytes.Buffer
			require.NoError(t, rep.WriteText(&text))
			assert.Contains(t, text.String(), "storm       12 players at 0.6s over 0.00s: connected 12")
			assert.Contains(t, text.String(), "incumbents  4 over")
		})
	}
	assert.Error(t, Config{URL: "rtmp://127.0.0.1/live/s", Players: 1, Storm: 1, StormAt: time.Minute, Duration: time.Second}.withDefaults().check())
}

// TestRunStormRate: at -storm-rate the storm's players start one after
// another, and each is timed from its own start.
func TestRunStormRate(t *testing.T) {
	msgs := syntheticStream(10, true)
	srv := newFakeServer(t, true, fakeOptions{msgs: msgs, every: 100 * time.Millisecond, chunkSize: 4096})
	cfg := quickConfig(srv.URL(), 2)
	cfg.Duration = 2 * time.Second
	cfg.Storm, cfg.StormAt, cfg.StormRate, cfg.StormWindow = 11, 500*time.Millisecond, 20, time.Second
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	st := rep.Storm
	require.NotNil(t, st)
	assert.Equal(t, 11, st.Connected)
	assert.InDelta(t, 0.5, st.Spread, 0.1, "11 players at 20/s start over 0.5 s")
	assert.Less(t, st.FirstVideo.Max, 400.0, "a late player's start is timed from its own dial, not the storm's")
}
