package rtmpconn

import (
	"testing"

	"github.com/cascade-live/cascade/internal/streamreq"
)

func TestStreamQuery(t *testing.T) {
	for _, tc := range []struct{ vhost, param, want string }{
		{"", "", ""},
		{streamreq.DefaultVhost, "?token=a", "?token=a"},
		{"v.com", "", "?vhost=v.com"},
		{"v.com", "?token=a", "?token=a&vhost=v.com"},
		{"v.com", "?vhost=v.com&token=a", "?vhost=v.com&token=a"},
	} {
		if got := streamQuery(tc.vhost, tc.param); got != tc.want {
			t.Errorf("streamQuery(%q, %q) = %q, want %q", tc.vhost, tc.param, got, tc.want)
		}
	}
}
