package netpoll

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/cascade-live/cascade/buffer"
)

// amplifier answers every byte it receives with a reply of replySize
// through the copying Write, as a server answers pings or requests.
type amplifier struct {
	replySize int
	closed    chan error
}

func (a *amplifier) OnTraffic(c *Conn) error {
	n := c.InboundBuffered()
	_, _ = c.Discard(n)
	reply := make([]byte, a.replySize)
	for range n {
		if _, err := c.Write(reply); err != nil {
			return nil // closing
		}
	}
	return nil
}

func (a *amplifier) OnClose(_ *Conn, err error) { a.closed <- err }

// dialSmall connects with a small receive buffer and never reads.
func dialSmall(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestWriteBoundClosesPeerThatDoesNotRead: replies to a peer that never
// reads are copied up to MaxOutbound, then the connection closes with
// ErrOutboundFull and one warning; another connection is served on.
func TestWriteBoundClosesPeerThatDoesNotRead(t *testing.T) {
	logs := &lockedBuffer{}
	const limit = 256 << 10
	e, err := New(Options{EventLoops: 1, MaxOutbound: limit, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	require.NoError(t, e.Start())
	t.Cleanup(func() { _ = e.Stop() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a := &amplifier{replySize: 16 << 10, closed: make(chan error, 2)}
	e.Serve(ln, "test", func(c *Conn) Session { return a })

	bad := dialSmall(t, ln.Addr().String())
	good, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer good.Close()

	// 64 MiB of replies asked for, far more than the sockets hold.
	go func() {
		for range 4096 {
			if _, err := bad.Write([]byte{1}); err != nil {
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	select {
	case err := <-a.closed:
		assert.ErrorIs(t, err, ErrOutboundFull)
	case <-time.After(10 * time.Second):
		t.Fatal("the connection of a peer that does not read was not closed")
	}
	lines := 0
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "outbound buffer over its limit") {
			lines++
			assert.Contains(t, l, "level=WARN")
		}
	}
	assert.Equal(t, 1, lines, "one log line: %s", logs.String())

	// The other connection still gets its replies.
	_, err = good.Write([]byte{1})
	require.NoError(t, err)
	require.NoError(t, good.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = io.ReadFull(good, make([]byte, 16<<10))
	require.NoError(t, err)
}

// sender queues one large body with Send when asked, and counts drains.
type sender struct {
	body    *buffer.Buffer
	drained chan struct{}
	closed  chan error
}

func (s *sender) OnTraffic(c *Conn) error {
	_, _ = c.Discard(c.InboundBuffered())
	if s.body != nil {
		b := s.body
		s.body = nil
		return c.Send([]byte("HEAD"), b.B, b)
	}
	return nil
}

func (s *sender) OnDrained(*Conn) error {
	s.drained <- struct{}{}
	return nil
}

func (s *sender) OnClose(_ *Conn, err error) { s.closed <- err }

// TestSendKeepsReferences: Send queues what the socket does not take by
// reference (nothing is copied), writes it as the socket drains, in order,
// tells the session once when it drained and releases the owner.
func TestSendKeepsReferences(t *testing.T) {
	e, ln := newEngine(t, 0)
	body := buffer.GetSize(8 << 20)
	body.B = body.B[:8<<20]
	for i := range body.B {
		body.B[i] = byte(i*13 + i>>9)
	}
	want := append([]byte("HEAD"), body.B...)
	keep := body.Retain() // the test's own reference, to watch the count
	s := &sender{body: body, drained: make(chan struct{}, 4), closed: make(chan error, 1)}
	var conn *Conn
	opened := make(chan struct{})
	e.Serve(ln, "test", func(c *Conn) Session { conn = c; close(opened); return s })
	c := dialSmall(t, ln.Addr().String())
	<-opened
	_, err := c.Write([]byte("go"))
	require.NoError(t, err)

	// While the peer does not read, the body waits by reference.
	time.Sleep(200 * time.Millisecond)
	outbound := make(chan [2]int)
	conn.Do(func() error {
		copied, shared := conn.Outbound()
		outbound <- [2]int{copied, shared}
		return nil
	})
	o := <-outbound
	assert.Zero(t, o[0], "nothing copied")
	assert.Greater(t, o[1], 4<<20, "the body is queued by reference")
	assert.Equal(t, int32(2), keep.Refs())

	readAllDrained(t, c, want, s.drained)
	assert.Equal(t, int32(1), keep.Refs(), "Send released its reference")
	keep.Release()
}

// readAllDrained reads want from c, checks it came in order, and waits
// for the session's OnDrained.
func readAllDrained(t *testing.T, c net.Conn, want []byte, drained <-chan struct{}) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Second)))
	got := make([]byte, len(want))
	_, err := io.ReadFull(c, got)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, got), "every byte in order")
	select {
	case <-drained:
	case <-time.After(5 * time.Second):
		t.Fatal("OnDrained was not called")
	}
}

// TestQueueReleasedOnClose: a connection closed with a queued body
// releases it.
func TestQueueReleasedOnClose(t *testing.T) {
	e, ln := newEngine(t, 0)
	body := buffer.GetSize(8 << 20)
	body.B = body.B[:8<<20]
	keep := body.Retain()
	s := &sender{body: body, drained: make(chan struct{}, 4), closed: make(chan error, 1)}
	e.Serve(ln, "test", func(c *Conn) Session { return s })
	c := dialSmall(t, ln.Addr().String())
	_, err := c.Write([]byte("go"))
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)
	c.Close()
	select {
	case <-s.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("not closed")
	}
	assert.Equal(t, int32(1), keep.Refs())
	keep.Release()
}

