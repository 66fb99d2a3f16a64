package hooks

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
)

func parseVhost(t *testing.T, text string) *config.Directive {
	t.Helper()
	root, err := config.Parse("test.conf", []byte(text))
	require.NoError(t, err)
	v := root.Get("vhost")
	require.NotNil(t, v)
	return v
}

func TestParseConfig(t *testing.T) {
	full := `vhost v {
    http_hooks {
        enabled         on;
        on_connect      http://127.0.0.1:8085/api/v1/clients http://localhost:8085/api/v1/clients;
        on_close        http://a/close;
        on_publish      http://a/pub1 https://b/pub2;
        on_unpublish    http://a/unpub;
        on_play         http://a/play;
        on_stop         http://a/stop;
        on_dvr          http://a/dvr;
        on_hls          http://a/hls;
        on_hls_notify   http://a/hls/[server_id]/[app]/[stream]/[ts_url][param];
    }
}`
	tests := []struct {
		name string
		conf string
		want Config
	}{
		{"full", full, Config{
			Enabled:     true,
			OnConnect:   []string{"http://127.0.0.1:8085/api/v1/clients", "http://localhost:8085/api/v1/clients"},
			OnClose:     []string{"http://a/close"},
			OnPublish:   []string{"http://a/pub1", "https://b/pub2"},
			OnUnpublish: []string{"http://a/unpub"},
			OnPlay:      []string{"http://a/play"},
			OnStop:      []string{"http://a/stop"},
			OnDVR:       []string{"http://a/dvr"},
			OnHLS:       []string{"http://a/hls"},
			OnHLSNotify: []string{"http://a/hls/[server_id]/[app]/[stream]/[ts_url][param]"},
		}},
		{"no block", `vhost v { }`, Config{}},
		{"enabled missing: off", `vhost v { http_hooks { on_publish http://a/p; } }`,
			Config{OnPublish: []string{"http://a/p"}}},
		{"only on enables", `vhost v { http_hooks { enabled yes; on_play http://a/p; } }`,
			Config{OnPlay: []string{"http://a/p"}}},
		{"disabled: URLs not checked", `vhost v { http_hooks { enabled off; on_play not-a-url; } }`,
			Config{OnPlay: []string{"not-a-url"}}},
		{"empty hook", `vhost v { http_hooks { enabled on; on_play; } }`, Config{Enabled: true}},
		{"first of duplicates", `vhost v { http_hooks { enabled on; on_play http://a/1; on_play http://a/2; } }`,
			Config{Enabled: true, OnPlay: []string{"http://a/1"}}},
		{"notify template not checked", `vhost v { http_hooks { enabled on; on_hls_notify [ts_url]; } }`,
			Config{Enabled: true, OnHLSNotify: []string{"[ts_url]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := parseVhost(t, tt.conf)
			got, err := ParseConfig(v)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)

			// The http_hooks block itself reads the same.
			got, err = ParseConfig(v.Get("http_hooks"))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseConfigNil(t *testing.T) {
	got, err := ParseConfig(nil)
	require.NoError(t, err)
	assert.Equal(t, Config{}, got)
}

func TestParseConfigBadURL(t *testing.T) {
	tests := []struct {
		name, conf, value string
		line              int
	}{
		{"no scheme", "vhost v {\n http_hooks {\n enabled on;\n on_publish http://a/ok 127.0.0.1:8085/api;\n }\n}", "127.0.0.1:8085/api", 4},
		{"other scheme", "vhost v {\n http_hooks {\n enabled on;\n on_play http://a/ok;\n on_stop ftp://a/x;\n }\n}", "ftp://a/x", 5},
		{"no host", "vhost v {\n http_hooks {\n enabled on;\n on_dvr http:///x;\n }\n}", "http:///x", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(parseVhost(t, tt.conf))
			var ve *config.ValueError
			require.True(t, errors.As(err, &ve), "error %v", err)
			assert.ErrorIs(t, err, config.ErrInvalidValue)
			assert.Equal(t, "test.conf", ve.File)
			assert.Equal(t, tt.line, ve.Line)
			assert.Equal(t, tt.value, ve.Value)
		})
	}
}

func TestParseConfigWrongBlock(t *testing.T) {
	_, err := ParseConfig(&config.Directive{Name: "hls"})
	assert.Error(t, err)
}

func TestConfigURLs(t *testing.T) {
	c := Config{Enabled: true, OnConnect: []string{"c"}, OnClose: []string{"x"}, OnPublish: []string{"p"},
		OnUnpublish: []string{"u"}, OnPlay: []string{"y"}, OnStop: []string{"s"}, OnDVR: []string{"d"},
		OnHLS: []string{"h"}, OnHLSNotify: []string{"n"}}
	for action, want := range map[string]string{ActionConnect: "c", ActionClose: "x", ActionPublish: "p",
		ActionUnpublish: "u", ActionPlay: "y", ActionStop: "s", ActionDVR: "d", ActionHLS: "h"} {
		assert.Equal(t, []string{want}, c.URLs(action), action)
	}
	assert.Nil(t, c.URLs(ActionHLSNotify), "on_hls_notify is a GET, not a POST")
	c.Enabled = false
	assert.Nil(t, c.URLs(ActionPublish))
}
