package streamreq

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseTcURL(t *testing.T) {
	for _, tc := range []struct {
		tcURL, app, stream string
		want               Request
	}{
		{"rtmp://127.0.0.1:1935/live", "live", "livestream",
			Request{Host: "127.0.0.1", Vhost: "127.0.0.1", App: "live", Stream: "livestream"}},
		{"rtmp://ossrs.net/live", "live", "s",
			Request{Host: "ossrs.net", Vhost: "ossrs.net", App: "live", Stream: "s"}},
		{"rtmp://127.0.0.1/live?vhost=v1.ossrs.net", "live?vhost=v1.ossrs.net", "s",
			Request{Host: "127.0.0.1", Vhost: "v1.ossrs.net", App: "live", Stream: "s", Param: "?vhost=v1.ossrs.net"}},
		{"rtmp://127.0.0.1/live", "live", "s?vhost=v2.ossrs.net&token=abc",
			Request{Host: "127.0.0.1", Vhost: "v2.ossrs.net", App: "live", Stream: "s", Param: "?vhost=v2.ossrs.net&token=abc"}},
		{"rtmp://127.0.0.1/live", "live", "s?domain=d.ossrs.net",
			Request{Host: "127.0.0.1", Vhost: "d.ossrs.net", App: "live", Stream: "s", Param: "?domain=d.ossrs.net"}},
		{"rtmp://127.0.0.1/live...vhost...v3.ossrs.net", "live...vhost...v3.ossrs.net", "s",
			Request{Host: "127.0.0.1", Vhost: "v3.ossrs.net", App: "live", Stream: "s"}},
		{"rtmp://[::1]:1935/live/sub", "live/sub", "s",
			Request{Host: "::1", Vhost: "::1", App: "live/sub", Stream: "s"}},
		{"rtmp://h/live", "", "s", // app only in the tcUrl
			Request{Host: "h", Vhost: "h", App: "live", Stream: "s"}},
		{"rtmp://h/live", "live", "s?token=t1",
			Request{Host: "h", Vhost: "h", App: "live", Stream: "s", Param: "?token=t1"}},
	} {
		got := Parse(tc.tcURL, tc.app)
		got.SetStream(tc.stream)
		tc.want.TcURL = tc.tcURL
		assert.Equal(t, tc.want, got, "tcUrl %q app %q stream %q", tc.tcURL, tc.app, tc.stream)
	}
}
