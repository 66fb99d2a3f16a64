package caster

import (
	"errors"
	"testing"

	"github.com/cascade-live/cascade/internal/session"
)

func TestTarget(t *testing.T) {
	tests := []struct {
		output, app, stream, param string
		want                       session.Request
		err                        error
	}{
		{"rtmp://127.0.0.1/[app]/[stream]", "live", "s", "",
			session.Request{Vhost: "127.0.0.1", App: "live", Stream: "s", TcURL: "rtmp://127.0.0.1/live"}, nil},
		{"rtmp://127.0.0.1:1935/live/fixed?vhost=v.example", "x", "y", "?token=1",
			session.Request{Vhost: "v.example", App: "live", Stream: "fixed", TcURL: "rtmp://127.0.0.1:1935/live", Param: "?vhost=v.example&token=1"}, nil},
		{"rtmp://h/[app]/[stream]", "a/b", "c", "?k=v",
			session.Request{Vhost: "h", App: "a/b", Stream: "c", TcURL: "rtmp://h/a/b", Param: "?k=v"}, nil},
		{"rtmp://h/[stream]", "", "s", "", session.Request{}, ErrBadOutput},
		{"rtmp://h/[app]/[stream]", "live", "", "", session.Request{}, ErrBadOutput},
	}
	for _, tc := range tests {
		got, err := Target(tc.output, tc.app, tc.stream, tc.param)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("Target(%q, %q, %q, %q) = %+v, %v; want %+v, %v", tc.output, tc.app, tc.stream, tc.param, got, err, tc.want, tc.err)
		}
	}
}

func TestSplitPath(t *testing.T) {
	for in, want := range map[string][3]string{
		"/live/s.flv":     {"live", "s", "ok"},
		"/live/sub/s.sdp": {"live/sub", "s", "ok"},
		"/live/s":         {"live", "s", "ok"},
		"/s.flv":          {"", "", ""},
		"/live/":          {"", "", ""},
	} {
		app, stream, ok := SplitPath(in)
		if app != want[0] || stream != want[1] || ok != (want[2] == "ok") {
			t.Errorf("SplitPath(%q) = %q, %q, %v", in, app, stream, ok)
		}
	}
}
