package api

import (
	"net"
	"sync"
	"sync/atomic"
)

// LimitListener returns a listener that holds at most n of ln's
// connections open at once. A connection over the limit is closed as soon
// as it is accepted (a client is told at once rather than left waiting in
// the backlog), after refused, if not nil, is told of it.
func LimitListener(ln net.Listener, n int, refused func(net.Conn)) net.Listener {
	return &limitListener{Listener: ln, max: int64(n), refused: refused}
}

type limitListener struct {
	net.Listener
	max     int64
	open    atomic.Int64
	refused func(net.Conn)
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return &limitedConn{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		if l.refused != nil {
			l.refused(c)
		}
		_ = c.Close()
	}
}

// limitedConn gives its slot back when it is closed (once).
type limitedConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitedConn) Close() error {
	// The slot first: once the peer sees the close, a new connection may
	// take it.
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}
