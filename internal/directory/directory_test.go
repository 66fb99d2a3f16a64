package directory_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/directory"
	"github.com/cascade-live/cascade/internal/testpeer"
)

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

func newDir(t *testing.T, addr, id string, logs *logBuf) *directory.Directory {
	cfg := directory.Config{Enabled: true, Redis: addr, TTL: time.Second, Prefix: "cascade"}
	d, err := directory.New(cfg, slog.New(slog.NewTextHandler(logs, nil)), func() directory.Record {
		return directory.Record{RTMP: "10.0.0.1:1935", HTTP: "10.0.0.1:8080", ServerID: id}
	})
	require.NoError(t, err)
	return d
}

func TestDirectory(t *testing.T) {
	_, addr := testpeer.RedisServer(t, 0)
	ctx := context.Background()
	logs := &logBuf{}
	a := newDir(t, addr, "a", logs)
	defer a.Close()
	b := newDir(t, addr, "b", logs)
	defer b.Close()

	a.Register("__defaultVhost__", "live", "one")
	r, ok, err := b.Lookup(ctx, "__defaultVhost__", "live", "one")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "10.0.0.1:1935", r.RTMP)
	require.Equal(t, "a", r.ServerID)

	// redis-cli sees the documented key, with a TTL.
	testpeer.Require(t, "redis-cli")
	_, port, _ := net.SplitHostPort(addr)
	out, err := exec.CommandContext(ctx, "redis-cli", "-p", port, "TTL", "cascade:stream:__defaultVhost__/live/one").Output()
	require.NoError(t, err)
	ttl, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	require.True(t, ttl > 0 && ttl <= 1, "TTL %q", out)

	// Refreshed while it lives: still there after three TTLs.
	time.Sleep(3 * time.Second)
	_, ok, _ = b.Lookup(ctx, "__defaultVhost__", "live", "one")
	require.True(t, ok, "refreshed")

	// Another server's unregister does not remove a's key; a's does.
	b.Unregister("__defaultVhost__", "live", "one")
	_, ok, _ = b.Lookup(ctx, "__defaultVhost__", "live", "one")
	require.True(t, ok, "b does not own the key")
	a.Unregister("__defaultVhost__", "live", "one")
	_, ok, _ = b.Lookup(ctx, "__defaultVhost__", "live", "one")
	require.False(t, ok, "removed at unpublish")

	// A dead origin's keys expire.
	a.Register("__defaultVhost__", "live", "two")
	require.NoError(t, a.Close())
	_, ok, _ = b.Lookup(ctx, "__defaultVhost__", "live", "two")
	require.True(t, ok)
	require.Eventually(t, func() bool {
		_, ok, _ := b.Lookup(ctx, "__defaultVhost__", "live", "two")
		return !ok
	}, 3*time.Second, 50*time.Millisecond, "expired")
}

// TestDirectoryRedisDown: with Redis gone, registering and looking up fail
// fast with one log line; when it is back, registrations come back.
func TestDirectoryRedisDown(t *testing.T) {
	rs, addr := testpeer.RedisServer(t, 0)
	ctx := context.Background()
	logs := &logBuf{}
	d := newDir(t, addr, "a", logs)
	defer d.Close()
	d.Register("__defaultVhost__", "live", "s")
	rs.Stop()

	start := time.Now()
	d.Register("__defaultVhost__", "live", "t")
	_, ok, err := d.Lookup(ctx, "__defaultVhost__", "live", "s")
	require.Error(t, err)
	require.False(t, ok)
	require.Less(t, time.Since(start), 5*time.Second)
	time.Sleep(1500 * time.Millisecond) // a few refreshes fail
	require.Equal(t, 1, logs.count("redis unavailable"), "one line per outage")

	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	testpeer.RedisServer(t, n)
	require.Eventually(t, func() bool {
		_, ok1, _ := d.Lookup(ctx, "__defaultVhost__", "live", "s")
		_, ok2, _ := d.Lookup(ctx, "__defaultVhost__", "live", "t")
		return ok1 && ok2
	}, 5*time.Second, 100*time.Millisecond, "re-registered")
	require.Equal(t, 1, logs.count("redis is back"))
}
