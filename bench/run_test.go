package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quickConfig is a short run for tests.
func quickConfig(url string, players int) Config {
	return Config{
		URL:            url,
		Players:        players,
		Ramp:           -1,
		Duration:       1500 * time.Millisecond,
		Warmup:         500 * time.Millisecond,
		Timeout:        time.Second,
		SampleInterval: 100 * time.Millisecond,
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	for _, url := range []string{
		"rtmp://192.0.2.1/live/livestream",
		"rtmp://10.0.0.1:1935/live/livestream",
		"http://8.8.8.8:8080/live/livestream.flv",
		"http://[2001:db8::1]:8080/live/livestream.flv",
		"rtmp://0.0.0.0/live/livestream",
	} {
		start := time.Now()
		_, err := Run(context.Background(), quickConfig(url, 1))
		assert.ErrorIs(t, err, ErrNotLoopback, url)
		assert.Less(t, time.Since(start), time.Second, url)
	}
}

func TestResolveTarget(t *testing.T) {
	tg, err := ResolveTarget(context.Background(), "rtmp://127.0.0.1/live/livestream?token=1")
	require.NoError(t, err)
	assert.Equal(t, ProtoRTMP, tg.Proto)
	assert.Equal(t, "127.0.0.1:1935", tg.Addr)
	assert.Equal(t, "live", tg.App)
	assert.Equal(t, "livestream?token=1", tg.Stream)
	assert.Equal(t, "rtmp://127.0.0.1/live", tg.TcURL)

	tg, err = ResolveTarget(context.Background(), "http://localhost:8080/live/livestream.flv")
	require.NoError(t, err)
	assert.Equal(t, ProtoFLV, tg.Proto)
	ip, _, err := net.SplitHostPort(tg.Addr)
	require.NoError(t, err)
	assert.True(t, net.ParseIP(ip).IsLoopback())

	for _, bad := range []string{"rtmp://127.0.0.1/live", "ftp://127.0.0.1/x", "http://127.0.0.1", "rtmp:///live/x"} {
		_, err := ResolveTarget(context.Background(), bad)
		assert.Error(t, err, bad)
	}
}

func TestParseRamp(t *testing.T) {
	for in, want := range map[string]float64{"200": 200, "200/s": 200, "50/100ms": 500, "60/m": 1, "0": -1, "1.5/s": 1.5} {
		got, err := ParseRamp(in)
		require.NoError(t, err, in)
		assert.InDelta(t, want, got, 1e-9, in)
	}
	for _, in := range []string{"", "x", "-1/s", "10/x", "10/0s"} {
		_, err := ParseRamp(in)
		assert.Error(t, err, in)
	}
}

func TestConfigChecks(t *testing.T) {
	base := quickConfig("rtmp://127.0.0.1/live/x", 1)
	for name, mutate := range map[string]func(*Config){
		"too many players":    func(c *Config) { c.Players = MaxPlayers + 1 },
		"warmup over the run": func(c *Config) { c.Warmup = c.Duration },
		"too long":            func(c *Config) { c.Duration = MaxDuration + 1 },
		"tiny read buffer":    func(c *Config) { c.ReadBufferSize = 100 },
	} {
		c := base
		mutate(&c)
		_, err := Run(context.Background(), c)
		assert.Error(t, err, name)
	}
}

func TestRunDeadServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	for _, url := range []string{"rtmp://" + addr + "/live/livestream", "http://" + addr + "/live/livestream.flv"} {
		start := time.Now()
		rep, err := Run(context.Background(), quickConfig(url, 20))
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 3*time.Second)
		assert.Equal(t, 20, rep.Players.Attempted)
		assert.Zero(t, rep.Players.Connected)
		assert.Equal(t, map[string]int{"dial: connection refused": 20}, rep.Failures)
		assert.Zero(t, rep.Bitrate.Aggregate)
	}
}

func TestRunSilentServer(t *testing.T) {
	t.Parallel()
	for _, isRTMP := range []bool{true, false} {
		srv := newFakeServer(t, isRTMP, fakeOptions{silent: true})
		cfg := quickConfig(srv.URL(), 5)
		cfg.Timeout = 300 * time.Millisecond
		rep, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		reason := "response: timeout"
		if isRTMP {
			reason = "handshake: timeout"
		}
		assert.Equal(t, map[string]int{reason: 5}, rep.Failures)
	}
}

