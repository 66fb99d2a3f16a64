package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFromEnv(t *testing.T) {
	c, err := FromEnv([]string{
		"HOME=/root",
		"SRS_LISTEN=1935 19350",
		"SRS_MAX_CONNECTIONS=500",
		"SRS_HTTP_SERVER_ENABLED=on",
		"SRS_HTTP_SERVER_LISTEN=8081",
		"SRS_HTTP_API_ENABLED=on",
		"SRS_HTTP_API_AUTH_PASSWORD=with spaces",
		"SRS_VHOST_HLS_ENABLED=on",
		"SRS_VHOST_PLAY_MW_LATENCY=100",
		"SRS_VHOST_PLAY_QUEUE_LENGTH=2.5",
		"SRS_VHOST_HTTP_REMUX_ENABLED=on",
		"SRS_VHOST_HTTP_REMUX_MOUNT=[vhost]/[app]/[stream].flv",
		"SRS_VHOST_HTTP_HOOKS_ON_PUBLISH=http://a/1 http://b/2",
		"SRS_LOG_TANK=file",
		"SRS_SRS_LOG_FILE=/tmp/x.log",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	if !reflect.DeepEqual(c.Listen, []string{":1935", ":19350"}) || c.MaxConnections != 500 {
		t.Errorf("listen=%q max_connections=%d", c.Listen, c.MaxConnections)
	}
	if c.Daemon {
		t.Error("FromEnv should not daemonize unless SRS_DAEMON says so")
	}
	if c.LogTank != LogTankFile || c.LogFile != "/tmp/x.log" {
		t.Errorf("log tank %q file %q", c.LogTank, c.LogFile)
	}
	if !c.HTTPServer.Enabled || !reflect.DeepEqual(c.HTTPServer.Listen, []string{":8081"}) || !c.HTTPAPI.Enabled {
		t.Errorf("http: %+v %+v", c.HTTPServer, c.HTTPAPI)
	}
	if c.HTTPAPI.Auth.Password != "with spaces" {
		t.Errorf("password = %q, want the whole value", c.HTTPAPI.Auth.Password)
	}
	v := c.Vhost("any")
	if v == nil || v.Name != DefaultVhost {
		t.Fatalf("no default vhost: %+v", c.Vhosts)
	}
	if v.Play.MwLatency != 100*time.Millisecond || v.Play.QueueLength != 2500*time.Millisecond || !v.HTTPRemux.Enabled {
		t.Errorf("vhost: %+v", vhostWithoutBlock(v))
	}
	if got := v.Block.Get("hls").Get("enabled").Arg0(); got != "on" {
		t.Errorf("hls.enabled = %q", got)
	}
	if got := v.Block.Get("http_hooks").Get("on_publish").Args; !reflect.DeepEqual(got, []string{"http://a/1", "http://b/2"}) {
		t.Errorf("on_publish = %q, want two URLs", got)
	}
	if d := c.Root.Get("max_connections"); d.File != "env SRS_MAX_CONNECTIONS" || d.Line != 0 {
		t.Errorf("max_connections from %s:%d", d.File, d.Line)
	}
}

func TestFromEnvEmpty(t *testing.T) {
	c, err := FromEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 || c.Daemon || !reflect.DeepEqual(c.Listen, []string{":1935"}) {
		t.Errorf("config: %+v", withoutTrees(c))
	}
	if v := c.Vhosts[DefaultVhost]; v == nil || !v.Enabled || v.HTTPRemux.Enabled || len(c.Vhosts) != 1 {
		t.Errorf("vhosts: %+v", c.Vhosts)
	}
}

func TestFromEnvVariables(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		check func(*Config) bool
	}{
		{"daemon on", []string{"SRS_DAEMON=on"}, func(c *Config) bool { return c.Daemon }},
		{"daemon prefers true", []string{"SRS_DAEMON=yes"}, func(c *Config) bool { return c.Daemon }},
		{"empty values are ignored", []string{"SRS_MAX_CONNECTIONS="}, func(c *Config) bool { return c.MaxConnections == 1000 }},
		{"first of duplicates wins", []string{"SRS_MAX_CONNECTIONS=7", "SRS_MAX_CONNECTIONS=8"}, func(c *Config) bool { return c.MaxConnections == 7 }},
		{"SRS_SRS_ wins over SRS_", []string{"SRS_LOG_LEVEL=warn", "SRS_SRS_LOG_LEVEL=error"}, func(c *Config) bool { return c.LogLevel == "error" }},
		{"SRS_ alternate alone", []string{"SRS_LOG_LEVEL=warn"}, func(c *Config) bool { return c.LogLevel == "warn" }},
		{"v2 level", []string{"SRS_LOG_LEVEL_V2=debug", "SRS_LOG_LEVEL=warn"}, func(c *Config) bool { return c.LogLevel == "debug" }},
		{"chunk size", []string{"SRS_CHUNK_SIZE=4096"}, func(c *Config) bool {
			return c.ChunkSize == 4096 && c.Vhosts[DefaultVhost].ChunkSize == 4096
		}},
		{"vhost chunk size sets both", []string{"SRS_CHUNK_SIZE=4096", "SRS_VHOST_CHUNK_SIZE=8192"}, func(c *Config) bool {
			return c.ChunkSize == 8192 && c.Vhosts[DefaultVhost].ChunkSize == 8192
		}},
		{"min latency", []string{"SRS_VHOST_MIN_LATENCY=on"}, func(c *Config) bool {
			v := c.Vhosts[DefaultVhost]
			return v.MinLatency && v.Play.MwMsgs == 0
		}},
		{"raw api", []string{"SRS_HTTP_API_RAW_API_ENABLED=on", "SRS_HTTP_API_RAW_API_ALLOW_RELOAD=on"}, func(c *Config) bool {
			return c.HTTPAPI.RawAPI == RawAPI{Enabled: true, AllowReload: true}
		}},
		{"play and publish", []string{"SRS_VHOST_PLAY_GOP_CACHE=off", "SRS_VHOST_PLAY_TIME_JITTER=zero", "SRS_VHOST_PUBLISH_MR=on"}, func(c *Config) bool {
			v := c.Vhosts[DefaultVhost]
			return !v.Play.GopCache && v.Play.TimeJitter == TimeJitterZero && v.Publish.MR
		}},
		{"srt alternate", []string{"SRS_VHOST_SRT_TO_RTMP=on"}, func(c *Config) bool {
			return c.Vhosts[DefaultVhost].Block.Get("srt").Get("srt_to_rtmp").Arg0() == "on"
		}},
		{"nested block", []string{"SRS_RTC_SERVER_BLACK_HOLE_ADDR=127.0.0.1:10000"}, func(c *Config) bool {
			return c.Root.Get("rtc_server").Get("black_hole").Get("addr").Arg0() == "127.0.0.1:10000"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected configuration from %q:\n%s", tt.env, c.Root)
			}
			if len(c.Warnings) != 0 {
				t.Errorf("warnings: %q", c.Warnings)
			}
		})
	}
}

