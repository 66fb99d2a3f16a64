// Package edge makes a vhost an SRS edge (cluster { mode remote; }): the
// first player of a stream starts one pull from the origins, shared by every
// later player; the pull stops a little after the last player leaves. When
// the origin in use fails the pull moves to the next one, round-robin, and
// the edge's players stay connected with timestamps kept monotonic. A
// stream published to the edge is pushed on to the origins.
//
// A vhost with rtsp_pull pulls its streams from RTSP cameras the same way,
// on demand (see RTSPConfig).
package edge

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cascade-live/cascade/internal/forward"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/upstream"
)

// StopDelay is how long a pull outlives its last player, so that a player
// reconnecting at once finds the stream still there.
var StopDelay = 2 * time.Second

// Stream names a stream of an edge vhost.
type Stream struct {
	Vhost, App, Stream string
	Param              string // a publisher's query, passed on to the origin
}

// Key is the stream's registry key.
func (s Stream) Key() string { return s.Vhost + "/" + s.App + "/" + s.Stream }

// Sink is where a pull writes: the edge's own publisher of the stream.
type Sink interface {
	WriteTag(typ uint8, timestamp uint32, payload []byte) error
	Close() error
	Done() <-chan struct{}
}

// Host is what the edge needs from the server.
type Host interface {
	// Sessions is what an RTSP pull publishes through, admitted as an
	// ingest's pull is (security rules and on_publish apply).
	Sessions() session.Host
	// DropPlayers ends the players of st: its RTSP pull could not start.
	DropPlayers(st Stream)
	// PublishInternal makes the edge the publisher of st (no admission).
	PublishInternal(ctx context.Context, st Stream) (Sink, error)
	// Consumers is the number of players of st now.
	Consumers(st Stream) int
	// OpenLocal reads the local stream st (for pushing a stream published
	// to the edge on to the origin).
	OpenLocal(st Stream) forward.Source
	// PlayerRequest is the query and tcUrl of a player of st (tokens go
	// upstream with the pull), empty when there is none.
	PlayerRequest(st Stream) (param, tcURL string)
}

// Locator finds the server that publishes a stream (a Redis directory):
// its RTMP or HTTP host:port as proto asks; ok is false when it does not
// know.
type Locator func(ctx context.Context, proto, vhost, app, stream string) (server string, ok bool)

// Edge runs the pulls and pushes of the edge vhosts.
type Edge struct {
	log    *slog.Logger
	host   Host
	locate Locator

	mu     sync.Mutex
	pulls  map[string]*pull
	pushes map[string]context.CancelFunc
}

// New returns an Edge; locate may be nil.
func New(log *slog.Logger, host Host, locate Locator) *Edge {
	return &Edge{log: log, host: host, locate: locate, pulls: map[string]*pull{}, pushes: map[string]context.CancelFunc{}}
}

// pull is one running pull.
type pull struct {
	st        Stream
	cfg       Config
	rtsp      RTSPConfig // of an RTSP pull
	proto     string
	stopDelay time.Duration // how long the pull outlives its last player
	cancel    context.CancelFunc
	done      chan struct{}
	timer     *time.Timer // pending stop after the last player left
	stops     uint64      // counts the stops armed and called off (e.mu)

	mu       sync.Mutex
	upstream string // URL read from now
}

// Upstream is the URL the stream is pulled from ("" when not pulled).
func (e *Edge) Upstream(key string) string {
	e.mu.Lock()
	p := e.pulls[key]
	e.mu.Unlock()
	if p == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.upstream
}

// Pulling reports whether a pull of key runs.
func (e *Edge) Pulling(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pulls[key] != nil
}

