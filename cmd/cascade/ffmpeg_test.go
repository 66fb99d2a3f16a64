package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/supervise"
	"github.com/cascade-live/cascade/internal/testpeer"
)

// children lists the pids whose parent is pid.
func children(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "PPid:"); ok && strings.TrimSpace(v) == strconv.Itoa(pid) {
				out = append(out, child)
			}
		}
	}
	return out
}

// TestSIGKILLLeavesNoChild kills the server with SIGKILL while it runs an
// ingest, a transcoder and an exec command: none of them survives it.
func TestSIGKILLLeavesNoChild(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	conf := writeConf(t, `
listen 127.0.0.1:0;
daemon off;
ff_log_dir `+t.TempDir()+`;
vhost __defaultVhost__ {
    ingest in {
        enabled on;
        input { type file; url `+testpeer.Media(t, "h264_mp3_360p30.flv")+`; }
        ffmpeg ffmpeg;
        engine { enabled off; output rtmp://127.0.0.1:[port]/live/in; }
    }
    transcode live/in {
        enabled on;
        ffmpeg ffmpeg;
        engine copy { enabled on; vcodec copy; acodec copy; output rtmp://127.0.0.1:[port]/[app]/[stream]_[engine]; }
    }
    exec { enabled on; publish sleep 60; }
}
`)
	cmd, _, _ := start(t, conf)
	var kids []int
	deadline := time.Now().Add(20 * time.Second)
	for len(kids) < 4 && time.Now().Before(deadline) { // ingest, transcoder, exec for in and for in_copy
		time.Sleep(50 * time.Millisecond)
		kids = children(cmd.Process.Pid)
	}
	require.Len(t, kids, 4, "the server's children")
	t.Cleanup(func() {
		for _, k := range kids {
			_ = syscall.Kill(k, syscall.SIGKILL)
		}
	})
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	for _, k := range kids {
		deadline := time.Now().Add(5 * time.Second)
		for supervise.Alive(k) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		require.False(t, supervise.Alive(k), "child %d outlived the server", k)
	}
}
