package live

import (
	"sort"
	"sync"
	"time"

	"github.com/cascade-live/cascade/internal/cid"
)

// Registry holds the server's sources by key (vhost/app/stream).
type Registry struct {
	mu      sync.Mutex
	sources map[string]*Source
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{sources: make(map[string]*Source)}
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
	c := s.join(l, sink, opts)
	r.mu.Unlock()
	c.deliver(nil)
	return c
}

// Lookup returns the source for key, or nil.
func (r *Registry) Lookup(key string) *Source {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sources[key]
}

// Publish makes l's connection the publisher of vhost/app/stream.
func (r *Registry) Publish(l *Loop, vhost, app, stream string, cfg *Config) (*Source, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.source(vhost, app, stream, cfg)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.publishing {
		return nil, ErrPublishBusy
	}
	s.cfg.Store(cfg)
	s.startPublish(l)
	return s, nil
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
	defer r.mu.Unlock()
	if s.consumers.Load() > 0 {
		return
	}
	s.mu.Lock()
	busy := s.publishing
	s.mu.Unlock()
	if !busy && r.sources[s.Key] == s {
		delete(r.sources, s.Key)
	}
}