// benchConn returns a connection on a running loop whose peer reads and
// drops everything.
func benchConn(b *testing.B) *Conn {
	e, err := New(Options{EventLoops: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(b, err)
	require.NoError(b, e.Start())
	b.Cleanup(func() { _ = e.Stop() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	conns := make(chan *Conn, 1)
	e.Serve(ln, "bench", func(c *Conn) Session { conns <- c; return &idle{closed: make(chan error, 1)} })
	peer, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	b.Cleanup(func() { peer.Close() })
	go func() { _, _ = io.Copy(io.Discard, peer) }()
	return <-conns
}

// BenchmarkWritev is the players' path: one writev(2) of shared slices.
func BenchmarkWritev(b *testing.B) {
	c := benchConn(b)
	bufs := make([][]byte, 16)
	for i := range bufs {
		bufs[i] = make([]byte, 1024)
	}
	b.SetBytes(16 * 1024)
	b.ReportAllocs()
	b.ResetTimer()
	onLoop(b, c, func() {
		for i := 0; i < b.N; i++ {
			for {
				n, err := c.Writev(bufs)
				if err != nil {
					b.Error(err)
					return
				}
				if n > 0 {
					break // a partial write is fine: the bytes are counted
				}
			}
		}
	})
}

// BenchmarkSend is a memory file's answer: a head and a shared body, what
// the socket does not take kept by reference and written as it drains.
func BenchmarkSend(b *testing.B) {
	c := benchConn(b)
	head := make([]byte, 200)
	body := buffer.GetSize(64 << 10)
	body.B = body.B[:64<<10]
	defer body.Release()
	b.SetBytes(int64(len(head) + len(body.B)))
	b.ReportAllocs()
	b.ResetTimer()
	onLoop(b, c, func() {
		for i := 0; i < b.N; i++ {
			if err := c.Send(head, body.B, body.Retain()); err != nil {
				b.Error(err)
				return
			}
			for !c.flushQueue() {
			}
		}
	})
}

// onLoop runs fn on c's loop and waits for it.
func onLoop(b *testing.B, c *Conn, fn func()) {
	done := make(chan struct{})
	err := c.Conn.EventLoop().Execute(context.Background(), runFunc(func() {
		defer close(done)
		fn()
	}))
	require.NoError(b, err)
	<-done
}

type runFunc func()

func (f runFunc) Run(context.Context) error { f(); return nil }

// closer sends a body by reference, then closes gracefully.
type closer struct{ sender }

func (s *closer) OnTraffic(c *Conn) error {
	if err := s.sender.OnTraffic(c); err != nil {
		return err
	}
	c.CloseGracefully()
	return nil
}

// TestCloseGracefullyWritesQueueFirst: a graceful close waits until what
// is queued reached the socket, then closes without telling OnDrained.
func TestCloseGracefullyWritesQueueFirst(t *testing.T) {
	e, ln := newEngine(t, 0)
	body := buffer.GetSize(4 << 20)
	body.B = body.B[:4<<20]
	for i := range body.B {
		body.B[i] = byte(i * 31)
	}
	want := append([]byte("HEAD"), body.B...)
	s := &closer{sender{body: body, drained: make(chan struct{}, 4), closed: make(chan error, 1)}}
	e.Serve(ln, "test", func(c *Conn) Session { return s })
	c := dialSmall(t, ln.Addr().String())
	_, err := c.Write([]byte("go"))
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond) // the queue fills while nobody reads
	require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Second)))
	got, err := io.ReadAll(c)
	require.NoError(t, err, "closed in order, after the body")
	assert.True(t, bytes.Equal(want, got), "every byte before the close (%d of %d)", len(got), len(want))
	assert.NoError(t, <-s.closed)
	assert.Empty(t, s.drained)
}

