package testpeer

import (
	"os/exec"
	"strings"
	"testing"
)

// packages maps each program the tests run to the Debian package that ships it.
var packages = map[string]string{
	"ffmpeg":          "ffmpeg",
	"ffprobe":         "ffmpeg",
	"rtmpdump":        "rtmpdump",
	"chromium":        "chromium",
	"node":            "nodejs",
	"gst-launch-1.0":  "gstreamer1.0-tools",
	"gst-inspect-1.0": "gstreamer1.0-tools",
	"yt-dlp":          "yt-dlp",
	"redis-server":    "redis-server",
	"redis-cli":       "redis-tools",
	"curl":            "curl",
	"kcat":            "kcat",
}

// Require fails the test when any of tools is not on PATH, naming the
// packages that provide them. It never skips: the test suite's peers are
// installed by `make test` (scripts/install-test-deps.sh).
func Require(t testing.TB, tools ...string) {
	t.Helper()
	if msg := missingTools(tools); msg != "" {
		t.Fatalf("%s", msg)
	}
}

// missingTools returns a message naming the tools not on PATH and how to
// install them, or "" when all are present.
func missingTools(tools []string) string {
	var missing, pkgs []string
	seen := make(map[string]bool)
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err == nil {
			continue
		}
		missing = append(missing, tool)
		pkg, ok := packages[tool]
		if !ok {
			pkg = tool
		}
		if !seen[pkg] {
			seen[pkg] = true
			pkgs = append(pkgs, pkg)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "testpeer: required program(s) not on PATH: " + strings.Join(missing, ", ") +
		"; install them with `make deps` (scripts/install-test-deps.sh, as root) " +
		"or `apt-get install " + strings.Join(pkgs, " ") + "`"
}
