package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func n(s string) json.Number { return json.Number(s) }

// TestPayloads checks each action's body, field by field and in SRS 6's
// order, as a callback service receives it.
func TestPayloads(t *testing.T) {
	conn := Conn{ClientID: "341w361a", IP: "192.168.1.10", Vhost: "video.test.com", App: "live"}
	defConn := Conn{ClientID: "9308h583", IP: "10.0.0.1", Vhost: "__defaultVhost__", App: "live"}
	head := func(action string) []field {
		return []field{{"server_id", "vid-0xk989d"}, {"service_id", "svc-12ab"}, {"action", action}}
	}
	connFields := func(c Conn) []field {
		return []field{{"client_id", c.ClientID}, {"ip", c.IP}, {"vhost", c.Vhost}, {"app", c.App}}
	}
	join := func(parts ...[]field) []field {
		var out []field
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	publish := OnPublish{Conn: conn, TcURL: "rtmp://video.test.com/live", Stream: "livestream",
		Param: "?token=xxx&salt=yyy", StreamID: "vid-124q9y3"}
	publishFields := func(action string) []field {
		return join(head(action), connFields(conn), []field{
			{"tcUrl", "rtmp://video.test.com/live"}, {"stream", "livestream"}, {"param", "?token=xxx&salt=yyy"},
			{"stream_url", "video.test.com/live/livestream"}, {"stream_id", "vid-124q9y3"},
		})
	}

	tests := []struct {
		name    string
		payload Payload
		want    []field
	}{
		{"on_connect", OnConnect{Conn: conn, Stream: "livestream", Param: "?k=v",
			TcURL: "rtmp://video.test.com/live?k=v", PageURL: "http://www.test.com/live.html"},
			join(head("on_connect"), connFields(conn), []field{
				{"stream", "livestream"}, {"param", "?k=v"},
				{"tcUrl", "rtmp://video.test.com/live?k=v"}, {"pageUrl", "http://www.test.com/live.html"},
			})},
		{"on_close", OnClose{Conn: conn, SendBytes: 10240, RecvBytes: 1 << 40},
			join(head("on_close"), connFields(conn), []field{
				{"send_bytes", n("10240")}, {"recv_bytes", n("1099511627776")},
			})},
		{"on_publish", publish, publishFields("on_publish")},
		{"on_unpublish", OnUnpublish(publish), publishFields("on_unpublish")},
		{"on_stop", OnStop(publish), publishFields("on_stop")},
		{"on_publish default vhost, no stream id, extension cut",
			OnPublish{Conn: defConn, TcURL: "rtmp://127.0.0.1/live", Stream: "livestream.flv"},
			join(head("on_publish"), connFields(defConn), []field{
				{"tcUrl", "rtmp://127.0.0.1/live"}, {"stream", "livestream.flv"}, {"param", ""},
				{"stream_url", "/live/livestream"},
			})},
		{"on_publish stream_url given", OnPublish{Conn: conn, Stream: "s", StreamURL: "/x/y"},
			join(head("on_publish"), connFields(conn), []field{
				{"tcUrl", ""}, {"stream", "s"}, {"param", ""}, {"stream_url", "/x/y"},
			})},
		{"on_play", OnPlay{Conn: conn, Stream: "livestream", TcURL: "rtmp://video.test.com/live",
			Param: "?a=1", PageURL: "http://a.com/i.html", StreamID: "vid-1"},
			join(head("on_play"), connFields(conn), []field{
				{"stream", "livestream"}, {"tcUrl", "rtmp://video.test.com/live"}, {"param", "?a=1"},
				{"pageUrl", "http://a.com/i.html"}, {"stream_url", "video.test.com/live/livestream"}, {"stream_id", "vid-1"},
			})},
		{"on_dvr", OnDVR{Conn: conn, TcURL: "rtmp://video.test.com/live", Stream: "livestream",
			Cwd: "/usr/local/srs", File: "./objs/nginx/html/live/livestream.1420254068776.flv"},
			join(head("on_dvr"), connFields(conn), []field{
				{"tcUrl", "rtmp://video.test.com/live"}, {"stream", "livestream"}, {"param", ""},
				{"cwd", "/usr/local/srs"}, {"file", "./objs/nginx/html/live/livestream.1420254068776.flv"},
				{"stream_url", "video.test.com/live/livestream"},
			})},
		{"on_hls", OnHLS{Conn: conn, TcURL: "rtmp://video.test.com/live", Stream: "livestream",
			Param: "?t=1", Duration: 9.36, Cwd: "/usr/local/srs",
			File: "./objs/nginx/html/live/livestream/2015-04-23/01/476584165.ts",
			URL:  "live/livestream/2015-04-23/01/476584165.ts", M3U8: "./objs/nginx/html/live/livestream/live.m3u8",
			M3U8URL: "live/livestream/live.m3u8", SeqNo: 100, StreamID: "vid-9"},
			join(head("on_hls"), connFields(conn), []field{
				{"tcUrl", "rtmp://video.test.com/live"}, {"stream", "livestream"}, {"param", "?t=1"},
				{"duration", n("9.360000")}, {"cwd", "/usr/local/srs"},
				{"file", "./objs/nginx/html/live/livestream/2015-04-23/01/476584165.ts"},
				{"url", "live/livestream/2015-04-23/01/476584165.ts"},
				{"m3u8", "./objs/nginx/html/live/livestream/live.m3u8"},
				{"m3u8_url", "live/livestream/live.m3u8"}, {"seq_no", n("100")},
				{"stream_url", "video.test.com/live/livestream"}, {"stream_id", "vid-9"},
			})},
	}

	rc := newReceiver(t, nil)
	c := NewClient(Options{ServerID: "vid-0xk989d", ServiceID: "svc-12ab"})
	t.Cleanup(func() { c.Close() })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rc.requests())
			require.NoError(t, c.Call(context.Background(), []string{rc.URL + "/api/v1/hook"}, tt.payload))
			reqs := rc.requests()
			require.Len(t, reqs, before+1)
			got := reqs[before]
			assert.Equal(t, "POST", got.Method)
			assert.Equal(t, "/api/v1/hook", got.Path)
			assert.Equal(t, "application/json", got.ContentType)
			assert.Equal(t, tt.want, fields(t, got.Body), "body %s", got.Body)
		})
	}
}

