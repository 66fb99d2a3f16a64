package server

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

const reloadBase = `
listen 127.0.0.1:0;
max_connections 100;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ {
    play { gop_cache on; mw_latency %d; }
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
}
%s
`

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestReloadLosesNothing reloads the configuration many times (changing
// mw_latency, adding a vhost and a listen port, and once with a broken
// file) while a publisher sends a file and a player receives it: every
// payload arrives, in order, and the changes take effect.
func TestReloadLosesNothing(t *testing.T) {
	tags := readFLVTags(t, testpeer.Media(t, "h264_aac_720p25.flv"))
	ts, path := startServerConf(t, fmt.Sprintf(reloadBase, 350, ""))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	player, pub := playAndPublish(t, ctx, ts, "r")

	var want []fileTag
	for _, tag := range tags {
		if tag.typ == 8 || tag.typ == 9 {
			want = append(want, tag)
		}
	}
	sent := make(chan error, 1)
	go func() { // about 4x real time
		start := time.Now()
		for _, tag := range tags {
			if tag.typ != 8 && tag.typ != 9 {
				continue
			}
			if d := time.Duration(tag.ts)*time.Millisecond/4 - time.Since(start); d > 0 {
				time.Sleep(d)
			}
			if err := pub.WritePayload(tag.typ, tag.ts, tag.data); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()

	newPort := freePort(t)
	reloads := []string{
		fmt.Sprintf(reloadBase, 100, ""),
		fmt.Sprintf(reloadBase, 0, "vhost added.example.com { }"),
		"vhost broken { play { mw_latency 100 }\n", // fails: the running config stays
		strings.Replace(fmt.Sprintf(reloadBase, 200, "vhost added.example.com { }"),
			"listen 127.0.0.1:0;", "listen 127.0.0.1:0 "+newPort+";", 1),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			text := reloads[i%len(reloads)]
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				return
			}
			err := ts.Reload()
			if strings.Contains(text, "broken") {
				if err == nil {
					t.Errorf("a broken config reloads without error")
				}
			} else if err != nil {
				t.Errorf("reload %d: %v", i, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()

	expectPayloads(t, player, want, 30*time.Second)
	require.NoError(t, <-sent)
	<-done

	// The last good config is in force: the added vhost and port.
	assert.NotNil(t, ts.Config().Vhosts["added.example.com"])
	c, err := net.Dial("tcp", newPort)
	require.NoError(t, err, "the added listen port serves")
	c.Close()
	assert.Len(t, ts.Addrs("rtmp"), 2)
	assert.NotEmpty(t, ts.logs.Lines("reloaded"))
}

// TestInotifyAutoReload: with inotify_auto_reload on, saving the file
// reloads it.
func TestInotifyAutoReload(t *testing.T) {
	ts, path := startServerConf(t, "inotify_auto_reload on;\n"+fmt.Sprintf(reloadBase, 350, ""))
	waitFor(t, 5*time.Second, "the watcher", func() bool { return len(ts.logs.Lines("inotify_auto_reload: watching")) > 0 })
	text := "inotify_auto_reload on;\n" + fmt.Sprintf(reloadBase, 350, "vhost auto.example.com { }")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	waitFor(t, 5*time.Second, "the reload", func() bool { return ts.Config().Vhosts["auto.example.com"] != nil })
}
