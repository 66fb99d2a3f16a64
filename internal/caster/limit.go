package caster

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// LimitListener returns a listener that holds at most n accepted
// connections open at once (n <= 0: no limit); a connection past the limit
// is closed as soon as it is accepted, logged at most once a second.
func LimitListener(ln net.Listener, n int, log *slog.Logger) net.Listener {
	if n <= 0 {
		return ln
	}
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), log: log}
}

type limitListener struct {
	net.Listener
	sem    chan struct{}
	log    *slog.Logger
	logged atomic.Int64 // unix second of the last refusal logged
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.sem <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
		default:
			if now := time.Now().Unix(); l.logged.Swap(now) != now {
				l.log.Warn("too many connections; refusing", "from", c.RemoteAddr().String(), "max", cap(l.sem))
			}
			_ = c.Close()
		}
	}
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
