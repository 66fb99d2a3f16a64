package forward

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/upstream"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		want       Config
		err        string
	}{
		{"off", "enabled off; destination 1.2.3.4;", Config{}, ""},
		{"destinations", "enabled on; destination 1.2.3.4 5.6.7.8:19350; destination h:1;",
			Config{Enabled: true, Destinations: []string{"1.2.3.4:1935", "5.6.7.8:19350", "h:1"}}, ""},
		{"backend", "enabled on; backend http://127.0.0.1:8085/api/v1/forward;",
			Config{Enabled: true, Backend: "http://127.0.0.1:8085/api/v1/forward"}, ""},
		{"bad backend", "enabled on; backend ftp://x;", Config{}, "not an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, err := config.Parse("test.conf", []byte("forward { "+tc.conf+" }"))
			require.NoError(t, err)
			got, err := ParseConfig(root.Get("forward"))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestTargetOf(t *testing.T) {
	st := Stream{Vhost: "v.com", App: "live", Stream: "s", Param: "?k=1"}
	for _, tc := range []struct {
		dst  string
		want upstream.Target
		err  bool
	}{
		{"10.0.0.1", upstream.Target{Server: "10.0.0.1:1935", Vhost: "v.com", App: "live", Stream: "s", Param: "?k=1"}, false},
		{"rtmp://10.0.0.1:19350/copies/s-copy", upstream.Target{Server: "10.0.0.1:19350", App: "copies", Stream: "s-copy"}, false},
		{"rtmp://h/a/b/c?vhost=x.com", upstream.Target{Server: "h:1935", Vhost: "x.com", App: "a/b", Stream: "c", Param: "?vhost=x.com"}, false},
		{"rtmp://h/onlyapp", upstream.Target{}, true},
	} {
		got, err := targetOf(tc.dst, st)
		if tc.err {
			require.Error(t, err, tc.dst)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, got, tc.dst)
	}
}
