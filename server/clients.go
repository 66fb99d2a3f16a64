package server

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
)

// clientInfo is a connection as the HTTP API, the metrics and the callbacks
// see it. Its fields change on the connection's loop under mu and are read
// from anywhere.
type clientInfo struct {
	conn *netpoll.Conn

	mu      sync.Mutex
	typ     string // api.Client* (rtmp-play, fmle-publish, flv-play…)
	req     StreamRequest
	pageURL string
	swfURL  string
	publish bool
	src     *live.Source
	kbps    api.KbpsMeter
}

func (s *Server) addClient(c *netpoll.Conn) *clientInfo {
	cl := &clientInfo{conn: c}
	s.clients.Store(c.ID, cl)
	s.clientsTotal.Add(1)
	return cl
}

func (s *Server) removeClient(c *netpoll.Conn, err error) {
	s.clients.Delete(c.ID)
	if !netpoll.IsNormalClose(err) {
		s.clientErrors.Add(1)
	}
}

// update changes the client's description under its lock.
func (cl *clientInfo) update(fn func(cl *clientInfo)) {
	cl.mu.Lock()
	fn(cl)
	cl.mu.Unlock()
}

// ipOf is the client's address for security rules and callbacks.
func ipOf(c *netpoll.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}

// hookConn is the part of every callback that describes the connection.
func hookConn(c *netpoll.Conn, req *StreamRequest) hooks.Conn {
	return hooks.Conn{ClientID: c.ID, IP: ipOf(c).String(), Vhost: req.Vhost, App: req.App}
}

// sampleRates feeds the 30 s rate meters of clients (every 5 s).
func (s *Server) sampleRates(now time.Time) {
	s.clients.Range(func(_, v any) bool {
		cl := v.(*clientInfo)
		cl.kbps.Sample(now, cl.conn.BytesIn.Load(), cl.conn.BytesOut.Load())
		return true
	})
	for _, src := range s.reg.Sources() {
		s.streamMeter(src).Sample(now, src.Stats.BytesIn.Load(), s.streamBytesOut(src))
	}
}
