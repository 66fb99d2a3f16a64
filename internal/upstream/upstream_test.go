package upstream_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/internal/upstream"
	"github.com/cascade-live/cascade/server"
)

// origin runs a cascade server with ffmpeg publishing live/stream to it.
func origin(t *testing.T) *server.Server {
	t.Helper()
	testpeer.Require(t, "ffmpeg")
	root, err := config.Parse("test.conf", []byte(`listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ { http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }
`))
	require.NoError(t, err)
	cfg, err := config.FromDirective(root, "")
	require.NoError(t, err)
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() { srv.Close() })
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), fmt.Sprintf("rtmp://%s/live/stream", srv.RTMPAddr()),
		testpeer.PublishOptions{Loop: true})
	return srv
}

// TestPull pulls a live stream over RTMP and HTTP-FLV and checks that it
// starts with metadata and both sequence headers and has keyframes.
func TestPull(t *testing.T) {
	srv := origin(t)
	for _, tc := range []struct {
		proto, server string
	}{
		{upstream.ProtoRTMP, srv.RTMPAddr().String()},
		{upstream.ProtoFLV, srv.HTTPAddr().String()},
	} {
		t.Run(tc.proto, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			tgt := upstream.Target{Server: tc.server, App: "live", Stream: "stream"}
			var r upstream.Reader
			require.Eventually(t, func() bool {
				var err error
				r, err = upstream.Dial(ctx, tc.proto, tgt)
				if err != nil {
					return false
				}
				tag, err := r.ReadTag()
				if err != nil {
					r.Close()
					return false
				}
				return tag.Type == flv.TagScript
			}, 10*time.Second, 100*time.Millisecond, "metadata first")
			defer r.Close()
			var aseq, vseq, keys int
			var last uint32
			for i := 0; i < 200; i++ {
				tag, err := r.ReadTag()
				require.NoError(t, err)
				switch {
				case tag.Type == flv.TagAudio && flv.IsAudioSequenceHeader(tag.Payload):
					aseq++
				case tag.Type == flv.TagVideo && flv.IsVideoSequenceHeader(tag.Payload):
					vseq++
				case tag.Type == flv.TagVideo && flv.IsVideoKeyframe(tag.Payload):
					keys++
				}
				last = tag.Timestamp
			}
			require.Equal(t, 1, aseq, "AAC sequence header")
			require.Equal(t, 1, vseq, "AVC sequence header")
			require.GreaterOrEqual(t, keys, 1)
			require.Greater(t, last, uint32(0))
		})
	}
}

// TestPullFailures: refusing, silent and garbage-sending upstreams end the
// dial with an error, in bounded time.
func TestPullFailures(t *testing.T) {
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refusedAddr := refused.Addr().String()
	refused.Close()
	garbage := listen(t, func(c net.Conn) {
		_, _ = c.Write(make([]byte, 8192)) // not S0S1S2 of RTMP, not HTTP
		c.Close()
	})
	silent := listen(t, func(c net.Conn) { time.Sleep(5 * time.Second); c.Close() })
	for _, tc := range []struct{ name, proto, server string }{
		{"rtmp refused", upstream.ProtoRTMP, refusedAddr},
		{"rtmp garbage", upstream.ProtoRTMP, garbage},
		{"rtmp silent", upstream.ProtoRTMP, silent},
		{"flv refused", upstream.ProtoFLV, refusedAddr},
		{"flv garbage", upstream.ProtoFLV, garbage},
		{"flv silent", upstream.ProtoFLV, silent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			start := time.Now()
			r, err := upstream.Dial(ctx, tc.proto, upstream.Target{Server: tc.server, App: "live", Stream: "x"})
			require.Error(t, err)
			require.Nil(t, r)
			require.Less(t, time.Since(start), 3*time.Second)
		})
	}
}

func listen(t *testing.T, serve func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return ln.Addr().String()
}

// TestServers: round-robin on failure, and a backoff only once every
// server of the round failed.
func TestServers(t *testing.T) {
	s := upstream.NewServers([]string{"a:1", "b:1", "c:1"})
	ctx := context.Background()
	quick := func() {
		t.Helper()
		start := time.Now()
		require.NoError(t, s.Wait(ctx))
		require.Less(t, time.Since(start), 100*time.Millisecond)
	}
	var order []string
	for range 3 {
		quick()
		order = append(order, s.Current())
		s.Failed(s.Current())
	}
	require.Equal(t, []string{"a:1", "b:1", "c:1"}, order)
	require.Equal(t, "a:1", s.Current(), "round-robin back to the first")
	start := time.Now()
	require.NoError(t, s.Wait(ctx), "every server failed: back off")
	require.GreaterOrEqual(t, time.Since(start), upstream.MinBackoff)
	s.Failed("b:1") // not the current one: another user's stale report
	require.Equal(t, "a:1", s.Current())
	s.Worked()
	quick()
}

func TestTargetURLs(t *testing.T) {
	for _, tc := range []struct {
		t          upstream.Target
		tcURL, flv string
	}{
		{upstream.Target{Server: "o:1935", App: "live", Stream: "s"}, "rtmp://o:1935/live", "http://o:1935/live/s.flv"},
		{upstream.Target{Server: "o:1935", Vhost: "__defaultVhost__", App: "live", Stream: "s", Param: "?token=a"},
			"rtmp://o:1935/live", "http://o:1935/live/s.flv?token=a"},
		{upstream.Target{Server: "o:1935", Vhost: "v.com", App: "live", Stream: "s", Param: "?token=a"},
			"rtmp://o:1935/live?vhost=v.com", "http://o:1935/live/s.flv?token=a&vhost=v.com"},
		{upstream.Target{Server: "o:1935", App: "live", Stream: "s", TcURL: "rtmp://edge/live?token=a"},
			"rtmp://edge/live?token=a", "http://o:1935/live/s.flv"},
	} {
		require.Equal(t, tc.tcURL, tc.t.ConnectTcURL())
		require.Equal(t, tc.flv, tc.t.FLVURL())
	}
}
