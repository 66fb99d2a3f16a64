package netpoll

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pusher writes a pattern with Writev as fast as the socket takes it, a
// little more at each event (traffic or an explicit nudge).
type pusher struct {
	mu      sync.Mutex
	pattern []byte
	sent    int
	short   int // writes the socket took only part of
	closed  error
}

func (p *pusher) push(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.sent < len(p.pattern) {
		chunk := p.pattern[p.sent:min(p.sent+64<<10, len(p.pattern))]
		n, err := c.Writev([][]byte{chunk[:len(chunk)/2], chunk[len(chunk)/2:]})
		if err != nil {
			return
		}
		p.sent += n
		if n < len(chunk) {
			p.short++
			return // the socket is full: wait for the next nudge
		}
	}
}

func (p *pusher) OnTraffic(c *Conn) error {
	_, _ = c.Discard(c.InboundBuffered())
	p.push(c)
	return nil
}

func (p *pusher) OnClose(_ *Conn, err error) {
	p.mu.Lock()
	p.closed = err
	p.mu.Unlock()
}

func newEngine(t *testing.T, max int) (*Engine, net.Listener) {
	e, err := New(Options{EventLoops: 1, MaxConnections: max, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	require.NoError(t, e.Start())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Stop() })
	return e, ln
}

// TestWritevPartialAndOrder: direct writev stops when the socket is full
// (no copy into gnet's buffer), resumes, and the reader gets every byte in
// order.
func TestWritevPartialAndOrder(t *testing.T) {
	e, ln := newEngine(t, 0)
	pattern := make([]byte, 16<<20)
	for i := range pattern {
		pattern[i] = byte(i*7 + i>>11)
	}
	p := &pusher{pattern: pattern}
	var conn *Conn
	opened := make(chan struct{})
	e.Serve(ln, "test", func(c *Conn) Session { conn = c; close(opened); return p })
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	<-opened
	_, err = c.Write([]byte("go"))
	require.NoError(t, err)

	var got bytes.Buffer
	buf := make([]byte, 256<<10)
	deadline := time.Now().Add(20 * time.Second)
	for got.Len() < len(pattern) && time.Now().Before(deadline) {
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, _ := c.Read(buf)
		got.Write(buf[:n])
		if n == 0 {
			conn.Do(func() error { p.push(conn); return nil }) // nudge: the socket drained
		}
	}
	require.Equal(t, len(pattern), got.Len())
	assert.True(t, bytes.Equal(pattern, got.Bytes()), "every byte, in order")
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Greater(t, p.short, 0, "the socket filled at least once")
	assert.Zero(t, conn.Conn.OutboundBuffered(), "nothing was copied into gnet's buffer")
	assert.Equal(t, uint64(len(pattern)), conn.BytesOut.Load())
}

type idle struct{ closed chan error }

func (s *idle) OnTraffic(*Conn) error      { return nil }
func (s *idle) OnClose(_ *Conn, err error) { s.closed <- err }

// TestDeadlineAndMaxConnections: a connection past its deadline is closed
// with ErrTimeout; over the limit, new connections are closed at once.
func TestDeadlineAndMaxConnections(t *testing.T) {
	e, ln := newEngine(t, 1)
	s := &idle{closed: make(chan error, 4)}
	e.Serve(ln, "test", func(c *Conn) Session {
		c.SetDeadline(time.Now().Add(200 * time.Millisecond))
		return s
	})
	first, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer first.Close()
	time.Sleep(50 * time.Millisecond)
	second, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer second.Close()
	_ = second.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = second.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "over max_connections: closed at once")

	select {
	case err := <-s.closed:
		assert.True(t, errors.Is(err, ErrTimeout), "got %v", err)
	case <-time.After(3 * time.Second):
		t.Fatal("the deadline did not close the connection")
	}
}

// TestMaxConnectionsAcrossListeners: listeners accepting at the same time
// never open more than MaxConnections between them.
func TestMaxConnectionsAcrossListeners(t *testing.T) {
	const max, dials = 5, 60
	e, ln1 := newEngine(t, max)
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	opened, peak := 0, 0
	newSession := func(*Conn) Session {
		mu.Lock()
		opened++
		peak = opened
		mu.Unlock()
		return &idle{closed: make(chan error, 1)}
	}
	e.Serve(ln1, "one", newSession)
	e.Serve(ln2, "two", newSession)
	var wg sync.WaitGroup
	for i := range dials {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr := ln1.Addr().String()
			if i%2 == 1 {
				addr = ln2.Addr().String()
			}
			c, err := net.Dial("tcp", addr)
			if err == nil {
				t.Cleanup(func() { c.Close() })
			}
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { return e.Connections() == max }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // let every accept finish
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, max, peak, "never more than max_connections")
	assert.Equal(t, max, e.Connections())
}
