package server

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// panicky is a session whose handler has a bug: the first bytes it gets
// make it panic.
type panicky struct{}

func (panicky) OnTraffic(*netpoll.Conn) error { panic("a bug in a session") }
func (panicky) OnClose(*netpoll.Conn, error)  {}

// TestPanicInSessionClosesOnlyIt: a session that panics on the server's
// event loops is closed with an ERROR line and its stack; players of the
// server keep receiving, and the server keeps accepting.
func TestPanicInSessionClosesOnlyIt(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	ts := startServer(t, nil)
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("good"), testpeer.PublishOptions{Loop: true})
	ts.source("good", true)
	player := dialRaw(t, ts.RTMPAddr(), 0)
	player.play("good")
	got := player.count()

	// A listener of the server's own engine whose sessions panic.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ts.Engine().Serve(ln, "faulty", func(*netpoll.Conn) netpoll.Session { return panicky{} })
	t.Cleanup(func() { ln.Close() })
	for range 4 { // on every loop, likely
		c := dialRaw(t, ln.Addr(), 0)
		_, err := c.Write([]byte("hello"))
		require.NoError(t, err)
		assert.True(t, closedByServer(c, 5*time.Second), "the faulty connection is closed")
	}
	waitFor(t, 5*time.Second, "the ERROR lines", func() bool {
		return len(ts.logs.Lines("level=ERROR", "listener=faulty", "a bug in a session", "fault_test.go")) == 4
	})

	before := got.Load()
	time.Sleep(time.Second)
	assert.Greater(t, got.Load()-before, int64(50_000), "the player kept receiving")
	assert.Equal(t, 1, ts.Registry().Lookup(live.Key(DefaultVhost, "live", "good")).Consumers())
	second := dialRaw(t, ts.RTMPAddr(), 0)
	second.play("good")
	n := second.count()
	waitFor(t, 5*time.Second, "a new player", func() bool { return n.Load() > 100_000 })
}

// TestUnpublishCountsPerPublish: the "rtmp unpublish" line counts the
// frames and bytes of its own publish, not of every publish of the stream.
func TestUnpublishCountsPerPublish(t *testing.T) {
	ts := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// A player keeps the source across the publishes.
	player := dialRaw(t, ts.RTMPAddr(), 0)
	player.play("again")
	player.count()
	for i, frames := range []int{30, 20} {
		pub, err := client.Dial(ctx, ts.rtmpURL("again"))
		require.NoError(t, err)
		require.NoError(t, pub.Publish(ctx, ""))
		drain(pub)
		payload := make([]byte, 100)
		for f := range frames {
			require.NoError(t, pub.WritePayload(rtmp.MsgAudio, uint32(f*20), append([]byte{0xaf, 0x01}, payload...)))
		}
		ts.source("again", true)
		require.NoError(t, pub.Close()) // the server reads every frame before the end
		waitFor(t, 5*time.Second, "the unpublish line", func() bool {
			return len(ts.logs.Lines(`msg="rtmp unpublish"`, "stream=/live/again")) == i+1
		})
		line := ts.logs.Lines(`msg="rtmp unpublish"`, "stream=/live/again")[i]
		assert.Contains(t, line, fmt.Sprintf("frames=%d bytes=%d", frames, frames*102), "publish %d", i+1)
	}
}
