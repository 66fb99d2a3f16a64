package server

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/testpeer"
)

// port is the port of freePort's address.
func port(t *testing.T) int {
	_, p, _ := net.SplitHostPort(freePort(t))
	n, err := strconv.Atoi(p)
	require.NoError(t, err)
	return n
}

// TestSharedAPIAndHTTPPort: with http_api and http_server on one port (as
// SRS's http.api.one.port.conf), the API answers /api/ and the HTTP server
// streams the rest, from that one port.
func TestSharedAPIAndHTTPPort(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	port := port(t)
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_api { enabled on; listen 127.0.0.1:%[1]d; }
http_server { enabled on; listen 127.0.0.1:%[1]d; }
vhost __defaultVhost__ { http_remux { enabled on; } }
`, port))
	require.Equal(t, ts.HTTPAddr().String(), ts.MgmtAddr("api").String())
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("shared"), testpeer.PublishOptions{Loop: true})
	ts.source("shared", true)

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	code, body := apiGet(t, base+"/api/v1/streams", false)
	require.Equal(t, 200, code)
	assert.NotNil(t, find(body["streams"], "name", "shared"), "the API lists the stream: %v", body)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := testpeer.Probe(ctx, base+"/live/shared.flv")
	require.NoError(t, err, "HTTP-FLV from the shared port")
	assert.NotNil(t, r.Video())
	assert.NotNil(t, r.Audio())
}

// TestDualStackListen: "listen P [::]:P" (SRS's console.ipv46.conf) opens
// an IPv4 and an IPv6 socket on one port, and ffprobe plays the stream
// over both. IPv6 loopback must work here: the test fails, not skips,
// without it.
func TestDualStackListen(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	v6, err := net.Listen("tcp6", "[::1]:0")
	require.NoError(t, err, "IPv6 loopback (::1) is unavailable in this environment")
	v6.Close()
	port := port(t)
	ts, _ := startServerConf(t, fmt.Sprintf("listen %[1]d [::]:%[1]d;\nvhost __defaultVhost__ { }\n", port))
	require.Len(t, ts.Addrs("rtmp"), 2)
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), fmt.Sprintf("rtmp://127.0.0.1:%d/live/ds", port),
		testpeer.PublishOptions{Loop: true})
	ts.source("ds", true)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		r, err := testpeer.Probe(ctx, fmt.Sprintf("rtmp://%s:%d/live/ds", host, port))
		require.NoError(t, err, "play over %s", host)
		assert.NotNil(t, r.Video(), host)
		assert.NotNil(t, r.Audio(), host)
	}
}

func TestSharesAPI(t *testing.T) {
	tests := []struct {
		api, http string
		want      bool
	}{
		{":8080", ":8080", true},
		{"0.0.0.0:8080", ":8080", true},
		{":8080", "0.0.0.0:8080", true},
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{"127.0.0.1:8080", ":8080", false},
		{":1985", ":8080", false},
		{"127.0.0.1:0", "127.0.0.1:0", false}, // each asks for a port of its own
	}
	for _, tt := range tests {
		cfg := &config.Config{HTTPAPI: config.HTTPAPI{Enabled: true, Listen: []string{tt.api}}}
		assert.Equal(t, tt.want, sharesAPI(cfg, tt.http), "api %s, http %s", tt.api, tt.http)
	}
}
