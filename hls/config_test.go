package hls

import (
	"errors"
	"testing"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hlsBlock parses a vhost holding body and returns its hls block.
func hlsBlock(t *testing.T, body string) *config.Directive {
	t.Helper()
	root, err := config.Parse("test.conf", []byte("vhost v {\n"+body+"\n}\n"))
	require.NoError(t, err)
	return root.Get("vhost").Get("hls")
}

func TestParseConfigDefaults(t *testing.T) {
	want := Config{
		Fragment: 10 * time.Second, TDRatio: 1.5, AOFRatio: 2.1, Window: 60 * time.Second,
		OnError: "continue", Path: "./objs/nginx/html",
		M3U8File: "[app]/[stream].m3u8", TSFile: "[app]/[stream]-[seq].ts",
		Mount: "[vhost]/[app]/[stream].m3u8", ACodec: "aac", VCodec: "h264",
		Cleanup: true, NbNotify: 64, WaitKeyframe: true, FragmentsPerKey: 5,
		KeyFile: "[app]/[stream]-[seq].key", KeyFilePath: "./objs/nginx/html",
		DTSDirectly: true, Ctx: true, TSCtx: true,
	}
	for _, body := range []string{"", "hls { }"} {
		got, err := ParseConfig(hlsBlock(t, body))
		require.NoError(t, err)
		assert.Equal(t, want, got, "%q", body)
	}
	assert.Equal(t, want, DefaultConfig())
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, c Config)
	}{
		{"full.conf", `hls {
			enabled on; hls_fragment 2.5; hls_td_ratio 2; hls_aof_ratio 1.2; hls_window 30;
			hls_on_error ignore; hls_path /data/hls; hls_m3u8_file [vhost]/[app]/[stream].m3u8;
			hls_ts_file [app]/[stream]/[2006][01][02]-[seq]-[duration].ts; hls_ts_floor on;
			hls_entry_prefix http://cdn.example; hls_acodec mp3; hls_vcodec vn; hls_cleanup off;
			hls_dispose 120; hls_nb_notify 32; hls_wait_keyframe off; hls_keys on;
			hls_fragments_per_key 3; hls_key_file [stream]-[seq].key; hls_key_file_path /data/keys;
			hls_key_url https://keys.example/; hls_dts_directly off; hls_ctx off; hls_ts_ctx off;
		}`, func(t *testing.T, c Config) {
			want := Config{
				Enabled: true, Fragment: 2500 * time.Millisecond, TDRatio: 2, AOFRatio: 1.2,
				Window: 30 * time.Second, OnError: "ignore", Path: "/data/hls",
				M3U8File: "[vhost]/[app]/[stream].m3u8", TSFile: "[app]/[stream]/[2006][01][02]-[seq]-[duration].ts",
				TSFloor: true, EntryPrefix: "http://cdn.example", Mount: "[vhost]/[app]/[stream].m3u8",
				ACodec: "mp3", VCodec: "vn", Cleanup: false, Dispose: 120 * time.Second, NbNotify: 32,
				WaitKeyframe: false, Keys: true, FragmentsPerKey: 3, KeyFile: "[stream]-[seq].key",
				KeyFilePath: "/data/keys", KeyURL: "https://keys.example/", DTSDirectly: false,
				Ctx: false, TSCtx: false,
			}
			assert.Equal(t, want, c)
		}},
		{"switches read as SRS", `hls { enabled yes; hls_cleanup yes; hls_keys yes; hls_ts_floor yes; }`,
			func(t *testing.T, c Config) {
				assert.False(t, c.Enabled, "enabled prefers false")
				assert.True(t, c.Cleanup, "hls_cleanup prefers true")
				assert.True(t, c.Keys, "hls_keys prefers true once set")
				assert.False(t, c.TSFloor)
			}},
		{"key path follows hls_path", `hls { hls_path /srv/hls; }`, func(t *testing.T, c Config) {
			assert.Equal(t, "/srv/hls", c.KeyFilePath)
		}},
		{"dispose in whole seconds", `hls { hls_dispose 1.9; }`, func(t *testing.T, c Config) {
			assert.Equal(t, time.Second, c.Dispose)
		}},
		{"unknown codec warns", `hls { hls_acodec opus; hls_vcodec vp8; }`, func(t *testing.T, c Config) {
			assert.Equal(t, "aac", c.ACodec)
			assert.Equal(t, "h264", c.VCodec)
			require.Len(t, c.Warnings, 2)
			assert.Contains(t, c.Warnings[0], "test.conf:2: hls.hls_acodec")
		}},
		{"fMP4 and storage warn", `hls { hls_use_fmp4 on; hls_storage ram; }`, func(t *testing.T, c Config) {
			assert.Len(t, c.Warnings, 2)
		}},
		{"empty entry prefix", `hls { hls_entry_prefix ""; }`, func(t *testing.T, c Config) {
			assert.Equal(t, "", c.EntryPrefix)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(hlsBlock(t, tt.body))
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		body     string
		sentinel error
	}{
		{"hls { hls_fragment ten; }", config.ErrInvalidValue},
		{"hls { hls_fragment 0; }", config.ErrOutOfRange},
		{"hls { hls_fragment -1; }", config.ErrOutOfRange},
		{"hls { hls_window -1; }", config.ErrOutOfRange},
		{"hls { hls_td_ratio 0; }", config.ErrOutOfRange},
		{"hls { hls_aof_ratio NaN; }", config.ErrInvalidValue},
		{"hls { hls_dispose -5; }", config.ErrOutOfRange},
		{"hls { hls_fragments_per_key 0; }", config.ErrOutOfRange},
		{"hls { hls_nb_notify many; }", config.ErrInvalidValue},
		{"hls { hls_on_error panic; }", config.ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			_, err := ParseConfig(hlsBlock(t, tt.body))
			require.ErrorIs(t, err, tt.sentinel)
			var ve *config.ValueError
			require.True(t, errors.As(err, &ve))
			assert.Equal(t, "test.conf", ve.File)
			assert.Equal(t, 2, ve.Line)
		})
	}
}
