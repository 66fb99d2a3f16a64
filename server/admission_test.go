package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHangingCallbackStallsOnlyItsVhost: vhost A's on_play server hangs
// with many plays waiting on it; a play on vhost B, whose callback server
// is healthy, is admitted at once.
func TestHangingCallbackStallsOnlyItsVhost(t *testing.T) {
	hang := make(chan struct{})
	bad := newHookRecorder(t)
	t.Cleanup(func() { close(hang) }) // before bad's server closes
	bad.reply = func(string) (int, string) { <-hang; return 200, "0" }
	good := newHookRecorder(t)
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
vhost __defaultVhost__ { }
vhost a.example.com { http_hooks { enabled on; on_play %s; } }
vhost b.example.com { http_hooks { enabled on; on_play %s; } }
`, bad.URL(), good.URL())
	ts, _ := startServerConf(t, conf)

	const waiting = 150
	for i := range waiting {
		dialRaw(t, ts.RTMPAddr(), 0).play(fmt.Sprintf("s%d?vhost=a.example.com", i))
	}
	waitFor(t, 10*time.Second, "the plays on A reach its callback server", func() bool {
		return len(bad.Calls("on_play")) >= 16
	})

	start := time.Now()
	dialRaw(t, ts.RTMPAddr(), 0).play("s?vhost=b.example.com")
	waitFor(t, 5*time.Second, "the play on B admitted", func() bool {
		return len(ts.logs.Lines(`msg="rtmp play"`, "b.example.com/live/s")) == 1
	})
	took := time.Since(start)
	assert.Less(t, took, time.Second, "the play on B waited %v behind A's callback server", took)
	require.Len(t, good.Calls("on_play"), 1)
	assert.Empty(t, ts.logs.Lines(`msg="rtmp play"`, "a.example.com"), "A's plays still wait for their verdict")
}
