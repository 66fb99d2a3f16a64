package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// TestUnbuiltFeaturesWarned turns on each feature of the unbuilt table and
// expects its warning at the directive's line; the same block turned off
// draws none.
func TestUnbuiltFeaturesWarned(t *testing.T) {
	for key, msg := range unbuilt {
		path, cond, _ := strings.Cut(key, "/")
		child, value := "enabled", "on"
		if cond != "" {
			child, value, _ = strings.Cut(cond, "=")
		}
		names := strings.Split(path, ".")
		build := func(v string) string {
			conf := child + " " + v + ";"
			for i := len(names) - 1; i >= 0; i-- {
				conf = names[i] + " {\n" + conf + "\n}"
				if names[i] == "vhost" {
					conf = "vhost v" + conf[len("vhost"):]
				}
			}
			return conf
		}
		c := mustLoad(t, build(value))
		want := fmt.Sprintf("config: t.conf:%d: %s", len(names)+1, msg)
		if !slices.Contains(c.Warnings, want) {
			t.Errorf("%s: warnings %q, want %q", key, c.Warnings, want)
		}
		if c := mustLoad(t, build("nope")); slices.ContainsFunc(c.Warnings, func(w string) bool { return strings.Contains(w, "not supported yet") }) {
			t.Errorf("%s off: %q", key, c.Warnings)
		}
	}
	// A feature cascade has draws no warning.
	c := mustLoad(t, "kafka { enabled on; brokers 127.0.0.1:9092; topic srs; } heartbeat { enabled on; } stats { enabled on; network 0; disk sda; }\n"+
		"vhost v { hls { enabled on; } dvr { enabled on; } bandcheck { enabled on; key k; interval 30; limit_kbps 1000; } }")
	for _, w := range c.Warnings {
		t.Errorf("unexpected %q", w)
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
