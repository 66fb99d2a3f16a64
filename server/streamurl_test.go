package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseTcURL(t *testing.T) {
	for _, tc := range []struct {
		tcURL, app, stream string
		want               StreamRequest
	}{
		{"rtmp://127.0.0.1:1935/live", "live", "livestream",
			StreamRequest{Host: "127.0.0.1", Vhost: "127.0.0.1", App: "live", Stream: "livestream"}},
		{"rtmp://ossrs.net/live", "live", "s",
			StreamRequest{Host: "ossrs.net", Vhost: "ossrs.net", App: "live", Stream: "s"}},
		{"rtmp://127.0.0.1/live?vhost=v1.ossrs.net", "live?vhost=v1.ossrs.net", "s",
			StreamRequest{Host: "127.0.0.1", Vhost: "v1.ossrs.net", App: "live", Stream: "s", Param: "?vhost=v1.ossrs.net"}},
		{"rtmp://127.0.0.1/live", "live", "s?vhost=v2.ossrs.net&token=abc",
			StreamRequest{Host: "127.0.0.1", Vhost: "v2.ossrs.net", App: "live", Stream: "s", Param: "?vhost=v2.ossrs.net&token=abc"}},
		{"rtmp://127.0.0.1/live", "live", "s?domain=d.ossrs.net",
			StreamRequest{Host: "127.0.0.1", Vhost: "d.ossrs.net", App: "live", Stream: "s", Param: "?domain=d.ossrs.net"}},
		{"rtmp://127.0.0.1/live...vhost...v3.ossrs.net", "live...vhost...v3.ossrs.net", "s",
			StreamRequest{Host: "127.0.0.1", Vhost: "v3.ossrs.net", App: "live", Stream: "s"}},
		{"rtmp://[::1]:1935/live/sub", "live/sub", "s",
			StreamRequest{Host: "::1", Vhost: "::1", App: "live/sub", Stream: "s"}},
		{"rtmp://h/live", "", "s", // app only in the tcUrl
			StreamRequest{Host: "h", Vhost: "h", App: "live", Stream: "s"}},
		{"rtmp://h/live", "live", "s?token=t1",
			StreamRequest{Host: "h", Vhost: "h", App: "live", Stream: "s", Param: "?token=t1"}},
	} {
		got := parseTcURL(tc.tcURL, tc.app)
		got.setStream(tc.stream)
		tc.want.TcURL = tc.tcURL
		assert.Equal(t, tc.want, got, "tcUrl %q app %q stream %q", tc.tcURL, tc.app, tc.stream)
	}
}

func TestMatchMount(t *testing.T) {
	for _, tc := range []struct {
		mount, path, app, stream string
		ok                       bool
	}{
		{"[vhost]/[app]/[stream].flv", "/live/livestream.flv", "live", "livestream", true},
		{"[vhost]/[app]/[stream].flv", "/live/sub/s.flv", "live/sub", "s", true},
		{"[vhost]/[app]/[stream].flv", "/live/livestream.ts", "", "", false},
		{"[vhost]/[app]/[stream].flv", "/livestream.flv", "", "", false},
		{"/[app]/[stream].flv", "/live/x.flv", "live", "x", true},
		{"[vhost]/live/[stream].flv", "/live/x.flv", "", "x", true},
		{"[vhost]/[app]/[stream].ts", "/live/x.ts", "live", "x", true},
	} {
		app, stream, ok := matchMount(tc.mount, tc.path)
		assert.Equal(t, tc.ok, ok, "%s %s", tc.mount, tc.path)
		if ok {
			assert.Equal(t, tc.app, app, "%s %s", tc.mount, tc.path)
			assert.Equal(t, tc.stream, stream)
		}
	}
}
