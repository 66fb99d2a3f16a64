package live

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/internal/cid"
)

// StreamEvent is a change in a stream's life that other parts of the server
// act on: an edge pulls on a first player, an ingest starts on a publish.
type StreamEvent uint8

const (
	// FirstPlayer: the source got its first consumer (it may have no
	// publisher yet: a player may come first).
	FirstPlayer StreamEvent = iota + 1
	// LastPlayerLeft: the consumer count dropped to zero. Observers that
	// stop something on it apply their own delay and re-check Consumers.
	LastPlayerLeft
	// Published: a publisher started.
	Published
	// Unpublished: the publisher left.
	Unpublished
	// Removed: the source has neither publisher nor players and is
	// forgotten; a later publish or play makes a new one.
	Removed
)

func (e StreamEvent) String() string {
	switch e {
	case FirstPlayer:
		return "first-player"
	case LastPlayerLeft:
		return "last-player-left"
	case Published:
		return "published"
	case Unpublished:
		return "unpublished"
	case Removed:
		return "removed"
	}
	return "unknown"
}

// Observer hears of stream events. It is called on the goroutine or event
// loop that caused the event, with no lock held, and must not block.
type Observer interface {
	StreamEvent(s *Source, e StreamEvent)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(s *Source, e StreamEvent)

// StreamEvent calls f.
func (f ObserverFunc) StreamEvent(s *Source, e StreamEvent) { f(s, e) }

// Registry holds the server's sources by key (vhost/app/stream).
type Registry struct {
	mu        sync.Mutex
	sources   map[string]*Source
	observers atomic.Pointer[[]Observer]
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{sources: make(map[string]*Source)}
}

// AddObserver adds o to the observers of every source's events.
func (r *Registry) AddObserver(o Observer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var next []Observer
	if cur := r.observers.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, o)
	r.observers.Store(&next)
}

func (r *Registry) notify(s *Source, e StreamEvent) {
	obs := r.observers.Load()
	if obs == nil {
		return
	}
	for _, o := range *obs {
		o.StreamEvent(s, e)
	}
}

// Key is a source's identity.
func Key(vhost, app, stream string) string { return vhost + "/" + app + "/" + stream }

// source returns the source for key, creating it with cfg when missing;
// r.mu is held.
func (r *Registry) source(vhost, app, stream string, cfg *Config) *Source {
	key := Key(vhost, app, stream)
	if s := r.sources[key]; s != nil {
		return s
	}
	s := &Source{Key: key, ID: "vid-" + cid.New(), Vhost: vhost, App: app, Stream: stream, reg: r, created: time.Now()}
	s.cfg.Store(cfg)
	r.sources[key] = s
	return s
}

// Play attaches a consumer on loop l to vhost/app/stream (a player may
// arrive before the publisher): it gets the metadata, the sequence headers
// and the cached GOP at once, then the live stream. It runs on l, the
// consumer's connection's loop.
func (r *Registry) Play(l *Loop, vhost, app, stream string, cfg *Config, sink Sink, opts JoinOptions) *Consumer {
	r.mu.Lock()
	s := r.source(vhost, app, stream, cfg)
	c, first := s.join(l, sink, opts)
	r.mu.Unlock()
	if first {
		r.notify(s, FirstPlayer)
	}
	c.deliver(nil)
	return c
}

// Lookup returns the source for key, or nil.
func (r *Registry) Lookup(key string) *Source {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sources[key]
}

// Publish makes the caller the publisher of vhost/app/stream. l is the
// publishing connection's loop (Publish runs on it), or nil for a goroutine
// publisher.
func (r *Registry) Publish(l *Loop, vhost, app, stream string, cfg *Config) (*Publisher, error) {
	r.mu.Lock()
	s := r.source(vhost, app, stream, cfg)
	s.mu.Lock()
	if s.pub != nil {
		s.mu.Unlock()
		r.mu.Unlock()
		return nil, ErrPublishBusy
	}
	s.cfg.Store(cfg)
	p := &Publisher{src: s, loop: l, remux: remuxer{start: -1}}
	p.jitter = s.lastJitter
	p.jitter.reset(cfg.TimeJitter)
	s.pub = p
	s.hasAudio.Store(false)
	s.hasVideo.Store(false)
	s.Stats.Publishes.Add(1)
	s.Stats.Since.Store(time.Now().UnixMilli())
	s.mu.Unlock()
	r.mu.Unlock()
	if l != nil {
		l.addPublisher(p)
	} else {
		p.timer = time.AfterFunc(time.Hour, func() { p.flushIfDue(time.Now()) })
		p.timer.Stop()
	}
	r.notify(s, Published)
	return p, nil
}

// Sources returns the current sources sorted by key.
func (r *Registry) Sources() []*Source {
	r.mu.Lock()
	out := make([]*Source, 0, len(r.sources))
	for _, s := range r.sources {
		out = append(out, s)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// maybeRemove forgets s when it has neither publisher nor consumers.
func (r *Registry) maybeRemove(s *Source) {
	r.mu.Lock()
	if s.consumers.Load() > 0 {
		r.mu.Unlock()
		return
	}
	s.mu.Lock()
	busy := s.pub != nil
	s.mu.Unlock()
	removed := !busy && r.sources[s.Key] == s
	if removed {
		delete(r.sources, s.Key)
	}
	r.mu.Unlock()
	if removed {
		r.notify(s, Removed)
	}
}
