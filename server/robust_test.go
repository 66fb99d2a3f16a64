package server

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/rtmp"
)

// rawConn is a hand-driven RTMP client for feeding the server what real
// clients would not.
type rawConn struct {
	t testing.TB
	net.Conn
}

func dialRaw(t testing.TB, addr net.Addr, rcvbuf int) *rawConn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
		}
	}
	c, err := d.Dial("tcp", addr.String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, Conn: c}
}

func (c *rawConn) handshake() {
	c.t.Helper()
	h, err := rtmp.NewClientHandshake(false, nil)
	require.NoError(c.t, err)
	_, err = c.Write(h.C0C1())
	require.NoError(c.t, err)
	s := make([]byte, 1+2*rtmp.HandshakeSize)
	require.NoError(c.t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = io.ReadFull(c, s)
	require.NoError(c.t, err)
	c2, err := h.Respond(s, nil)
	require.NoError(c.t, err)
	_, err = c.Write(c2)
	require.NoError(c.t, err)
	require.NoError(c.t, c.SetReadDeadline(time.Time{}))
}

func (c *rawConn) command(streamID uint32, cmd *rtmp.Command) {
	c.t.Helper()
	b, err := rtmp.AppendCommand(nil, rtmp.CSIDCommand, streamID, cmd, rtmp.DefaultChunkSize)
	require.NoError(c.t, err)
	_, err = c.Write(b)
	require.NoError(c.t, err)
}

// play connects and plays live/stream without waiting for replies.
func (c *rawConn) play(stream string) {
	c.handshake()
	c.command(0, &rtmp.Command{Name: "connect", TransactionID: 1, Object: amf.Object{
		{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://127.0.0.1/live"}}})
	c.command(0, &rtmp.Command{Name: "createStream", TransactionID: 2, Object: nil})
	c.command(1, &rtmp.Command{Name: "play", TransactionID: 0, Object: nil, Args: []any{stream}})
}

// count reads everything in the background, counting bytes.
func (c *rawConn) count() *atomic.Int64 {
	var n atomic.Int64
	go func() {
		buf := make([]byte, 64<<10)
		for {
			k, err := c.Read(buf)
			n.Add(int64(k))
			if err != nil {
				return
			}
		}
	}()
	return &n
}

// closedByServer reports whether the server closed c within d (reading
// and discarding whatever it sent first).
func closedByServer(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

// TestBadInputClosesOnlyThatConnection feeds the RTMP and HTTP ports
// garbage, truncated handshakes, oversized sizes, bogus AMF and slowloris
// heads: each such connection is closed with one log line, while a
// parallel stream keeps playing.
func TestBadInputClosesOnlyThatConnection(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	ts := startServer(t, nil, func(s *Server) {
		s.HandshakeTimeout = time.Second
		s.RequestHeadTimeout = time.Second
	})
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("good"), testpeer.PublishOptions{Loop: true})
	ts.source("good", true)
	player := dialRaw(t, ts.RTMPAddr(), 0)
	player.play("good")
	got := player.count()

	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 8192)
	rng.Read(random)
	random[0] = 0xfe // not an RTMP version

	afterHandshake := func(payload []byte) func(c *rawConn) {
		return func(c *rawConn) {
			c.handshake()
			_, _ = c.Write(payload)
		}
	}
	chunk0 := func(typ uint8, length uint32, body []byte) []byte {
		b := []byte{0x03, 0, 0, 0, byte(length >> 16), byte(length >> 8), byte(length), typ, 0, 0, 0, 0}
		return append(b, body...)
	}
	hugeChunkSize := chunk0(rtmp.MsgSetChunkSize, 4, binary.BigEndian.AppendUint32(nil, 0x7fffffff))
	cases := []struct {
		name string
		send func(c *rawConn)
		http bool
	}{
		{"random bytes", func(c *rawConn) { _, _ = c.Write(random) }, false},
		{"truncated handshake", func(c *rawConn) { _, _ = c.Write(random[:100]) }, false},
		{"truncated C2", func(c *rawConn) {
			h, _ := rtmp.NewClientHandshake(false, nil)
			_, _ = c.Write(h.C0C1())
		}, false},
		{"oversized chunk size", afterHandshake(hugeChunkSize), false},
		{"oversized message length", afterHandshake(chunk0(rtmp.MsgAMF0Command, 0xffffff, random[:128])), false},
		{"bogus amf", afterHandshake(chunk0(rtmp.MsgAMF0Command, 9, []byte{0x02, 0xff, 0xff, 'x', 0x11, 0x0a, 0x0b, 0xff, 0x03})), false},
		{"command before connect", func(c *rawConn) {
			c.handshake()
			c.command(0, &rtmp.Command{Name: "play", Args: []any{"good"}})
		}, false},
		{"http garbage", func(c *rawConn) { _, _ = c.Write([]byte("\x16\x03\x01\x02\x00garbage\r\n\r\n")) }, true},
		{"http slowloris", func(c *rawConn) {
			_, _ = c.Write([]byte("GET /live/good.flv HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: "))
		}, true},
		{"http huge head", func(c *rawConn) {
			_, _ = c.Write([]byte("GET /live/good.flv HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + strings.Repeat("a", 10000)))
		}, true},
	}
	for _, tc := range cases {
		addr := ts.RTMPAddr()
		if tc.http {
			addr = ts.HTTPAddr()
		}
		c := dialRaw(t, addr, 0)
		tc.send(c)
		assert.True(t, closedByServer(c, 5*time.Second), "%s: the server closes the connection", tc.name)
		local := c.LocalAddr().String()
		waitFor(t, 2*time.Second, tc.name+" log line", func() bool {
			return len(ts.logs.Lines("connection closed", "remote="+local)) > 0
		})
		lines := ts.logs.Lines("remote=" + local)
		assert.Len(t, ts.logs.Lines("connection closed", "remote="+local), 1, "%s: one line says why: %v", tc.name, lines)
		assert.Len(t, ts.logs.Lines("level=WARN", "remote="+local), 1, "%s: logged as a warning: %v", tc.name, lines)
	}

	// The parallel player never stopped receiving.
	before := got.Load()
	time.Sleep(time.Second)
	assert.Greater(t, got.Load()-before, int64(50_000), "the good stream kept playing")
	assert.Equal(t, 1, ts.Registry().Lookup(live.Key(DefaultVhost, "live", "good")).Consumers())
}

// TestStalledPlayerIsDropped: a player that never reads is cut to the next
// keyframe, then disconnected; the server's memory stays bounded and the
// other player keeps the full bitrate.
func TestStalledPlayerIsDropped(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	ts := startServer(t, func(c *config.Config) {
		c.Vhost(DefaultVhost).Play.QueueLength = 2 * time.Second
	})
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("s"), testpeer.PublishOptions{Loop: true})
	src := ts.source("s", true)
	good := dialRaw(t, ts.RTMPAddr(), 0)
	good.play("s")
	got := good.count()
	stalled := dialRaw(t, ts.RTMPAddr(), 4096)
	stalled.play("s")
	waitFor(t, 5*time.Second, "two players", func() bool { return src.Consumers() == 2 })

	// Measure the good player against what the publisher sends, while the
	// stalled one fills its socket and its queue.
	inBefore, gotBefore := src.Stats.BytesIn.Load(), got.Load()
	start := time.Now()
	waitFor(t, 40*time.Second, "the stalled player dropped", func() bool { return src.Consumers() == 1 })
	assert.NotEmpty(t, ts.logs.Lines("connection closed", "too slow"), "a log line says why")
	assert.NotZero(t, src.Dropped(), "it was first cut to a keyframe")
	assert.Less(t, live.LivePackets(), int64(3000), "packets held stay bounded")

	time.Sleep(2 * time.Second)
	in, out := float64(src.Stats.BytesIn.Load()-inBefore), float64(got.Load()-gotBefore)
	t.Logf("after %v: published %.0f media bytes, the good player got %.0f bytes", time.Since(start), in, out)
	assert.Greater(t, out, 0.95*in, "the good player kept the full bitrate")
}