// PlayerArrived starts a pull of st (unless one runs) with proto (the
// protocol the player uses, for follow_client).
func (e *Edge) PlayerArrived(st Stream, cfg Config, playerProto string) {
	proto := cfg.Protocol
	if cfg.FollowClient && playerProto != "" {
		proto = playerProto
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.startLocked(&pull{st: st, cfg: cfg, proto: proto, stopDelay: StopDelay}, e.run)
}

// startLocked starts p, unless a pull of its stream runs: then that one
// stays and its pending stop is called off. e.mu is held.
func (e *Edge) startLocked(p *pull, run func(ctx context.Context, p *pull)) *pull {
	if cur := e.pulls[p.st.Key()]; cur != nil {
		cur.callOffStop()
		return cur
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	e.pulls[p.st.Key()] = p
	go func() {
		defer close(p.done)
		run(ctx, p)
		e.mu.Lock()
		if e.pulls[p.st.Key()] == p {
			delete(e.pulls, p.st.Key())
		}
		e.mu.Unlock()
	}()
	return p
}

// callOffStop cancels p's pending stop, even one whose timer fired and
// waits for e.mu. e.mu is held.
func (p *pull) callOffStop() {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.stops++
}

// LastPlayerLeft stops the pull of st after its stop delay (StopDelay, or
// an RTSP pull's idle_timeout) if no player came back meanwhile.
func (e *Edge) LastPlayerLeft(st Stream) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.pulls[st.Key()]; p != nil && p.timer == nil {
		e.stopLaterLocked(p, p.stopDelay)
	}
}

// stopLaterLocked stops p after d unless it has players by then. e.mu is
// held.
func (e *Edge) stopLaterLocked(p *pull, d time.Duration) {
	p.stops++
	stop := p.stops
	p.timer = time.AfterFunc(d, func() {
		e.mu.Lock()
		if p.stops != stop {
			e.mu.Unlock()
			return // called off or re-armed after it fired
		}
		p.timer = nil
		if e.pulls[p.st.Key()] != p || e.host.Consumers(p.st) > 0 {
			e.mu.Unlock()
			return
		}
		delete(e.pulls, p.st.Key())
		e.mu.Unlock()
		e.log.Info("edge: last player left, stopping pull", "stream", p.st.Key())
		p.cancel()
	})
}

// Close stops every pull and push and waits for the pulls.
func (e *Edge) Close() {
	e.mu.Lock()
	pulls := make([]*pull, 0, len(e.pulls))
	for _, p := range e.pulls {
		pulls = append(pulls, p)
	}
	for k, cancel := range e.pushes {
		cancel()
		delete(e.pushes, k)
	}
	e.mu.Unlock()
	for _, p := range pulls {
		p.cancel()
		<-p.done
	}
}

// run pulls until ctx ends: one publisher on the edge for the whole pull,
// fed by one upstream connection after another.
func (e *Edge) run(ctx context.Context, p *pull) {
	servers := upstream.NewServers(p.cfg.Origins)
	var sink Sink
	defer func() {
		if sink != nil {
			sink.Close()
		}
	}()
	var ts timestamps
	param, tcURL := e.host.PlayerRequest(p.st)
	askDirectory := e.locate != nil
	for ctx.Err() == nil {
		if err := servers.Wait(ctx); err != nil {
			return
		}
		server := servers.Current()
		if askDirectory {
			if s, ok := e.locate(ctx, p.proto, p.st.Vhost, p.st.App, p.st.Stream); ok {
				server = s
			}
		}
		// A server the directory named that fails is not asked for again
		// at once: the configured origins get their turn in between.
		located := server != servers.Current()
		askDirectory = e.locate != nil && !located
		t := upstream.Target{Server: server, Vhost: p.st.Vhost, App: p.st.App, Stream: p.st.Stream, Param: param}
		if p.cfg.Vhost != "" {
			t.Vhost = p.cfg.Vhost
		}
		if p.cfg.TokenTraverse {
			t.TcURL = tcURL // the origin's on_connect sees the player's own
		}
		dialCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		r, err := upstream.Dial(dialCtx, p.proto, t)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("edge: origin failed, trying the next", "stream", p.st.Key(), "origin", server, "err", err)
			}
			servers.Failed(server)
			continue
		}
		if sink == nil {
			sink, err = e.publish(ctx, p.st)
			if err != nil {
				r.Close()
				e.log.Warn("edge: cannot publish the pulled stream", "stream", p.st.Key(), "err", err)
				return
			}
		}
		t.Server = r.Server()
		p.mu.Lock()
		p.upstream = t.RTMPURL()
		if p.proto == upstream.ProtoFLV {
			p.upstream = t.FLVURL()
		}
		p.mu.Unlock()
		e.log.Info("edge: pulling", "stream", p.st.Key(), "origin", r.Server(), "protocol", p.proto)
		err = e.copy(ctx, r, sink, &ts, servers)
		r.Close()
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errSinkClosed) {
			e.log.Info("edge: publisher ended by the server", "stream", p.st.Key())
			return
		}
		e.log.Warn("edge: origin failed, trying the next", "stream", p.st.Key(), "origin", r.Server(), "err", err)
		servers.Failed(server)
	}
}

var errSinkClosed = errors.New("edge: local publisher closed")

// publish becomes the local publisher, retrying while an earlier pull of
// the same stream still unpublishes.
func (e *Edge) publish(ctx context.Context, st Stream) (Sink, error) {
	for i := 0; ; i++ {
		sink, err := e.host.PublishInternal(ctx, st)
		if err == nil || i == 20 || ctx.Err() != nil {
			return sink, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// copy moves tags from r to sink until either fails.
func (e *Edge) copy(ctx context.Context, r upstream.Reader, sink Sink, ts *timestamps, servers *upstream.Servers) error {
	stop := context.AfterFunc(ctx, func() { r.Close() })
	defer stop()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sink.Done():
			r.Close()
		case <-done:
		}
	}()
	ts.newSession()
	first := true
	for {
		tag, err := r.ReadTag()
		if err != nil {
			select {
			case <-sink.Done():
				return errSinkClosed
			default:
			}
			return err
		}
		if first {
			servers.Worked()
			first = false
		}
		if err := sink.WriteTag(tag.Type, ts.out(tag.Timestamp), tag.Payload); err != nil {
			return errSinkClosed
		}
	}
}

// timestamps keeps a pull's output monotonic across upstream connections:
// each new connection continues just after where the last one ended.
type timestamps struct {
	started bool  // a connection has delivered
	fresh   bool  // waiting for the new connection's first tag
	offset  int64 // added to the upstream's timestamps
	last    int64 // last timestamp written
}

func (t *timestamps) newSession() { t.fresh = true }

func (t *timestamps) out(ts uint32) uint32 {
	if t.fresh {
		t.fresh = false
		if t.started {
			t.offset = t.last + 1 - int64(ts)
		}
		t.started = true
	}
	v := int64(ts) + t.offset
	if v < t.last-1000 {
		// The upstream jumped back (a republish): continue from here.
		t.offset += t.last - v
		v = t.last
	}
	if v < 0 {
		v = 0
	}
	if v > t.last {
		t.last = v
	}
	return uint32(v)
}