// TestPayloadRaw checks what a byte-level reader sees: SRS writes & as is
// and durations with six decimals.
func TestPayloadRaw(t *testing.T) {
	c := NewClient(Options{})
	defer c.Close()
	body, err := c.marshal(OnHLS{Stream: "s", Param: "?a=<1>&b=2", Duration: 2})
	require.NoError(t, err)
	assert.Contains(t, string(body), `"param":"?a=<1>&b=2"`)
	assert.Contains(t, string(body), `"duration":2.000000,`)
	assert.False(t, bytes.HasSuffix(body, []byte("\n")))
}

func TestPayloadBadDuration(t *testing.T) {
	rc := newReceiver(t, nil)
	c := NewClient(Options{})
	defer c.Close()
	nan := Seconds(0)
	nan = nan / nan
	err := c.Call(context.Background(), []string{rc.URL}, OnHLS{Duration: nan})
	assert.ErrorIs(t, err, errBadSeconds)
	assert.Empty(t, rc.requests(), "nothing is sent")
}

func TestStreamURL(t *testing.T) {
	tests := []struct{ vhost, app, stream, want string }{
		{"__defaultVhost__", "live", "livestream", "/live/livestream"},
		{"video.test.com", "live", "livestream", "video.test.com/live/livestream"},
		{"v", "live", "livestream.flv", "v/live/livestream"},
		{"v", "live", "a.b.m3u8", "v/live/a.b"},
		{"", "live", "s", "/live/s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, StreamURL(tt.vhost, tt.app, tt.stream), "%+v", tt)
	}
}