func TestRunStreams(t *testing.T) {
	msgs := syntheticStream(10, true)
	const every = 100 * time.Millisecond
	// Media per second once the first burst is over.
	kbps := float64(mediaBytes(frameMsgs(msgs))) * 8 / every.Seconds() / 1000
	for _, isRTMP := range []bool{true, false} {
		srv := newFakeServer(t, isRTMP, fakeOptions{msgs: msgs, every: every, chunkSize: 4096})
		t.Run(srv.URL(), func(t *testing.T) {
			cfg := quickConfig(srv.URL(), 8)
			cfg.Ramp = 100
			cfg.PID = os.Getpid()
			cfg.ExpectKbps = kbps
			var samples int
			cfg.Progress = func(Sample) { samples++ }
			start := time.Now()
			rep, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			elapsed := time.Since(start)
			assert.GreaterOrEqual(t, elapsed, cfg.Duration)
			assert.Less(t, elapsed, cfg.Duration+time.Second, "the run stops at its duration")

			assert.Equal(t, 8, rep.Players.Attempted)
			assert.Equal(t, 8, rep.Players.Connected)
			assert.Equal(t, 8, rep.Players.Receiving)
			assert.Zero(t, rep.Players.FirstVideoNotKeyframe)
			assert.Zero(t, rep.Players.NoVideo)
			assert.Empty(t, rep.Failures)
			assert.Equal(t, 8, rep.FirstMedia.Count)
			assert.Equal(t, 8, rep.FirstVideo.Count)
			assert.InDelta(t, 1.0, rep.Window.Seconds, 0.25)
			// Sleeps on a shared machine stretch the stream: allow slack.
			assert.InEpsilon(t, kbps, rep.Bitrate.P50, 0.25, "p50 %.0f kbit/s, want %.0f", rep.Bitrate.P50, kbps)
			assert.InEpsilon(t, 8*rep.Bitrate.Mean, rep.Bitrate.Aggregate, 1e-6)
			assert.Greater(t, rep.Bitrate.WireAggregate, rep.Bitrate.Aggregate)
			assert.Equal(t, "flag", rep.Expected.Source)
			require.NotNil(t, rep.Server)
			assert.Positive(t, rep.Server.RSSEnd)
			assert.GreaterOrEqual(t, rep.Server.RSSMax, rep.Server.RSSEnd)
			assert.NotEmpty(t, rep.Timeline)
			assert.Equal(t, len(rep.Timeline), samples)

			var text bytes.Buffer
			require.NoError(t, rep.WriteText(&text))
			for _, want := range []string{"attempted 8  connected 8  receiving 8", "failures    none", "first video p50", "per player  media kbit/s", "server      pid", "load tool   cpu"} {
				assert.Contains(t, text.String(), want)
			}
			js, err := json.Marshal(rep)
			require.NoError(t, err)
			var back map[string]any
			require.NoError(t, json.Unmarshal(js, &back))
			assert.Contains(t, back, "bitrate")
			assert.Contains(t, back, "server")
		})
	}
}

func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, false, fakeOptions{msgs: syntheticStream(3, true), every: 50 * time.Millisecond})
	cfg := quickConfig(srv.URL(), 2)
	cfg.Duration = time.Minute

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, cfg)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "stopped in the warmup")

	ctx, cancel = context.WithTimeout(context.Background(), 900*time.Millisecond)
	defer cancel()
	start := time.Now()
	rep, err := Run(ctx, cfg)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, 2, rep.Players.Connected)
	assert.NotEmpty(t, rep.Warnings)
}

func TestRunServerDies(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, false, fakeOptions{msgs: syntheticStream(3, true), every: 50 * time.Millisecond})
	proc := exec.Command("sleep", "0.2")
	require.NoError(t, proc.Start())
	go proc.Wait()

	cfg := quickConfig(srv.URL(), 2)
	cfg.PID = proc.Process.Pid
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.NotNil(t, rep.Server)
	assert.NotEmpty(t, rep.Server.Error)
	assert.Zero(t, rep.Server.CPU)
	assert.NotEmpty(t, rep.Warnings)
	assert.Equal(t, 2, rep.Players.Connected)
}
