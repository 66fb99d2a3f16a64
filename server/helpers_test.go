package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// logBuffer collects a server's log lines for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Lines returns the log lines containing every one of subs.
func (l *logBuffer) Lines(subs ...string) []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		ok := line != ""
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

type testServer struct {
	*Server
	t    testing.TB
	logs *logBuffer
}

// startServer runs a server on loopback ports the OS picks, with the
// built-in configuration changed by mutate, and the server by setup (run
// before Start: timeouts, the hooks client).
func startServer(t testing.TB, mutate func(*config.Config), setup ...func(*Server)) *testServer {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = []string{"127.0.0.1:0"}
	cfg.HTTPServer.Enabled = true
	cfg.HTTPServer.Listen = []string{"127.0.0.1:0"}
	cfg.HTTPAPI.Listen = []string{"127.0.0.1:0"}
	// The built-in HLS writes under the working directory: keep it in the test's.
	hls := cfg.Vhosts[config.DefaultVhost].Block.Get("hls")
	hls.Children = append(hls.Children, &config.Directive{Name: "hls_path", Args: []string{t.TempDir()}})
	if mutate != nil {
		mutate(cfg)
	}
	return runServer(t, cfg, setup...)
}

// runServer starts a server on cfg, logging into a buffer the test reads
// (and prints when it fails); it stops with the test.
func runServer(t testing.TB, cfg *config.Config, setup ...func(*Server)) *testServer {
	t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(cfg, log)
	require.NoError(t, err)
	for _, f := range setup {
		f(srv)
	}
	require.NoError(t, srv.Start())
	ts := &testServer{Server: srv, t: t, logs: logs}
	t.Cleanup(func() {
		_ = srv.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", lastLines(logs.String(), 60))
		}
	})
	return ts
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (ts *testServer) rtmpURL(stream string) string {
	return fmt.Sprintf("rtmp://%s/live/%s", ts.RTMPAddr(), stream)
}

func (ts *testServer) flvURL(stream string) string {
	return fmt.Sprintf("http://%s/live/%s.flv", ts.HTTPAddr(), stream)
}

// source waits for live/stream on the default vhost to exist (publishing
// when publishing is set).
func (ts *testServer) source(stream string, publishing bool) *live.Source {
	ts.t.Helper()
	var src *live.Source
	waitFor(ts.t, 15*time.Second, "source "+stream, func() bool {
		src = ts.Registry().Lookup(live.Key(DefaultVhost, "live", stream))
		return src != nil && (!publishing || src.Publishing())
	})
	return src
}

func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startServerConf runs a server from a configuration file with text
// (which should listen on 127.0.0.1:0), so that Reload has a file to read.
func startServerConf(t testing.TB, text string, setup ...func(*Server)) (*testServer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cascade.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	return runServer(t, cfg, setup...), path
}

// drain reads (and drops) what the server sends a publishing client, so
// that pings and acknowledgements are answered.
func drain(c *client.Conn) {
	go func() {
		for {
			m, err := c.ReadMessage()
			if err != nil {
				return
			}
			m.Body.Release()
		}
	}()
}

// playAndPublish connects an RTMP player of stream, then a publisher of it
// (with opts) whose incoming messages are drained; both close with the test.
func playAndPublish(t testing.TB, ctx context.Context, ts *testServer, stream string, opts ...client.Option) (player, pub *client.Conn) {
	t.Helper()
	player, err := client.Dial(ctx, ts.rtmpURL(stream))
	require.NoError(t, err)
	t.Cleanup(func() { player.Close() })
	require.NoError(t, player.Play(ctx, stream))
	pub, err = client.Dial(ctx, ts.rtmpURL(stream), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { pub.Close() })
	require.NoError(t, pub.Publish(ctx, stream))
	drain(pub)
	return player, pub
}

// expectPayloads reads the player's messages until it has every audio and
// video message of want, in order, with its type, timestamp and payload
// byte for byte.
func expectPayloads(t testing.TB, player *client.Conn, want []fileTag, timeout time.Duration) {
	t.Helper()
	require.NoError(t, player.SetReadDeadline(time.Now().Add(timeout)))
	for i := 0; i < len(want); {
		m, err := player.ReadMessage()
		require.NoError(t, err, "message %d of %d", i, len(want))
		if m.Type == rtmp.MsgAudio || m.Type == rtmp.MsgVideo {
			require.Equal(t, want[i].typ, m.Type, "message %d type", i)
			require.Equal(t, want[i].ts, m.Timestamp, "message %d timestamp", i)
			require.True(t, bytes.Equal(want[i].data, m.Payload()), "payload %d differs", i)
			i++
		}
		m.Body.Release()
	}
}
