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

	"github.com/cascade-live/cascade/live"
)

// ErrTimeout closes a connection whose deadline passed.
var ErrTimeout = errors.New("netpoll: deadline exceeded")

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

	closed bool        // OnClose ran
	opened atomic.Bool // OnOpen ran (read by the accepting goroutine)

	// Bytes counted on the loop, read by the API and metrics anywhere.
	BytesIn, BytesOut atomic.Uint64
}

// Do runs fn on the connection's loop, unless the connection has closed by
// then, and afterwards lets the session handle input that waited (a session
// pauses while a callback decides on it). An error from either closes the
// connection. Safe from any goroutine.
func (c *Conn) Do(fn func() error) {
	err := c.Conn.EventLoop().Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		if c.closed || c.closing {
			return nil
		}
		if err := guard(fn); err != nil {
			c.Fail(err)
			return nil
		}
		if c.closing || c.Conn.InboundBuffered() == 0 {
			return nil
		}
		if err := c.traffic(); err != nil {
			c.Fail(err)
		}
		return nil
	}))
	if err != nil {
		c.Log.Debug("netpoll: loop gone", "err", err)
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

// CloseWrite ends the connection after what was written is sent.
func (c *Conn) CloseGracefully() { c.Fail(nil) }

// SetDeadline closes the connection with ErrTimeout at t unless it is moved
// or cleared (zero t) before. Used for handshakes and request heads.
func (c *Conn) SetDeadline(t time.Time) {
	c.deadline = t
	if !t.IsZero() && !c.timed {
		c.timed = true
		c.loop.timed = append(c.loop.timed, c)
	}
}

// Write sends b through gnet (which buffers what the socket does not take).
// For protocol replies before a connection starts playing.
func (c *Conn) Write(b []byte) (int, error) {
	c.BytesOut.Add(uint64(len(b)))
	c.engine.bytesOut.Add(uint64(len(b)))
	return c.Conn.Write(b)
}

// Writev implements live.Sink: one writev(2) of bufs straight from the
// shared buffers. It returns how many bytes the socket took, and a nil
// error when it would block.
func (c *Conn) Writev(bufs [][]byte) (int, error) {
	if c.closing {
		return 0, net.ErrClosed
	}
	if c.Conn.OutboundBuffered() > 0 {
		// gnet still holds earlier replies: they go first.
		if err := c.Conn.Flush(); err != nil || c.Conn.OutboundBuffered() > 0 {
			return 0, err
		}
	}
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
	for {
		n, _, errno := unix.Syscall(unix.SYS_WRITEV, uintptr(c.Fd()), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
		switch errno {
		case 0:
			c.BytesOut.Add(uint64(n))
			c.engine.bytesOut.Add(uint64(n))
			clear(iov) // drop pointers into shared buffers
			return int(n), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			clear(iov)
			return 0, nil
		default:
			clear(iov)
			return 0, fmt.Errorf("netpoll: writev: %w", errno)
		}
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