func TestFromEnvWarnings(t *testing.T) {
	c, err := FromEnv([]string{"SRS_FOO=1", "SRS_ENV_ONLY=on", "SRS_CONFIG_FILE=x.conf", "PATH=/bin", "SRS_LISTEN=1935", "SRS_FOO=2", "SRS_VHOST_PLAY_GOPCACHE=off", "SRS_BARE"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"config: env SRS_FOO: unknown variable, ignored",
		"config: env SRS_VHOST_PLAY_GOPCACHE: unknown variable, ignored",
		"config: env SRS_BARE: unknown variable, ignored",
	}
	if !reflect.DeepEqual(c.Warnings, want) {
		t.Errorf("warnings = %q, want %q", c.Warnings, want)
	}
}

func TestFromEnvErrors(t *testing.T) {
	tests := []struct {
		env  string
		want error
		msg  string
	}{
		{"SRS_CHUNK_SIZE=1", ErrOutOfRange, `config: env SRS_CHUNK_SIZE: chunk_size "1": value out of range`},
		{"SRS_MAX_CONNECTIONS=many", ErrInvalidValue, `config: env SRS_MAX_CONNECTIONS: max_connections "many"`},
		{"SRS_LISTEN=localhost:1935", ErrInvalidValue, `config: env SRS_LISTEN: listen "localhost:1935"`},
		{"SRS_LISTEN=   ", ErrInvalidValue, `config: env SRS_LISTEN: listen "": invalid value: needs at least one endpoint`},
		{"SRS_VHOST_PLAY_MW_LATENCY=-1", ErrOutOfRange, `config: env SRS_VHOST_PLAY_MW_LATENCY: mw_latency "-1"`},
		{"SRS_LOG_TANK=disk", ErrInvalidValue, `config: env SRS_LOG_TANK: srs_log_tank "disk"`},
	}
	for _, tt := range tests {
		_, err := FromEnv([]string{tt.env})
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error = %v, want %v containing %q", tt.env, err, tt.want, tt.msg)
		}
	}
}

