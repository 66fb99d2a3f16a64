package netpoll

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/live"
)

// ErrTimeout closes a connection whose deadline passed.
var ErrTimeout = errors.New("netpoll: deadline exceeded")

// ErrOutboundFull closes a connection whose peer does not read: what is
// queued for it went over Options.MaxOutbound.
var ErrOutboundFull = errors.New("netpoll: peer not reading, outbound buffer over its limit")

// Session is a connection's protocol state machine. Its methods run on the
// connection's event loop.
type Session interface {
	// OnTraffic consumes what arrived (c.Peek/c.Discard). An error closes
	// the connection and is logged once.
	OnTraffic(c *Conn) error
	// OnClose is called once when the connection ends, with the reason
	// (nil for an orderly close by either side).
	OnClose(c *Conn, err error)
}

// Drainer is a Session told when everything written to its connection has
// reached the socket: an HTTP session answers the next pipelined request,
// or sends a file's next chunk, only then. OnDrained runs on the loop; an
// error closes the connection.
type Drainer interface {
	OnDrained(c *Conn) error
}

// Conn is one accepted connection.
type Conn struct {
	gnet.Conn
	ID       string // context id shared by logs, the HTTP API and callbacks
	Listener string // the listener's name ("rtmp", "http")
	Accepted time.Time
	Log      *slog.Logger

	session  Session
	loop     *loopState
	engine   *Engine
	closeErr error
	closing  bool
	deadline time.Time
	timed    bool

	closed bool // OnClose ran

	// Output the socket did not take yet, written as it drains (Send).
	out      []outPiece
	outOwned int   // bytes of out that count against MaxOutbound
	draining bool  // output waits for the socket
	inList   bool  // in loop.draining, the tick's list
	ending   bool  // close once drained (CloseGracefully)
	watchID  int32 // with the writable watcher, 0 before the first wait
	armed    bool  // a writable event is armed for it
	drainRun drainTask

	// Bytes counted on the loop, read by the API and metrics anywhere.
	BytesIn, BytesOut atomic.Uint64
}

// outPiece is queued output: a slice of owner (released when written),
// memory of the connection's own when owner is nil, or, when file is set,
// n bytes of file from off (sent with sendfile(2), released when written).
type outPiece struct {
	b     []byte
	owner *buffer.Buffer
	file  *buffer.File
	off   int64
	n     int64
}

// size is how many bytes of p wait.
func (p *outPiece) size() int64 {
	if p.file != nil {
		return p.n
	}
	return int64(len(p.b))
}

// Do runs fn on the connection's loop, unless the connection has closed by
// then, and afterwards lets the session handle input that waited (a session
// pauses while a callback decides on it). An error from either closes the
// connection. Safe from any goroutine.
func (c *Conn) Do(fn func() error) { c.DoOrDrop(fn, nil) }

// DoOrDrop is Do, with drop (if not nil) called instead of fn when the
// connection closed before fn could run: it frees what fn would have used
// (a file, a buffer). drop runs on the loop, or on the caller's goroutine
// when the loop is gone.
func (c *Conn) DoOrDrop(fn func() error, drop func()) {
	err := c.Conn.EventLoop().Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		if c.closed || c.closing {
			if drop != nil {
				drop()
			}
			return nil
		}
		if err := guard(fn); err != nil {
			c.Fail(err)
			return nil
		}
		c.resume()
		return nil
	}))
	if err != nil {
		c.Log.Debug("netpoll: loop gone", "err", err)
		if drop != nil {
			drop()
		}
	}
}

// resume lets the session handle input that waited while it was paused.
func (c *Conn) resume() {
	if c.closing || c.ending || c.Conn.InboundBuffered() == 0 {
		return
	}
	if err := c.traffic(); err != nil {
		c.Fail(err)
	}
}

// traffic lets the session consume its input, counting the bytes; a panic
// in the session is returned as a *PanicError.
func (c *Conn) traffic() error {
	before := c.Conn.InboundBuffered()
	err := guard(func() error { return c.session.OnTraffic(c) })
	n := uint64(before - c.Conn.InboundBuffered())
	c.BytesIn.Add(n)
	c.engine.bytesIn.Add(n)
	return err
}

// Kick closes the connection from any goroutine (the API's DELETE).
func (c *Conn) Kick(reason error) {
	c.Do(func() error { return reason })
}

// Loop is the live core's state of the connection's event loop.
func (c *Conn) Loop() *live.Loop { return c.loop.live }

