package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

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
