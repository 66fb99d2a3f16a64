package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/http1"
	"github.com/cascade-live/cascade/internal/coworkers"
	"github.com/cascade-live/cascade/internal/directory"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/rtmp"
)

// cluster wires the cluster roles of SRS into the server: origin cluster
// redirects and /api/v1/clusters, the Redis stream directory, edges and
// forwards.
type cluster struct {
	srv *Server
	log *slog.Logger
	dir *directory.Directory // nil without stream_directory
}

func newCluster(s *Server, cfg *config.Config) (*cluster, error) {
	c := &cluster{srv: s, log: s.log}
	dc, err := directory.ParseConfig(cfg.Root.Get("stream_directory"))
	if err != nil {
		return nil, err
	}
	if dc.Enabled {
		if c.dir, err = directory.New(dc, s.log, func() directory.Record { return c.self(dc.Advertise) }); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *cluster) close() {
	if c.dir != nil {
		_ = c.dir.Close()
	}
}

// self is this server's entry in the stream directory.
func (c *cluster) self(advertise string) directory.Record {
	at := func(a net.Addr) string {
		if a == nil {
			return ""
		}
		host, port, _ := net.SplitHostPort(a.String())
		if advertise != "" {
			host = advertise
		}
		return net.JoinHostPort(host, port)
	}
	return directory.Record{RTMP: at(c.srv.RTMPAddr()), HTTP: at(c.srv.HTTPAddr()), API: at(c.srv.MgmtAddr("api")),
		ServerID: c.srv.serverID}
}

// publishing reports whether this server publishes vhost/app/stream.
func (c *cluster) publishing(vhost, app, stream string) bool {
	src := c.srv.reg.Lookup(live.Key(vhost, app, stream))
	return src != nil && src.Publishing()
}

// location is where another origin publishes a stream.
type location struct{ RTMP, HTTP string }

// locate finds the origin of a stream this server does not publish: the
// stream directory first, then the coworkers, as SRS asks them.
func (c *cluster) locate(ctx context.Context, vs *vhostState, vhost, host, app, stream string) (location, bool) {
	me := c.self("")
	if c.dir != nil {
		r, ok, err := c.dir.Lookup(ctx, vhost, app, stream)
		if err != nil {
			c.log.Warn("stream_directory: lookup failed, asking coworkers", "stream", vhost+"/"+app+"/"+stream, "err", err)
		}
		if ok && r.ServerID != c.srv.serverID {
			return location{RTMP: r.RTMP, HTTP: r.HTTP}, true
		}
	}
	if len(vs.cluster.Coworkers) == 0 {
		return location{}, false
	}
	o, err := coworkers.Find(ctx, vs.cluster.Coworkers, vhost, host, app, stream)
	if err != nil {
		c.log.Info("origin cluster: no coworker publishes the stream", "stream", vhost+"/"+app+"/"+stream, "err", err)
		return location{}, false
	}
	if o.RTMP() == me.RTMP {
		return location{}, false // ourselves, listed as a coworker
	}
	return location{RTMP: o.RTMP(), HTTP: o.HTTP()}, true
}

// Cluster answers /api/v1/clusters: this server's address when it
// publishes the stream, else nil (JSON null), as SRS's coworkers do.
func (p *provider) Cluster(vhost, ip, app, stream, coworker string) any {
	s := p.s
	v := s.Config().Vhost(vhost)
	if v == nil || !s.cluster.publishing(v.Name, app, stream) {
		return nil
	}
	return coworkers.Describe(s.RTMPAddr(), s.HTTPAddr(), s.MgmtAddr("api"), v.Name, coworker)
}

// redirectTimeout is how long a redirected RTMP client may take to leave,
// as SRS waits for it.
const redirectTimeout = 3 * time.Second

// playOrRedirect starts a play, unless the vhost is part of an origin
// cluster and another origin publishes the stream: then the client gets
// SRS's RTMP 302 (NetConnection.Connect.Rejected with ex.redirect) and a
// stream no origin publishes is refused, as SRS does.
func (r *rtmpSession) playOrRedirect(p *rtmp.PlayParams) error {
	vs := r.srv.state.Load().vhost(r.vhost)
	if !vs.cluster.OriginCluster || r.srv.cluster.publishing(r.vhost.Name, r.req.App, r.req.Stream) {
		return r.startPlay(p)
	}
	req := r.req
	r.paused = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		loc, ok := r.srv.cluster.locate(ctx, vs, req.Vhost, req.Host, req.App, req.Stream)
		r.c.Do(func() error {
			r.paused = false
			if !ok {
				r.status("error", rtmp.CodePlayStreamNotFound, "no origin of the cluster publishes "+req.StreamURL())
				return fmt.Errorf("rtmp: play %s: no origin of the cluster publishes it: %w", req.StreamURL(), ErrRejected)
			}
			to := "rtmp://" + loc.RTMP + "/" + req.App + vhostQuery(req.Vhost) + "/" + req.Stream + req.Param
			r.reply(r.streamID, rtmp.RedirectStatus(to))
			r.c.SetDeadline(time.Now().Add(redirectTimeout))
			r.c.Log.Info("rtmp play redirected to the origin of the stream", "stream", req.StreamURL(), "to", to)
			return nil
		})
	}()
	return errPause
}

// vhostQuery names a non-default vhost in a tcUrl, as SRS does.
func vhostQuery(vhost string) string {
	if vhost == "" || vhost == DefaultVhost {
		return ""
	}
	return "?vhost=" + vhost
}

// redirectFLV answers an HTTP-FLV play of a stream this origin does not
// publish, in an origin cluster, with a 302 to the origin that does (or a
// 404). It reports whether it took the request.
func (h *httpSession) redirectFLV(vs *vhostState, v *config.Vhost, req *http1.Request, app, stream string) bool {
	if !vs.cluster.OriginCluster || h.srv.cluster.publishing(v.Name, app, stream) {
		return false
	}
	h.busy = true
	host := hostOnly(req.Host)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		loc, ok := h.srv.cluster.locate(ctx, vs, v.Name, host, app, stream)
		h.c.Do(func() error {
			h.busy = false
			if !ok || loc.HTTP == "" {
				h.c.Log.Info("http play: no origin of the cluster publishes the stream", "vhost", v.Name, "url", req.Path)
				return h.errorReply(req, 404)
			}
			to := "http://" + loc.HTTP + req.Path
			if req.RawQuery != "" {
				to += "?" + req.RawQuery
			}
			b := http1.AppendStatusLine(h.out[:0], 302)
			b = http1.AppendHeader(b, "Location", to)
			b = http1.AppendHeader(b, "Server", "cascade/"+Version)
			b = append(b, "Content-Length: 0\r\n\r\n"...)
			h.out = b[:0]
			_, _ = h.c.Write(b)
			h.c.Log.Info("http play redirected to the origin of the stream", "vhost", v.Name, "url", req.Path, "to", to)
			if !req.KeepAlive {
				h.c.CloseGracefully()
			}
			return nil
		})
	}()
	return true
}
