package srt

import (
	"errors"
	"strings"
	"testing"
)

func TestParseStreamID(t *testing.T) {
	tests := []struct {
		in   string
		want StreamID
		err  error
	}{
		{"#!::r=live/livestream,m=publish", StreamID{Mode: "publish", App: "live", Stream: "livestream"}, nil},
		{"#!::r=live/livestream,m=request", StreamID{Mode: "request", App: "live", Stream: "livestream"}, nil},
		{"#!::r=live/livestream", StreamID{Mode: "request", App: "live", Stream: "livestream"}, nil},
		{"#!::h=srs.example,r=live/s,m=publish,secret=x", StreamID{Mode: "publish", Vhost: "srs.example", App: "live", Stream: "s", Param: "?vhost=srs.example&secret=x"}, nil},
		{"#!::h=live/s,m=publish", StreamID{Mode: "publish", App: "live", Stream: "s"}, nil},
		{"#!::h=v.example/live/s,m=request", StreamID{Mode: "request", Vhost: "v.example", App: "live", Stream: "s", Param: "?vhost=v.example"}, nil},
		{"#!::r=live/s?secret=x,m=PUBLISH", StreamID{Mode: "publish", App: "live", Stream: "s", Param: "?secret=x"}, nil},
		{"live/livestream", StreamID{Mode: "request", App: "live", Stream: "livestream"}, nil},
		{"live/livestream?token=1&vhost=v", StreamID{Mode: "request", Vhost: "v", App: "live", Stream: "livestream", Param: "?token=1&vhost=v"}, nil},
		{"livestream", StreamID{Mode: "request", App: "def", Stream: "livestream"}, nil},
		{"#!::m=publish", StreamID{}, ErrStreamID},
		{"#!::r=live/s,m=pull", StreamID{}, ErrStreamID},
		{"#!::r=live/", StreamID{}, ErrStreamID},
		{"/s", StreamID{}, ErrStreamID},
		{strings.Repeat("a", 600), StreamID{}, ErrStreamID},
	}
	for _, tc := range tests {
		got, err := ParseStreamID(tc.in, "def", ModeRequest)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseStreamID(%q) = %+v, %v; want %+v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func FuzzParseStreamID(f *testing.F) {
	for _, s := range []string{"#!::r=live/livestream,m=publish", "#!::h=v/live/s,m=request,k=v", "live/s?x=y", "s", "#!::r=a/b?c=d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseStreamID(s, "live", ModeRequest)
		if err != nil {
			return
		}
		if id.App == "" || id.Stream == "" || (id.Mode != ModePublish && id.Mode != ModeRequest) {
			t.Fatalf("%q: %+v", s, id)
		}
		if id.Param != "" && id.Param[0] != '?' {
			t.Fatalf("%q: param %q", s, id.Param)
		}
	})
}
