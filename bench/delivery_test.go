package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/server"
)

func TestNumbered(t *testing.T) {
	for in, want := range map[string]string{
		"rtmp://127.0.0.1/live/s":             "rtmp://127.0.0.1/live/s-3",
		"rtmp://127.0.0.1/live/s?token=1":     "rtmp://127.0.0.1/live/s-3?token=1",
		"http://127.0.0.1:8080/live/s.flv":    "http://127.0.0.1:8080/live/s-3.flv",
		"http://127.0.0.1:8080/live/s.flv?a=": "http://127.0.0.1:8080/live/s-3.flv?a=",
	} {
		assert.Equal(t, want, Numbered(in, 3))
	}
}

func TestStampRoundTrip(t *testing.T) {
	frame := []byte{0x27, 1, 0, 0, 0, 0, 0, 0, 2, 0x41, 0x9a}
	for _, d := range []time.Duration{0, time.Millisecond, 90 * time.Minute, 1<<56 - 1} {
		b := appendStamp(nil, frame, d)
		got, ok := readStamp(b[:min(len(b), videoHeadSize)])
		require.True(t, ok)
		assert.Equal(t, d, got)
		assert.Equal(t, frame[5:], b[5+4+stampNALLen:], "the frame's own NAL units follow")
		assert.NotContains(t, string(b[9:9+stampNALLen]), "\x00\x00", "no emulation prevention needed")
	}
	_, ok := readStamp(frame)
	assert.False(t, ok)
}

// TestDeliveryLatency: the load tool publishes to a real cascade and its
// players measure how long the server takes to deliver each frame.
func TestDeliveryLatency(t *testing.T) {
	srv := startCascade(t)
	for _, url := range []string{
		fmt.Sprintf("rtmp://%s/live/lat", srv.RTMPAddr()),
		fmt.Sprintf("http://%s/live/lat.flv", srv.HTTPAddr()),
	} {
		t.Run(url, func(t *testing.T) {
			rc := quickConfig(url, 4)
			rc.Duration, rc.Warmup = 3*time.Second, time.Second
			rc.PublishFile = testpeer.Media(t, "h264_aac_720p25.flv")
			rc.PublishURL = fmt.Sprintf("rtmp://%s/live/lat", srv.RTMPAddr())
			rep, err := Run(context.Background(), rc)
			require.NoError(t, err)
			require.NotNil(t, rep.Delivery)
			d := rep.Delivery
			assert.Empty(t, d.PublisherError)
			assert.Greater(t, d.Frames, 4*40, "four players, 25 fps, 2 s")
			assert.Greater(t, d.P50, 0.0)
			assert.Less(t, d.P50, 50.0, "min_latency on: delivered at once")
			assert.Equal(t, 4, rep.Players.Receiving)
		})
	}
}

// TestManyPublishers: the load tool publishes several streams and spreads
// its players over them.
func TestManyPublishers(t *testing.T) {
	srv := startCascade(t)
	rc := quickConfig(fmt.Sprintf("http://%s/live/many.flv", srv.HTTPAddr()), 6)
	rc.Duration, rc.Warmup = 3*time.Second, time.Second
	rc.PublishFile = testpeer.Media(t, "h264_only.flv")
	rc.PublishURL = fmt.Sprintf("rtmp://%s/live/many", srv.RTMPAddr())
	rc.Publishers = 3
	players := map[string]int{} // consumers per stream, seen during the run
	rc.Progress = func(s Sample) {
		if s.At < 2 || len(players) > 0 {
			return
		}
		for i := range 3 {
			name := fmt.Sprintf("many-%d", i)
			if src := srv.Registry().Lookup(live.Key(server.DefaultVhost, "live", name)); src != nil && src.Publishing() {
				players[name] = src.Consumers()
			}
		}
	}
	rep, err := Run(context.Background(), rc)
	require.NoError(t, err)
	assert.Equal(t, 6, rep.Players.Receiving)
	require.NotNil(t, rep.Delivery)
	assert.Equal(t, 3, rep.Delivery.Publishers)
	assert.Zero(t, rep.Delivery.PublishersFailed)
	assert.Equal(t, map[string]int{"many-0": 2, "many-1": 2, "many-2": 2}, players)
}

// startCascade runs a real cascade (min_latency on) on loopback ports.
func startCascade(t *testing.T) *server.Server {
	return startCascadeConf(t, `
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ { min_latency on; http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }
`)
}

// startCascadeConf runs a real cascade from a configuration text; the
// working directory is a temporary one, so that nothing it writes lands
// in the tree.
func startCascadeConf(t *testing.T, text string) *server.Server {
	conf := filepath.Join(t.TempDir(), "cascade.conf")
	require.NoError(t, os.WriteFile(conf, []byte(text), 0o644))
	cfg, err := config.Load(conf)
	require.NoError(t, err)
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestServerDelayFollowsMwLatency: the server's own delay histograms and
// the timed players both move by what merged writes add: about nothing
// with min_latency on, up to mw_latency 100 ms with it off. The untimed
// players read in bulk and time nothing, but get the whole stream.
func TestServerDelayFollowsMwLatency(t *testing.T) {
	for _, tc := range []struct {
		name       string
		vhost      string
		minP50     float64 // ms, the server's own measure
		maxP50     float64
		maxTimedUp float64 // ms, the timed players' p50
	}{
		{"min_latency on", "min_latency on;", 0, 20, 50},
		{"mw_latency 100", "min_latency off; play { mw_latency 100; mw_msgs 1; }", 70, 200, 250},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startCascadeConf(t, `
listen 127.0.0.1:0;
exporter { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ { `+tc.vhost+` }
`)
			url := fmt.Sprintf("rtmp://%s/live/d", srv.RTMPAddr())
			rc := quickConfig(url, 8)
			rc.Duration, rc.Warmup = 4*time.Second, 1500*time.Millisecond
			rc.PublishFile, rc.PublishURL = testpeer.Media(t, "h264_aac_720p25.flv"), url
			rc.TimedPlayers = 2
			rc.MetricsURL = fmt.Sprintf("http://%s/metrics", srv.MgmtAddr("exporter"))
			rep, err := Run(context.Background(), rc)
			require.NoError(t, err)
			assert.Empty(t, rep.Warnings)
			assert.Equal(t, 8, rep.Players.Receiving, "bulk readers get the stream too")
			assert.Equal(t, 1.0, rep.Expected.AtLeast95, "at full rate")

			d := rep.Delivery
			require.NotNil(t, d)
			assert.Greater(t, d.Frames, 2*40, "two timed players, 25 fps, 2.5 s")
			assert.Less(t, d.Frames, 3*70, "only the timed players time frames")
			assert.Less(t, d.P50, tc.maxTimedUp)

			s := rep.ServerDelay
			require.NotNil(t, s)
			t.Logf("server adds p50 %.2fms p99 %.2fms (%d writes), queued p50 %.2fms; timed players p50 %.2fms p99 %.2fms (%d frames)",
				s.P50, s.P99, s.Writes, s.QueueP50, d.P50, d.P99, d.Frames)
			assert.Greater(t, s.Writes, uint64(0))
			assert.Greater(t, s.Batches, uint64(0))
			assert.GreaterOrEqual(t, s.P50, tc.minP50)
			assert.LessOrEqual(t, s.P50, tc.maxP50)
			// Each batch's wait is part of its writes' delays, but the two
			// histograms count different samples (every batch, one write
			// in 8), so their interpolated medians may cross within a
			// bucket (123.75 against 122.5 ms seen).
			assert.LessOrEqual(t, s.QueueP50, s.P50*1.1)
		})
	}
}
