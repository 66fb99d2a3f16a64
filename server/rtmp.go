package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/admission"
	"github.com/cascade-live/cascade/internal/bandcheck"
	"github.com/cascade-live/cascade/internal/edge"
	"github.com/cascade-live/cascade/internal/rtmpconn"
	"github.com/cascade-live/cascade/internal/streamreq"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
)

// Errors that end an RTMP session.
var (
	ErrRejected     = rtmpconn.ErrRejected
	ErrNotConnected = rtmpconn.ErrNotConnected
)

func (s *Server) newRTMPSession(c *netpoll.Conn) netpoll.Session { return rtmpconn.New(c, rtmpHost{s}) }

// rtmpHost is the server as its RTMP sessions see it (rtmpconn.Host).
type rtmpHost struct{ s *Server }

func (h rtmpHost) HandshakeTimeout() time.Duration      { return h.s.HandshakeTimeout }
func (h rtmpHost) ConnectTimeout() time.Duration        { return h.s.ConnectTimeout }
func (h rtmpHost) Vhost(name string) *config.Vhost      { return h.s.state.Load().cfg.Vhost(name) }
func (h rtmpHost) Live(v *config.Vhost) *live.Config    { return h.s.state.Load().live(v) }
func (h rtmpHost) Cluster(v *config.Vhost) *edge.Config { return &h.s.state.Load().vhost(v).cluster }
func (h rtmpHost) Bandcheck(v *config.Vhost) bandcheck.Config {
	return h.s.state.Load().vhost(v).bwcheck
}
func (h rtmpHost) Registry() *live.Registry                  { return h.s.reg }
func (h rtmpHost) Admission() *admission.Admitter            { return h.s.admission }
func (h rtmpHost) Emit(vhost string, p hooks.Payload)        { h.s.emit(vhost, p) }
func (h rtmpHost) DetachOutputs(src *live.Source)            { h.s.detachOutputs(src) }
func (h rtmpHost) AddClient(c *netpoll.Conn) rtmpconn.Client { return h.s.addClient(c) }
func (h rtmpHost) RemoveClient(c *netpoll.Conn, err error)   { h.s.removeClient(c, err) }
func (h rtmpHost) ClusterLog() *slog.Logger                  { return h.s.cluster.log }

func (h rtmpHost) Publishing(vhost, app, stream string) bool {
	return h.s.cluster.publishing(vhost, app, stream)
}

func (h rtmpHost) AllowBandcheck(ip string, now time.Time, interval time.Duration) bool {
	return h.s.bandLimiter.Allow(ip, now, interval)
}

func (h rtmpHost) AttachOutputs(src *live.Source, v *config.Vhost, req *streamreq.Request, log *slog.Logger, conn hooks.Conn) {
	h.s.attachOutputs(src, v, (*StreamRequest)(req), log, conn)
}

func (h rtmpHost) Locate(ctx context.Context, cc *edge.Config, req *streamreq.Request) (string, bool) {
	// locate reads only the vhost's cluster settings.
	loc, ok := h.s.cluster.locate(ctx, &vhostState{cluster: *cc}, req.Vhost, req.Host, req.App, req.Stream)
	return loc.RTMP, ok
}
