package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUnbuiltFeaturesWarned(t *testing.T) {
	tests := []struct {
		conf string
		want string // "" for no warning
	}{
		{"vhost v {\n forward { enabled on; destination 127.0.0.1:1936; }\n}", "t.conf:2: forward: not supported yet"},
		{"vhost v { forward { enabled off; } }", ""},
		{"vhost v {\n cluster {\n mode remote; origin 127.0.0.1; } }", "t.conf:3: cluster edge (mode remote)"},
		{"vhost v { cluster { mode local; } }", ""},
		{"vhost v { transcode t { enabled on; } }", "transcode: not supported yet"},
		{"vhost v { ingest i { enabled on; } }", "ingest: not supported yet"},
		{"vhost v { exec { enabled on; } }", "exec: not supported yet"},
		{"vhost v { dash { enabled on; } }", "dash: not supported yet"},
		{"vhost v { bandcheck { enabled on; } }", "bandcheck: not supported yet"},
		{"stream_caster { enabled on; caster flv; }", "stream_caster: not supported yet"},
		{"heartbeat { enabled on; }", "heartbeat: not supported yet"},
		{"stats { enabled on; }", "stats: not supported yet"},
		{"srt_server { enabled on; }", "srt_server: not supported yet"},
		{"rtc_server { enabled on; }", "rtc_server: not supported yet"},
		{"http_api { enabled on; https { enabled on; } }", "http_api.https: not supported yet"},
		{"vhost v { hls { enabled on; } }", ""},
	}
	for _, tt := range tests {
		c := mustLoad(t, tt.conf)
		var got []string
		for _, w := range c.Warnings {
			if strings.Contains(w, "not supported yet") {
				got = append(got, w)
			}
		}
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%q: unexpected %q", tt.conf, got)
		case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
			t.Errorf("%q: warnings %q, want one with %q", tt.conf, got, tt.want)
		}
	}
}

func TestEmptyFileAndListenZeroRefused(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, text, want string }{
		{"empty", "", "listen requires params"},
		{"comments only", "# nothing\n", "listen requires params"},
		{"listen 0", "listen 0;\n", `listen "0"`},
		{"listen 1935 0", "listen 1935 0;\n", `listen "0"`},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.name+".conf")
		writeFile(t, path, tt.text)
		_, err := LoadEnv(path, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want one naming %s and %q", tt.name, err, path, tt.want)
		}
	}
	// The environment may give the listen endpoint instead.
	path := filepath.Join(dir, "empty.conf")
	c, err := LoadEnv(path, []string{"SRS_LISTEN=1936"})
	if err != nil || c.Listen[0] != ":1936" {
		t.Errorf("empty file with SRS_LISTEN: %v %v", c, err)
	}
	// An explicit host with port 0 lets the system pick (for tests).
	writeFile(t, path, "listen 127.0.0.1:0;")
	if _, err := LoadEnv(path, nil); err != nil {
		t.Errorf("127.0.0.1:0: %v", err)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "srs.conf")
	writeFile(t, path, "listen 1935;\nserver_id from-file;\nvhost __defaultVhost__ { dvr { enabled off; } }\n")
	c, err := LoadEnv(path, []string{"SRS_LISTEN=1940", "SRS_SERVER_ID=from-env", "SRS_VHOST_DVR_ENABLED=on"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen[0] != ":1940" || c.ServerID != "from-env" {
		t.Errorf("listen %q server_id %q", c.Listen, c.ServerID)
	}
	if d := c.Vhosts[DefaultVhost].Block.Get("dvr").Get("enabled"); d.Arg0() != "on" || d.File != "env SRS_VHOST_DVR_ENABLED" {
		t.Errorf("dvr enabled %q from %q", d.Arg0(), d.File)
	}
	c, err = LoadEnv(path, nil)
	if err != nil || c.ServerID != "from-file" {
		t.Errorf("server_id %q, %v", c.ServerID, err)
	}
}

// As SRS, a relative include is relative to the working directory first,
// then to the including file's directory.
func TestIncludeRelativeToWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "conf/main.conf"), "listen 1935;\ninclude conf/vhost.conf;\ninclude local.conf;\n")
	writeFile(t, filepath.Join(dir, "conf/vhost.conf"), "vhost from.cwd { }\n")
	writeFile(t, filepath.Join(dir, "conf/local.conf"), "vhost from.filedir { }\n")
	writeFile(t, filepath.Join(dir, "local.conf"), "vhost local.cwd { }\n")
	t.Chdir(dir)
	c, err := LoadEnv("conf/main.conf", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"from.cwd", "local.cwd"} {
		if c.Vhosts[v] == nil {
			t.Errorf("vhost %s missing", v)
		}
	}
	if c.Vhosts["from.filedir"] != nil {
		t.Errorf("the working directory should win over the including file's directory")
	}
	os.Remove(filepath.Join(dir, "local.conf"))
	if c, err = LoadEnv("conf/main.conf", nil); err != nil || c.Vhosts["from.filedir"] == nil {
		t.Errorf("fallback to the including file's directory: %v", err)
	}
	writeFile(t, filepath.Join(dir, "conf/bad.conf"), "listen 1935;\ninclude nowhere.conf;\n")
	if _, err := LoadEnv("conf/bad.conf", nil); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "conf/bad.conf:2") {
		t.Errorf("missing include: %v", err)
	}
}