// SetSession replaces the state machine (e.g. after protocol detection).
func (c *Conn) SetSession(s Session) { c.session = s }

// Session returns the connection's state machine.
func (c *Conn) Session() Session { return c.session }

// Fail closes the connection because of err (logged once when it closes).
func (c *Conn) Fail(err error) {
	if c.closing {
		return
	}
	c.closing = true
	c.closeErr = err
	_ = c.Conn.Close()
}

// Close implements live.Sink.
func (c *Conn) Close(err error) { c.Fail(err) }

// CloseGracefully ends the connection once what was written is sent; the
// session sees no more input. A peer that never reads is left to the
// connection's deadline.
func (c *Conn) CloseGracefully() {
	if c.Drained() {
		c.Fail(nil)
		return
	}
	c.ending = true
	_ = c.checkOutbound()
}

// SetDeadline closes the connection with ErrTimeout at t unless it is moved
// or cleared (zero t) before. Used for handshakes and request heads.
func (c *Conn) SetDeadline(t time.Time) {
	c.deadline = t
	if !t.IsZero() && !c.timed {
		c.timed = true
		c.loop.timed = append(c.loop.timed, c)
	}
}

// Write sends b, a protocol reply: what the socket does not take at once is
// copied (into gnet's buffer), so b is free when Write returns. The copies
// are bounded: over Options.MaxOutbound the peer is not reading, and the
// connection closes with ErrOutboundFull.
func (c *Conn) Write(b []byte) (int, error) {
	if c.closing {
		return 0, net.ErrClosed
	}
	c.BytesOut.Add(uint64(len(b)))
	c.engine.bytesOut.Add(uint64(len(b)))
	if len(c.out) > 0 {
		// Behind queued output: wait in line, as a copy.
		c.enqueue(append([]byte(nil), b...), nil)
	} else if _, err := c.Conn.Write(b); err != nil {
		return 0, err
	}
	return len(b), c.checkOutbound()
}

// Send writes head then body after everything written before, without
// copying body: what the socket does not take at once waits in the
// connection's queue and is written as the socket drains. The unsent part of head is copied; body is kept as it is until
// written and must not change, and owner (which may be nil) is released
// then, or when the connection closes. Send takes over owner's reference
// even when it fails. A body without an owner counts against MaxOutbound
// as copies do; one with an owner is shared memory and does not.
func (c *Conn) Send(head, body []byte, owner *buffer.Buffer) error {
	if c.closing {
		if owner != nil {
			owner.Release()
		}
		return net.ErrClosed
	}
	total := len(head) + len(body)
	c.BytesOut.Add(uint64(total))
	c.engine.bytesOut.Add(uint64(total))
	sent := 0
	if len(c.out) == 0 && c.flushGnet() {
		pair := &c.loop.pair
		pair[0], pair[1] = head, body
		n, err := c.writev(pair[:])
		pair[0], pair[1] = nil, nil
		if err != nil {
			if owner != nil {
				owner.Release()
			}
			c.Fail(err)
			return err
		}
		sent = n
	}
	if sent < len(head) {
		c.enqueue(append([]byte(nil), head[sent:]...), nil)
		sent = len(head)
	}
	if rest := body[sent-len(head):]; len(rest) > 0 {
		c.enqueue(rest, owner)
	} else if owner != nil {
		owner.Release()
	}
	return c.checkOutbound()
}

// SendFile writes head then n bytes of f from off after everything
// written before, with sendfile(2): the kernel hands the file's pages to
// the socket without copying them through user memory. head goes first
// with MSG_MORE, so that head and body leave in full packets. The unsent
// part of head is copied; the rest of the file waits in the queue by
// reference, like Send's body (it does not count against MaxOutbound),
// and f is released once written or when the connection closes. SendFile
// takes over f's reference even when it fails.
func (c *Conn) SendFile(head []byte, f *buffer.File, off, n int64) error {
	if c.closing {
		f.Release()
		return net.ErrClosed
	}
	total := uint64(int64(len(head)) + n)
	c.BytesOut.Add(total)
	c.engine.bytesOut.Add(total)
	sent := 0
	p := outPiece{file: f, off: off, n: n}
	if len(c.out) == 0 && c.flushGnet() {
		var err error
		pair := &c.loop.pair
		pair[0] = head
		sent, err = c.send(pair[:1], n > 0)
		pair[0] = nil
		if err == nil && sent == len(head) && n > 0 {
			err = c.sendfile(&p)
		}
		if err != nil {
			f.Release()
			c.Fail(err)
			return err
		}
	}
	if sent < len(head) {
		c.enqueue(append([]byte(nil), head[sent:]...), nil)
	}
	if p.n > 0 {
		c.out = append(c.out, p)
	} else {
		f.Release()
	}
	return c.checkOutbound()
}

