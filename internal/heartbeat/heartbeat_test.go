package heartbeat

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/config"
)

type fakeSource struct{}

func (fakeSource) IP() string                    { return "10.0.0.7" }
func (fakeSource) IDs() (string, string, string) { return "vid-1", "svc", "42" }
func (fakeSource) Summary() api.Summary          { return api.Summary{OK: true, NowMs: 1} }
func (fakeSource) Ports() Ports                  { return Ports{RTMP: []string{"1935"}, HTTP: []string{"8080"}} }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestBody(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{DeviceID: "d1"}, `{"device_id":"d1","ip":"10.0.0.7","server":"vid-1","service":"svc","pid":"42"}`},
		{Config{DeviceID: "d1", Ports: true}, `{"device_id":"d1","ip":"10.0.0.7","server":"vid-1","service":"svc","pid":"42","rtmp":["1935"],"http":["8080"]}`},
	} {
		b, err := New(tc.cfg, fakeSource{}, nil).Body()
		require.NoError(t, err)
		assert.JSONEq(t, tc.want, string(b))
	}
	b, err := New(Config{DeviceID: "d1", Summaries: true}, fakeSource{}, nil).Body()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"summaries":{"ok":true,"now_ms":1,`)
}

// TestSlowReceiver: a receiver slower than the interval costs one log
// line, beats keep their pace, and recovery is logged once.
func TestSlowReceiver(t *testing.T) {
	var slow atomic.Bool
	slow.Store(true)
	var beats atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		beats.Add(1)
		if slow.Load() {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}
	}))
	t.Cleanup(recv.Close)
	logs := &syncBuffer{}
	b := New(Config{Interval: 100 * time.Millisecond, URL: recv.URL, DeviceID: "d"}, fakeSource{},
		slog.New(slog.NewTextHandler(logs, nil)))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	deadline := time.Now().Add(5 * time.Second)
	for beats.Load() < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	require.GreaterOrEqual(t, beats.Load(), int32(5), "beats stalled behind the slow receiver")
	assert.Equal(t, 1, strings.Count(logs.String(), "heartbeat failed"), logs.String())
	slow.Store(false)
	for !strings.Contains(logs.String(), "works again") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	assert.Contains(t, logs.String(), "works again")
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		conf    string
		want    Config
		wantErr bool
	}{
		{"", Config{Interval: DefaultInterval, URL: DefaultURL, DeviceID: DefaultDeviceID}, false},
		{"heartbeat { enabled on; interval 5; url http://h:1/x; device_id abc; summaries on; ports on; }",
			Config{Enabled: true, Interval: 5 * time.Second, URL: "http://h:1/x", DeviceID: "abc", Summaries: true, Ports: true}, false},
		{"heartbeat { enabled on; interval -1; }", Config{}, true},
		{"heartbeat { enabled on; url ftp://x; }", Config{}, true},
	} {
		root, err := config.Parse("t.conf", []byte(tc.conf))
		require.NoError(t, err)
		got, err := ParseConfig(root)
		if tc.wantErr {
			require.ErrorIs(t, err, config.ErrInvalidValue)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}
