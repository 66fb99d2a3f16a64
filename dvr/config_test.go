package dvr

import (
	"testing"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/live"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseDVR(t *testing.T, text string) *config.Directive {
	t.Helper()
	root, err := config.Parse("test.conf", []byte("vhost v { dvr { "+text+" } }"))
	require.NoError(t, err)
	return root.Get("vhost").Get("dvr")
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		text string
		want func(*Config)
		err  error
	}{
		{name: "defaults", text: "", want: func(c *Config) {}},
		{name: "full", text: `enabled on; dvr_apply live/a live/b; dvr_plan segment; dvr_path /data/[app]/[stream].flv;
			dvr_duration 10; dvr_wait_keyframe off; time_jitter zero;`, want: func(c *Config) {
			c.Enabled = true
			c.Apply = []string{"live/a", "live/b"}
			c.Plan = PlanSegment
			c.Path = "/data/[app]/[stream].flv"
			c.Duration = 10 * time.Second
			c.WaitKeyframe = false
			c.TimeJitter = live.JitterZero
		}},
		{name: "enabled needs on", text: "enabled yes;", want: func(c *Config) {}},
		{name: "wait keyframe prefers on", text: "dvr_wait_keyframe yes;", want: func(c *Config) {}},
		{name: "fractional duration", text: "dvr_duration 1.5;", want: func(c *Config) { c.Duration = 1500 * time.Millisecond }},
		{name: "bad plan", text: "dvr_plan append;", err: ErrInvalidConfig},
		{name: "bad duration", text: "dvr_duration soon;", err: ErrInvalidConfig},
		{name: "negative duration", text: "dvr_duration -1;", err: ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConfig(parseDVR(t, tt.text))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			want := DefaultConfig()
			tt.want(&want)
			assert.Equal(t, want, got)
		})
	}
}

func TestParseConfigNilBlock(t *testing.T) {
	got, err := ParseConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultConfig(), got)
	assert.False(t, got.Enabled)
}

func TestApplies(t *testing.T) {
	tests := []struct {
		enabled bool
		apply   []string
		app     string
		stream  string
		want    bool
	}{
		{true, []string{"all"}, "live", "s", true},
		{true, nil, "live", "s", true},
		{false, []string{"all"}, "live", "s", false},
		{true, []string{"live/a", "live/b"}, "live", "b", true},
		{true, []string{"live/a", "live/b"}, "live", "c", false},
		{true, []string{"live/a"}, "other", "a", false},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		c.Enabled, c.Apply = tt.enabled, tt.apply
		assert.Equal(t, tt.want, c.Applies("v", tt.app, tt.stream), "%+v", tt)
	}
}

func TestExpandPath(t *testing.T) {
	id := StreamID{Vhost: "ossrs.net", App: "live", Stream: "livestream"}
	now := time.Date(2015, 1, 3, 10, 57, 30, 776e6, time.UTC)
	ms := "1420282650776"
	tests := []struct{ template, want string }{
		{"./objs/nginx/html", "./objs/nginx/html/livestream." + ms + ".flv"},
		{"./objs/nginx/html/", "./objs/nginx/html/livestream." + ms + ".flv"},
		{DefaultPath, "./objs/nginx/html/live/livestream." + ms + ".flv"},
		{"/data/[vhost]/[app]/[stream]/[2006]/[01]/[02]/[15].[04].[05].[999].flv", "/data/ossrs.net/live/livestream/2015/01/03/10.57.30.776.flv"},
		{"/data/[vhost]/[app]/[2006]/[01]/[stream]-[02]-[15].[04].[05].[999].flv", "/data/ossrs.net/live/2015/01/livestream-03-10.57.30.776.flv"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ExpandPath(tt.template, id, now), tt.template)
	}
}
