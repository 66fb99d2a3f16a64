package server

import (
	"context"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/edge"
	"github.com/cascade-live/cascade/internal/httpconn"
	"github.com/cascade-live/cascade/netpoll"
)

// httpServer is what the connections of the HTTP server's ports share
// (internal/httpconn serves each); Start makes it, once admission exists.
func (s *Server) httpServer() *httpconn.Server {
	return &httpconn.Server{Host: httpHost{s}, Registry: s.reg, Admission: s.admission, Edge: s.cluster.edge,
		Disk: s.disk, Playlists: s.hlsStore, Files: s.memFiles, HLSSessions: &s.hlsSessions,
		Software: "cascade/" + Version, RequestHeadTimeout: s.RequestHeadTimeout, IdleTimeout: s.IdleTimeout, Done: s.done}
}

func (s *Server) newHTTPSession(c *netpoll.Conn) netpoll.Session { return s.http.NewConn(c) }

// httpHost is the server as its HTTP connections see it (httpconn.Host).
type httpHost struct{ s *Server }

func (h httpHost) State() httpconn.State                     { return h.s.state.Load() }
func (h httpHost) AddClient(c *netpoll.Conn) httpconn.Client { return h.s.addClient(c) }
func (h httpHost) RemoveClient(c *netpoll.Conn, err error)   { h.s.removeClient(c, err) }
func (h httpHost) Emit(vhost string, p hooks.Payload)        { h.s.emit(vhost, p) }
func (h httpHost) Publishing(vhost, app, stream string) bool {
	return h.s.cluster.publishing(vhost, app, stream)
}

func (h httpHost) Locate(ctx context.Context, cc *edge.Config, vhost, host, app, stream string) (string, bool) {
	// locate reads only the vhost's cluster settings.
	loc, ok := h.s.cluster.locate(ctx, &vhostState{cluster: *cc}, vhost, host, app, stream)
	return loc.HTTP, ok
}

// Config and Vhost make a loaded configuration an httpconn.State.

func (st *state) Config() *config.Config { return st.cfg }

func (st *state) Vhost(v *config.Vhost) httpconn.Vhost {
	vs := st.vhost(v)
	return httpconn.Vhost{Live: vs.live, HLS: &vs.hls, Cluster: &vs.cluster, RTSP: &vs.rtsp}
}

// expireHLS fires on_stop for HLS players that went away.
func (s *Server) expireHLS(now time.Time) {
	for _, hs := range s.hlsSessions.Expire(now) {
		s.log.Info("hls play stopped", "hls_ctx", hs.ID, "stream", hs.Req.StreamURL())
		s.emit(hs.Req.Vhost, hooks.OnStop(streamEvent(hs.Conn, (*StreamRequest)(&hs.Req), "")))
	}
}
