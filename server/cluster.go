package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/coworkers"
	"github.com/cascade-live/cascade/internal/directory"
	"github.com/cascade-live/cascade/internal/edge"
	"github.com/cascade-live/cascade/internal/forward"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/upstream"
	"github.com/cascade-live/cascade/live"
)

// cluster wires the cluster roles of SRS into the server: origin cluster
// redirects and /api/v1/clusters, the Redis stream directory, edges and
// forwards.
type cluster struct {
	srv  *Server
	log  *slog.Logger
	dir  *directory.Directory // nil without stream_directory
	edge *edge.Edge
	jobs chan func()   // slow work of stream events, in order, off the loops
	stop chan struct{} // closed by close: no more jobs
	done chan struct{} // closed when the job goroutine ended

	mu       sync.Mutex
	forwards map[string]*forward.Forwarder // by stream key
}

// maxClusterJobs bounds the stream events waiting for the directory and
// forward backends.
const maxClusterJobs = 4096

func newCluster(s *Server, cfg *config.Config) (*cluster, error) {
	c := &cluster{srv: s, log: s.log, jobs: make(chan func(), maxClusterJobs), stop: make(chan struct{}),
		done: make(chan struct{}), forwards: map[string]*forward.Forwarder{}}
	dc, err := directory.ParseConfig(cfg.Root.Get("stream_directory"))
	if err != nil {
		return nil, err
	}
	var locate edge.Locator
	if dc.Enabled {
		if c.dir, err = directory.New(dc, s.log, func() directory.Record { return c.self(dc.Advertise) }); err != nil {
			return nil, err
		}
		locate = func(ctx context.Context, proto, vhost, app, stream string) (string, bool) {
			r, ok, err := c.dir.Lookup(ctx, vhost, app, stream)
			if err != nil {
				c.log.Warn("stream_directory: lookup failed, using the configured origins", "stream", vhost+"/"+app+"/"+stream, "err", err)
			}
			if proto == upstream.ProtoFLV {
				return r.HTTP, ok && r.HTTP != ""
			}
			return r.RTMP, ok
		}
	}
	c.edge = edge.New(s.log, edgeHost{s}, locate)
	go func() {
		defer close(c.done)
		for {
			select {
			case job := <-c.jobs:
				job()
			case <-c.stop:
				return
			}
		}
	}()
	s.reg.AddObserver(c)
	return c, nil
}

func (c *cluster) close() {
	close(c.stop)
	<-c.done
	c.edge.Close()
	c.mu.Lock()
	for k, f := range c.forwards {
		f.Stop()
		delete(c.forwards, k)
	}
	c.mu.Unlock()
	if c.dir != nil {
		_ = c.dir.Close()
	}
}

// later queues slow work of a stream event (it runs in order).
func (c *cluster) later(job func()) {
	select {
	case <-c.stop:
	case c.jobs <- job:
	default:
		c.log.Error("cluster: too many stream events waiting; one dropped")
	}
}

// StreamEvent implements live.Observer: edges pull for their first player
// and stop after the last; published streams are forwarded, pushed on to
// the origin (edge) and registered in the stream directory (origin).
func (c *cluster) StreamEvent(src *live.Source, e live.StreamEvent) {
	st := c.srv.state.Load()
	v := st.cfg.Vhost(src.Vhost)
	if v == nil {
		return
	}
	vs := st.vhost(v)
	es := edge.Stream{Vhost: src.Vhost, App: src.App, Stream: src.Stream}
	key := es.Key()
	switch e {
	case live.FirstPlayer:
		if vs.rtsp.Enabled && !vs.cluster.Remote && !src.Publishing() {
			c.edge.PullRTSP(es, vs.rtsp)
		}
		if vs.cluster.Remote && !src.Publishing() {
			proto := upstream.ProtoRTMP
			if src.ConsumersOf(live.FormFLV) > 0 {
				proto = upstream.ProtoFLV
			}
			c.edge.PlayerArrived(es, vs.cluster, proto)
		}
	case live.LastPlayerLeft:
		if vs.cluster.Remote || vs.rtsp.Enabled {
			c.edge.LastPlayerLeft(es)
		}
	case live.Published:
		if vs.cluster.Remote && c.edge.Pulling(key) {
			return // the edge's own pull (an RTSP pull is forwarded and registered)
		}
		// The publisher's session is filled in after the event: read it later.
		c.later(func() {
			fs := c.forwardStream(src)
			if vs.cluster.Remote {
				es.Param = fs.Param
				c.edge.Published(es, vs.cluster)
				return
			}
			if vs.forward.Enabled {
				c.startForward(key, fs, vs.forward)
			}
			if c.dir != nil {
				c.dir.Register(es.Vhost, es.App, es.Stream)
			}
		})
	case live.Unpublished:
		pulled := vs.cluster.Remote && c.edge.Pulling(key)
		c.later(func() {
			if vs.cluster.Remote {
				c.edge.Unpublished(es)
				return
			}
			c.mu.Lock()
			f := c.forwards[key]
			delete(c.forwards, key)
			c.mu.Unlock()
			if f != nil {
				f.Stop()
			}
			if c.dir != nil && !pulled {
				c.dir.Unregister(es.Vhost, es.App, es.Stream)
			}
		})
	}
}

