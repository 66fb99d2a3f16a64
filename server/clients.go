package server

import (
	"net/netip"
	"sync"
	"time"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/streamreq"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
)

// clientInfo is a connection as the HTTP API, the metrics and the callbacks
// see it. Its fields change on the connection's loop under mu and are read
// from anywhere.
type clientInfo struct {
	peer peer

	mu      sync.Mutex
	typ     string // api.Client* (rtmp-play, fmle-publish, flv-play…)
	req     StreamRequest
	pageURL string
	swfURL  string
	publish bool
	src     *live.Source
	kbps    api.KbpsMeter
}

// peer is what stands behind a client: a connection of the event loops,
// or a session of another kind (a caster's socket, an edge's pull).
type peer interface {
	ClientID() string
	RemoteIP() netip.Addr
	Since() time.Time
	Bytes() (in, out uint64)
	Kick(reason error)
}

// lossPeer is a peer whose input counts lost packets (a caster's
// publisher).
type lossPeer interface{ LostPackets() uint64 }

// connPeer is an event loop's connection as a peer. Its address is taken
// once, on the loop: the API and the cluster read it from elsewhere, while
// the loop may be closing the connection.
type connPeer struct {
	*netpoll.Conn
	ip netip.Addr
}

func (c connPeer) ClientID() string        { return c.ID }
func (c connPeer) RemoteIP() netip.Addr    { return c.ip }
func (c connPeer) Since() time.Time        { return c.Accepted }
func (c connPeer) Bytes() (in, out uint64) { return c.BytesIn.Load(), c.BytesOut.Load() }

func (s *Server) addClient(c *netpoll.Conn) *clientInfo { return s.addPeer(connPeer{c, ipOf(c)}) }

func (s *Server) addPeer(p peer) *clientInfo {
	cl := &clientInfo{peer: p}
	s.clients.Store(p.ClientID(), cl)
	s.clientsTotal.Add(1)
	return cl
}

func (s *Server) removeClient(c *netpoll.Conn, err error) { s.removePeer(c.ID, err) }

func (s *Server) removePeer(id string, err error) {
	s.clients.Delete(id)
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
func ipOf(c *netpoll.Conn) netip.Addr { return streamreq.ClientIP(c) }

// hookConn is the part of every callback that describes the connection.
func hookConn(c *netpoll.Conn, req *StreamRequest) hooks.Conn {
	return streamreq.HookConn(c, (*streamreq.Request)(req))
}

// sampleRates feeds the 30 s rate meters of clients (every 5 s).
func (s *Server) sampleRates(now time.Time) {
	s.clients.Range(func(_, v any) bool {
		cl := v.(*clientInfo)
		in, out := cl.peer.Bytes()
		cl.kbps.Sample(now, in, out)
		return true
	})
	for _, src := range s.reg.Sources() {
		s.streamMeter(src).Sample(now, src.Stats.BytesIn.Load(), s.streamBytesOut(src))
	}
}

// Connect, Attach and Detach make a client an rtmpconn.Client.

func (cl *clientInfo) Connect(req streamreq.Request, pageURL, swfURL string) {
	cl.update(func(cl *clientInfo) { cl.req, cl.pageURL, cl.swfURL = StreamRequest(req), pageURL, swfURL })
}

func (cl *clientInfo) Attach(req streamreq.Request, src *live.Source, typ string, publish bool) {
	cl.update(func(cl *clientInfo) { cl.req, cl.src, cl.typ, cl.publish = StreamRequest(req), src, typ, publish })
}

func (cl *clientInfo) Detach() { cl.update(func(cl *clientInfo) { cl.publish, cl.src = false, nil }) }