// Drained reports whether everything written reached the socket.
func (c *Conn) Drained() bool { return len(c.out) == 0 && c.Conn.OutboundBuffered() == 0 }

// Outbound is what is queued for the peer: copies (gnet's buffer and the
// connection's own) and shared bytes kept by reference.
func (c *Conn) Outbound() (copied, shared int) {
	copied = c.Conn.OutboundBuffered() + c.outOwned
	for _, p := range c.out {
		if p.owner != nil || p.file != nil {
			shared += int(p.size())
		}
	}
	return copied, shared
}

func (c *Conn) enqueue(b []byte, owner *buffer.Buffer) {
	c.out = append(c.out, outPiece{b: b, owner: owner})
	if owner == nil {
		c.outOwned += len(b)
	}
}

// checkOutbound closes the connection when its copies went over the
// bound, and otherwise has the loop watch it until it drains.
func (c *Conn) checkOutbound() error {
	if c.closing {
		return net.ErrClosed
	}
	if copied := c.Conn.OutboundBuffered() + c.outOwned; copied > c.engine.opts.MaxOutbound {
		err := fmt.Errorf("%w: %d bytes queued, limit %d", ErrOutboundFull, copied, c.engine.opts.MaxOutbound)
		c.Fail(err)
		return err
	}
	if !c.Drained() {
		c.waitWritable()
	}
	return nil
}

// waitWritable has the rest written when the socket can take it: on a
// writable event, or at the latest on the loop's tick.
func (c *Conn) waitWritable() {
	c.draining = true
	if !c.inList {
		c.inList = true
		c.loop.draining = append(c.loop.draining, c)
	}
	c.engine.writable.watch(c)
}

// drainNow writes what waits; once all is written it closes a connection
// that is ending, or tells a Drainer session and lets it read on. It
// reports whether all was written.
func (c *Conn) drainNow() bool {
	if !c.flushGnet() || !c.flushQueue() {
		if !c.closing {
			c.waitWritable()
		}
		return false
	}
	c.draining = false
	if c.ending {
		c.Fail(nil)
		return true
	}
	if d, ok := c.session.(Drainer); ok {
		if err := guard(func() error { return d.OnDrained(c) }); err != nil {
			c.Fail(err)
			return true
		}
		c.resume()
	}
	return true
}

// flushGnet writes what gnet buffered; it reports whether its buffer is
// empty after.
func (c *Conn) flushGnet() bool {
	if c.Conn.OutboundBuffered() == 0 {
		return true
	}
	if err := c.Conn.Flush(); err != nil {
		c.Fail(err)
		return false
	}
	return c.Conn.OutboundBuffered() == 0
}

// flushQueue writes queued output as far as the socket takes it and
// reports whether the queue is empty after.
func (c *Conn) flushQueue() bool {
	for len(c.out) > 0 {
		if p := &c.out[0]; p.file != nil {
			if err := c.sendfile(p); err != nil {
				c.Fail(err)
				return false
			}
			if p.n > 0 {
				return false // the socket is full
			}
			c.release(*p)
			c.popFront(1)
			continue
		}
		// The slices up to the next file piece, in one writev(2); with
		// MSG_MORE when a file follows (an HTTP head and its body).
		bufs := c.loop.bufs[:0]
		more := false
		for _, p := range c.out[:min(len(c.out), maxIov)] {
			if p.file != nil {
				more = true
				break
			}
			bufs = append(bufs, p.b)
		}
		n, err := c.send(bufs, more)
		clear(bufs)
		c.loop.bufs = bufs[:0]
		if err != nil {
			c.Fail(err)
			return false
		}
		done := 0
		for done < len(c.out) && c.out[done].file == nil && n >= len(c.out[done].b) {
			p := c.out[done]
			n -= len(p.b)
			c.release(p)
			done++
		}
		if done < len(c.out) && n > 0 {
			p := &c.out[done]
			if p.owner == nil {
				c.outOwned -= n
			}
			p.b = p.b[n:]
		}
		c.popFront(done)
		if len(c.out) > 0 && done == 0 {
			return false // the socket is full
		}
	}
	return true
}