// repeater sends body n times, each time the previous one drained,
// through a small send buffer (as on a link with a small window), so that
// the socket is full after every few writes.
type repeater struct {
	body    *buffer.Buffer
	left    int
	done    chan struct{}
	started bool
}

func (r *repeater) next(c *Conn) error {
	for r.left > 0 {
		r.left--
		if err := c.Send(nil, r.body.B, r.body.Retain()); err != nil {
			return err
		}
		if !c.Drained() {
			return nil // OnDrained goes on
		}
	}
	close(r.done)
	return nil
}

func (r *repeater) OnTraffic(c *Conn) error {
	_, _ = c.Discard(c.InboundBuffered())
	if r.started {
		return nil
	}
	r.started = true
	if err := unix.SetsockoptInt(c.Fd(), unix.SOL_SOCKET, unix.SO_SNDBUF, 64<<10); err != nil {
		return err
	}
	return r.next(c)
}

func (r *repeater) OnDrained(c *Conn) error { return r.next(c) }
func (r *repeater) OnClose(*Conn, error)    {}

// sendRepeated has a repeater send n MiB to a peer that reads at once.
func sendRepeated(tb testing.TB, n int) {
	e, err := New(Options{EventLoops: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(tb, err)
	require.NoError(tb, e.Start())
	tb.Cleanup(func() { _ = e.Stop() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	body := buffer.GetSize(1 << 20)
	body.B = body.B[:1<<20]
	defer body.Release()
	r := &repeater{body: body, left: n, done: make(chan struct{})}
	e.Serve(ln, "bench", func(*Conn) Session { return r })
	peer, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(tb, err)
	defer peer.Close()
	if b, ok := tb.(*testing.B); ok {
		b.SetBytes(int64(len(body.B)))
		b.ReportAllocs()
		b.ResetTimer()
	}
	_, err = peer.Write([]byte("go"))
	require.NoError(tb, err)
	got, err := io.CopyN(io.Discard, peer, int64(n)*int64(len(body.B)))
	require.NoError(tb, err)
	require.Equal(tb, int64(n)*int64(len(body.B)), got)
	<-r.done
}

// TestDrainFollowsWritableEvents: queued output goes out as the socket
// takes it, not once per tick: 32 MiB through a 64 KiB send buffer would
// take over 10 s at one buffer per 50 ms tick.
func TestDrainFollowsWritableEvents(t *testing.T) {
	start := time.Now()
	sendRepeated(t, 32)
	d := time.Since(start)
	t.Logf("32 MiB through a 64 KiB send buffer in %v", d)
	assert.Less(t, d, 4*time.Second)
}

// BenchmarkSendAsDrained is a file or segment download: each 1 MiB goes
// out once the socket took the one before, as fast as writable events come.
func BenchmarkSendAsDrained(b *testing.B) { sendRepeated(b, b.N) }
