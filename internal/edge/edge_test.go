package edge

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		want       Config
		err        string
	}{
		{"none", "", Config{Protocol: "rtmp"}, ""},
		{"edge", "mode remote; origin 10.0.0.1 10.0.0.2:19350; protocol flv; token_traverse on; vhost o.com; follow_client on;",
			Config{Remote: true, Origins: []string{"10.0.0.1:1935", "10.0.0.2:19350"}, Protocol: "flv", TokenTraverse: true,
				Vhost: "o.com", FollowClient: true}, ""},
		{"origin cluster", "mode local; origin_cluster on; coworkers 127.0.0.1:9091 127.0.0.1;",
			Config{Protocol: "rtmp", OriginCluster: true, Coworkers: []string{"127.0.0.1:9091", "127.0.0.1:1985"}}, ""},
		{"edge without origin", "mode remote;", Config{}, "needs an origin"},
		{"bad mode", "mode both;", Config{}, "mode"},
		{"bad protocol", "mode remote; origin a; protocol srt;", Config{}, "protocol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, err := config.Parse("test.conf", []byte("cluster { "+tc.conf+" }"))
			require.NoError(t, err)
			got, err := ParseConfig(root.Get("cluster"))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// TestTimestamps: a new upstream connection continues just after the last
// timestamp written, whatever the new upstream's clock says.
func TestTimestamps(t *testing.T) {
	var ts timestamps
	var out []uint32
	feed := func(in ...uint32) {
		ts.newSession()
		for _, v := range in {
			out = append(out, ts.out(v))
		}
	}
	feed(1000, 1040, 1080) // the first upstream: passed through
	feed(50000, 50040)     // failover to an origin far ahead
	feed(10, 50, 30, 90)   // to one far behind (with a little reordering)
	feed(3000000000, 3000000040)
	require.Equal(t, []uint32{1000, 1040, 1080, 1081, 1121, 1122, 1162, 1142, 1202, 1203, 1243}, out)
}