func TestApplyEnvToFile(t *testing.T) {
	root, err := Parse("t.conf", []byte(`
http_stream { enabled off; listen 8081; }
vhost a { gop_cache on; }
vhost b { play { mw_latency 10; } }
`))
	if err != nil {
		t.Fatal(err)
	}
	warnings := ApplyEnv(root, []string{
		"SRS_HTTP_SERVER_ENABLED=on",
		"SRS_VHOST_PLAY_GOP_CACHE=off",
		"SRS_VHOST_PLAY_MW_LATENCY=20",
	})
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	c, err := FromDirective(root, "t.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !c.HTTPServer.Enabled || !reflect.DeepEqual(c.HTTPServer.Listen, []string{":8081"}) {
		t.Errorf("the environment should override the legacy http_stream block: %+v", c.HTTPServer)
	}
	for _, name := range []string{"a", "b"} {
		v := c.Vhosts[name]
		if v.Play.GopCache || v.Play.MwLatency != 20*time.Millisecond {
			t.Errorf("vhost %s: the environment should apply to every vhost: %+v", name, v.Play)
		}
	}
	if len(c.Vhosts) != 2 {
		t.Errorf("ApplyEnv added a vhost to a file that has some: %v", c.Vhosts)
	}
}

func TestEnvSettingsAreKnownDirectives(t *testing.T) {
	for _, s := range envTable {
		sch := knownSchema
		for _, name := range s.path {
			if sch == nil {
				break // children not checked
			}
			sub, ok := sch[name]
			if !ok {
				t.Errorf("%s: %s is not a known directive", s.name, strings.Join(s.path, "."))
				break
			}
			sch = sub
		}
	}
	// A few names as SRS documents them.
	known := map[string]bool{}
	for _, s := range envTable {
		if known[s.name] {
			t.Errorf("%s listed twice", s.name)
		}
		known[s.name] = true
	}
	for _, name := range []string{
		"SRS_LISTEN", "SRS_MAX_CONNECTIONS", "SRS_HTTP_SERVER_ENABLED", "SRS_HTTP_SERVER_LISTEN",
		"SRS_HTTP_API_ENABLED", "SRS_VHOST_HLS_ENABLED", "SRS_VHOST_PLAY_MW_LATENCY",
		"SRS_VHOST_HTTP_REMUX_ENABLED", "SRS_HTTP_API_RAW_API_ALLOW_RELOAD", "SRS_RTC_SERVER_BLACK_HOLE_ENABLED",
		"SRS_SRT_SERVER_DEFAULT_STREAMID", "SRS_VHOST_HLS_HLS_FRAGMENT", "SRS_VHOST_DVR_DVR_PLAN",
		"SRS_CIRCUIT_BREAKER_HIGH_THRESHOLD", "SRS_EXPORTER_LISTEN", "SRS_RTMPS_CERT", "SRS_SRS_LOG_TANK",
	} {
		if !known[name] {
			t.Errorf("%s missing", name)
		}
	}
}