// forwardStream describes a published stream for forward and its backend,
// with its publisher's request (which the publishing session fills in just
// after the event: wait a moment for it).
func (c *cluster) forwardStream(src *live.Source) forward.Stream {
	fs := forward.Stream{Vhost: src.Vhost, App: src.App, Stream: src.Stream}
	for range 50 {
		fs.ClientID = src.PublisherID()
		if v, ok := c.srv.clients.Load(fs.ClientID); ok {
			cl := v.(*clientInfo)
			cl.mu.Lock()
			ready := cl.publish && cl.src == src
			fs.TcURL, fs.Param = cl.req.TcURL, cl.req.Param
			cl.mu.Unlock()
			if ready {
				fs.IP = cl.peer.RemoteIP().String()
				return fs
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fs
}

// startForward forwards a stream to the vhost's destinations and those its
// backend names.
func (c *cluster) startForward(key string, fs forward.Stream, cfg forward.Config) {
	targets := append([]string(nil), cfg.Destinations...)
	if cfg.Backend != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		urls, err := forward.AskBackend(ctx, cfg.Backend, c.srv.serverID, c.srv.serviceID, fs)
		cancel()
		if err != nil {
			c.log.Warn("forward: backend failed; forwarding to the configured destinations only", "stream", key, "err", err)
		}
		targets = append(targets, urls...)
	}
	if len(targets) == 0 {
		return
	}
	if !c.publishing(fs.Vhost, fs.App, fs.Stream) {
		return // unpublished meanwhile
	}
	f := forward.Start(c.log, fs, targets, edgeHost{c.srv}.OpenLocal(edge.Stream{Vhost: fs.Vhost, App: fs.App, Stream: fs.Stream}))
	c.mu.Lock()
	old := c.forwards[key]
	c.forwards[key] = f
	c.mu.Unlock()
	if old != nil {
		old.Stop()
	}
}

// edgeHost gives the edge and forwards the server's off-loop sessions.
type edgeHost struct{ s *Server }

func (h edgeHost) Sessions() session.Host { return h.s }

// DropPlayers closes the connections playing st.
func (h edgeHost) DropPlayers(st edge.Stream) {
	key := st.Key()
	h.s.clients.Range(func(_, v any) bool {
		cl := v.(*clientInfo)
		cl.mu.Lock()
		playing := !cl.publish && cl.src != nil && cl.src.Key == key
		cl.mu.Unlock()
		if playing {
			cl.peer.Kick(errNoSource)
		}
		return true
	})
}

var errNoSource = errors.New("the stream's source could not be reached")

func (h edgeHost) PublishInternal(ctx context.Context, st edge.Stream) (edge.Sink, error) {
	return h.s.Publish(ctx, session.Request{Proto: "rtmp-pull", Vhost: st.Vhost, App: st.App, Stream: st.Stream, Internal: true})
}

func (h edgeHost) Consumers(st edge.Stream) int {
	if src := h.s.reg.Lookup(st.Key()); src != nil {
		return src.Consumers()
	}
	return 0
}

func (h edgeHost) PlayerRequest(st edge.Stream) (param, tcURL string) {
	key := st.Key()
	h.s.clients.Range(func(_, v any) bool {
		cl := v.(*clientInfo)
		cl.mu.Lock()
		defer cl.mu.Unlock()
		if !cl.publish && cl.src != nil && live.Key(cl.src.Vhost, cl.src.App, cl.src.Stream) == key && cl.peer.RemoteIP().IsValid() {
			param, tcURL = cl.req.Param, cl.req.TcURL
			return false
		}
		return true
	})
	return param, tcURL
}

func (h edgeHost) OpenLocal(st edge.Stream) forward.Source {
	return func(ctx context.Context) (forward.TagReader, error) {
		p, err := h.s.Play(ctx, session.Request{Proto: "forward", Vhost: st.Vhost, App: st.App, Stream: st.Stream, Internal: true})
		if err != nil {
			return nil, err
		}
		return tagReader{p}, nil
	}
}

// tagReader adapts a session.Player to forward.TagReader.
type tagReader struct{ p session.Player }

func (r tagReader) ReadTag(ctx context.Context) (upstream.Tag, error) {
	t, err := r.p.ReadTag(ctx)
	return upstream.Tag{Type: t.Type, Timestamp: t.Timestamp, Payload: t.Payload}, err
}

func (r tagReader) Close() error { return r.p.Close() }

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
