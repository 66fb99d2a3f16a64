package listen

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxPending bounds the connections a Demux is classifying at once; more
// wait in the kernel's accept queue.
const maxPending = 1024

// peekSize is how much of a request a Demux looks at: enough for the
// method and the start of the path.
const peekSize = 64

// A Demux shares one listening socket between two servers: a connection
// whose first HTTP request's path starts with one of the prefixes is
// accepted by Matched, any other by Rest. It looks at the request with
// MSG_PEEK, so the chosen server reads the connection from its first byte,
// and the connection itself (a *net.TCPConn) is handed over unchanged.
//
// A connection is routed by its first request: a keep-alive connection
// that asks for the API and then for a stream stays with the API server.
type Demux struct {
	ln       net.Listener
	prefixes []string
	timeout  time.Duration
	matched  *side
	rest     *side

	mu   sync.Mutex
	open int // sides not closed yet
}

// NewDemux starts sharing ln. A connection that sends nothing within
// timeout goes to Rest, whose server applies its own timeouts.
func NewDemux(ln net.Listener, prefixes []string, timeout time.Duration) *Demux {
	d := &Demux{ln: ln, prefixes: prefixes, timeout: timeout, open: 2}
	d.matched = &side{d: d, conns: make(chan net.Conn), closed: make(chan struct{})}
	d.rest = &side{d: d, conns: make(chan net.Conn), closed: make(chan struct{})}
	go d.accept()
	return d
}

// Matched is the listener of the connections whose path has a prefix.
func (d *Demux) Matched() net.Listener { return d.matched }

// Rest is the listener of the other connections.
func (d *Demux) Rest() net.Listener { return d.rest }

func (d *Demux) accept() {
	sem := make(chan struct{}, maxPending)
	var delay time.Duration
	for {
		sem <- struct{}{}
		c, err := d.ln.Accept()
		if err != nil {
			<-sem
			if errors.Is(err, net.ErrClosed) {
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		go func() {
			defer func() { <-sem }()
			to := d.rest
			if d.classify(c) {
				to = d.matched
			}
			select {
			case to.conns <- c:
			case <-to.closed:
				_ = c.Close()
			}
		}()
	}
}

// classify reports whether c's first request has one of the prefixes.
func (d *Demux) classify(c net.Conn) bool {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return false
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	deadline := time.Now().Add(d.timeout)
	_ = tc.SetReadDeadline(deadline)
	defer tc.SetReadDeadline(time.Time{})
	buf := make([]byte, peekSize)
	for {
		var n int
		var perr error
		err := raw.Read(func(fd uintptr) bool {
			n, _, perr = syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK)
			return !errors.Is(perr, syscall.EAGAIN)
		})
		if err != nil || perr != nil || n == 0 {
			return false
		}
		if match, done := d.match(buf[:n]); done {
			return match
		}
		if n == len(buf) || time.Now().After(deadline) {
			return false
		}
		// Part of the request line is here: the socket stays readable, so
		// wait a little for the rest instead of spinning.
		time.Sleep(5 * time.Millisecond)
	}
}

// match decides from the start of a request whether its path has one of
// the prefixes; done is false while more bytes could change the answer.
func (d *Demux) match(b []byte) (match, done bool) {
	sp := bytes.IndexByte(b, ' ')
	if sp < 0 {
		return false, len(b) >= 16 // no method is that long
	}
	path := string(b[sp+1:])
	complete := strings.ContainsAny(path, " \r\n?")
	for _, p := range d.prefixes {
		if strings.HasPrefix(path, p) {
			return true, true
		}
		if !complete && strings.HasPrefix(p, path) {
			return false, false // could still become p
		}
	}
	return false, true
}

// closeSide closes the shared socket once both sides are closed.
func (d *Demux) closeSide() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.open--
	if d.open == 0 {
		_ = d.ln.Close()
	}
}

// side is one of a Demux's listeners.
type side struct {
	d     *Demux
	conns chan net.Conn

	once   sync.Once
	closed chan struct{}
}

func (s *side) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.closed:
		return nil, net.ErrClosed
	}
}

func (s *side) Close() error {
	s.once.Do(func() {
		close(s.closed)
		s.d.closeSide()
	})
	return nil
}

func (s *side) Addr() net.Addr { return s.d.ln.Addr() }
