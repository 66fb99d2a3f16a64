// Package hlsctx tracks HLS players as SRS's hls_ctx does: a player is a
// session id its requests carry, alive while they keep coming.
package hlsctx

import (
	"sync"
	"time"

	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/streamreq"
)

// Session is one HLS player, tracked as SRS's hls_ctx does: the first
// playlist request is redirected to carry a session id, on_play decides on
// it once, and on_stop follows when its requests stop.
type Session struct {
	ID       string
	Req      streamreq.Request
	Conn     hooks.Conn    // for callbacks
	Idle     time.Duration // how long without a request ends it
	Started  time.Time
	mu       sync.Mutex
	lastSeen time.Time
}

// Touch records a request of the session at now.
func (hs *Session) Touch(now time.Time) {
	hs.mu.Lock()
	hs.lastSeen = now
	hs.mu.Unlock()
}

// Sessions holds the live HLS sessions by id.
type Sessions struct {
	mu sync.Mutex
	m  map[string]*Session
}

// Get returns the session id, or nil.
func (s *Sessions) Get(id string) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

// Add starts tracking hs.
func (s *Sessions) Add(hs *Session) {
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[string]*Session)
	}
	s.m[hs.ID] = hs
	s.mu.Unlock()
}

// Expire removes the sessions idle for longer than their timeout.
func (s *Sessions) Expire(now time.Time) []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Session
	for id, hs := range s.m {
		hs.mu.Lock()
		idle := now.Sub(hs.lastSeen) > hs.Idle
		hs.mu.Unlock()
		if idle {
			delete(s.m, id)
			out = append(out, hs)
		}
	}
	return out
}

// List returns the live sessions.
func (s *Sessions) List() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Session, 0, len(s.m))
	for _, hs := range s.m {
		out = append(out, hs)
	}
	return out
}

// Count is the number of HLS players of vhost/app/stream.
func (s *Sessions) Count(vhost, app, stream string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, hs := range s.m {
		if hs.Req.Vhost == vhost && hs.Req.App == app && hs.Req.Stream == stream {
			n++
		}
	}
	return n
}
