package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/config"
)

// TestHeartbeat: a receiver gets one POST per interval with the device_id,
// the server's ip, the summaries and the listen ports.
func TestHeartbeat(t *testing.T) {
	type beat struct {
		at   time.Time
		body map[string]any
	}
	var mu sync.Mutex
	var beats []beat
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/servers" && json.Unmarshal(b, &m) == nil {
			mu.Lock()
			beats = append(beats, beat{time.Now(), m})
			mu.Unlock()
		}
	}))
	t.Cleanup(recv.Close)
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_api { enabled on; listen 127.0.0.1:0; }
heartbeat { enabled on; interval 0.3; url %s/api/v1/servers; device_id dev-42; summaries on; ports on; }
`, recv.URL))
	waitFor(t, 10*time.Second, "4 heartbeats", func() bool { mu.Lock(); defer mu.Unlock(); return len(beats) >= 4 })
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(beats); i++ {
		gap := beats[i].at.Sub(beats[i-1].at)
		assert.InDelta(t, 300, gap.Milliseconds(), 150, "beat %d came %v after the one before", i, gap)
	}
	b := beats[0].body
	assert.Equal(t, "dev-42", b["device_id"])
	assert.Equal(t, ts.serverID, b["server"])
	assert.Equal(t, strconv.Itoa(os.Getpid()), b["pid"])
	assert.Equal(t, api.PickIPv4(0).IP, b["ip"])
	assert.NotEmpty(t, b["ip"])
	sum, _ := b["summaries"].(map[string]any)
	self, _ := sum["self"].(map[string]any)
	assert.Equal(t, float64(os.Getpid()), self["pid"], "summaries: %v", b["summaries"])
	_, rtmpPort, _ := net.SplitHostPort(ts.RTMPAddr().String())
	_, apiPort, _ := net.SplitHostPort(ts.MgmtAddr("api").String())
	assert.Equal(t, []any{rtmpPort}, b["rtmp"])
	assert.Equal(t, []any{apiPort}, b["api"])
}

// TestStatsLoopback: with stats.network on the loopback interface, the
// summaries' interface counters and rates move with traffic on lo; without
// a stats block they are absent.
func TestStatsLoopback(t *testing.T) {
	lo := -1
	for i, a := range api.LocalIPv4() {
		if a.Interface == "lo" {
			lo = i
		}
	}
	require.GreaterOrEqual(t, lo, 0, "no lo among %v", api.LocalIPv4())
	ts, _ := startServerConf(t, `
listen 127.0.0.1:0;
http_api { enabled on; listen 127.0.0.1:0; }
stats { enabled on; network `+strconv.Itoa(lo)+`; }
`)
	summary := func() map[string]any {
		code, m := apiGet(t, "http://"+ts.MgmtAddr("api").String()+"/api/v1/summaries", false)
		require.Equal(t, 200, code)
		data, _ := m["data"].(map[string]any)
		sys, _ := data["system"].(map[string]any)
		return sys
	}
	first := summary()
	assert.Equal(t, "lo", first["net_iface"])
	recv0, _ := first["net_iface_recv_bytes"].(float64)

	const n = 8 << 20 // 8 MiB over loopback
	sendOverLoopback(t, n)
	second := summary()
	recv1, _ := second["net_iface_recv_bytes"].(float64)
	assert.GreaterOrEqual(t, recv1-recv0, float64(n), "lo's received bytes moved by less than what was sent")
	kbps, _ := second["net_iface_recv_kbps"].(float64)
	assert.Positive(t, kbps)

	plain := startServer(t, func(c *config.Config) { c.HTTPAPI.Enabled = true })
	code, m := apiGet(t, "http://"+plain.MgmtAddr("api").String()+"/api/v1/summaries", false)
	require.Equal(t, 200, code)
	assert.NotContains(t, m["data"].(map[string]any)["system"], "net_iface")
}

// sendOverLoopback writes n bytes through a TCP connection on 127.0.0.1.
func sendOverLoopback(t *testing.T, n int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan int64)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- 0
			return
		}
		defer c.Close()
		got, _ := io.Copy(io.Discard, c)
		done <- got
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	_, err = c.Write(make([]byte, n))
	require.NoError(t, err)
	require.NoError(t, c.Close())
	require.Equal(t, int64(n), <-done)
}