// popFront drops the first n pieces of the queue (written and released).
func (c *Conn) popFront(n int) {
	rest := copy(c.out, c.out[n:])
	clear(c.out[rest:])
	c.out = c.out[:rest]
}

func (c *Conn) release(p outPiece) {
	if p.file != nil {
		p.file.Release()
	} else if p.owner != nil {
		p.owner.Release()
	} else {
		c.outOwned -= len(p.b)
	}
}

// dropQueue releases what was never written (the connection closed).
func (c *Conn) dropQueue() {
	for _, p := range c.out {
		c.release(p)
	}
	clear(c.out)
	c.out = nil
}

// Writev implements live.Sink: one writev(2) of bufs straight from the
// shared buffers. It returns how many bytes the socket took, and a nil
// error when it would block.
func (c *Conn) Writev(bufs [][]byte) (int, error) {
	if c.closing {
		return 0, net.ErrClosed
	}
	if c.Conn.OutboundBuffered() > 0 || len(c.out) > 0 {
		// Earlier replies still wait: they go first.
		if !c.flushGnet() || !c.flushQueue() {
			if c.closing {
				return 0, net.ErrClosed
			}
			return 0, nil
		}
	}
	n, err := c.writev(bufs)
	if n > 0 {
		c.BytesOut.Add(uint64(n))
		c.engine.bytesOut.Add(uint64(n))
	}
	return n, err
}

// maxIov is the most slices one writev(2) takes (IOV_MAX).
const maxIov = 1024

// writev is one writev(2) of bufs (at most maxIov non-empty ones) on the
// socket; it returns how many bytes the socket took, 0 and no error when
// it would block.
func (c *Conn) writev(bufs [][]byte) (int, error) { return c.send(bufs, false) }

// send is writev, or with more a sendmsg(2) with MSG_MORE: the kernel
// holds a last partial packet for what the next call (a sendfile) adds.
func (c *Conn) send(bufs [][]byte, more bool) (int, error) {
	iov := c.loop.iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		var v unix.Iovec
		v.Base = &b[0]
		v.SetLen(len(b))
		iov = append(iov, v)
	}
	c.loop.iov = iov
	if len(iov) == 0 {
		return 0, nil
	}
	var msg unix.Msghdr
	if more {
		msg.Iov = &iov[0]
		msg.SetIovlen(len(iov))
	}
	for {
		var (
			n     uintptr
			errno unix.Errno
		)
		if more {
			n, _, errno = unix.Syscall(unix.SYS_SENDMSG, uintptr(c.Fd()), uintptr(unsafe.Pointer(&msg)), unix.MSG_MORE|unix.MSG_NOSIGNAL)
		} else {
			n, _, errno = unix.Syscall(unix.SYS_WRITEV, uintptr(c.Fd()), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
		}
		if errno == unix.EINTR {
			continue
		}
		clear(iov) // drop pointers into shared buffers
		switch errno {
		case 0:
			return int(n), nil
		case unix.EAGAIN:
			return 0, nil
		default:
			return 0, fmt.Errorf("netpoll: writev: %w", errno)
		}
	}
}

// sendfile writes what the socket takes of the file piece p with one
// sendfile(2), advancing p. A short write means the socket is full (the
// writable event says when to go on, so no second call to see EAGAIN);
// that is no error.
func (c *Conn) sendfile(p *outPiece) error {
	for {
		off := p.off
		n, err := unix.Sendfile(c.Fd(), p.file.Fd(), &off, int(min(p.n, 1<<30)))
		if n > 0 {
			p.off += int64(n)
			p.n -= int64(n)
		}
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return nil
		case err != nil:
			return fmt.Errorf("netpoll: sendfile %s: %w", p.file.Name(), err)
		case n == 0 && p.n > 0:
			// The file is shorter than the piece: it changed after it
			// was shared, and the response cannot be completed.
			return fmt.Errorf("netpoll: sendfile %s: %w", p.file.Name(), io.ErrUnexpectedEOF)
		}
		return nil
	}
}

// Peek returns all buffered input without consuming it.
func (c *Conn) PeekAll() []byte {
	b, _ := c.Conn.Peek(-1)
	return b
}

// IsNormalClose reports errors that end a connection without being worth a
// warning: the peer closed or reset it.
func IsNormalClose(err error) bool {
	return err == nil || errors.Is(err, io.EOF) || errors.Is(err, unix.ECONNRESET) ||
		errors.Is(err, unix.EPIPE) || errors.Is(err, net.ErrClosed)
}
