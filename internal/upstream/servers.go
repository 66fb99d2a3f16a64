package upstream

import (
	"context"
	"sync"
	"time"
)

// Backoff bounds of Servers.Wait.
const (
	MinBackoff = 500 * time.Millisecond
	MaxBackoff = 5 * time.Second
)

// Servers is a list of upstream servers used round-robin: the one in use
// until it fails, then the next. When every server failed in a row, Wait
// backs off (doubling from MinBackoff to MaxBackoff) so that a dead fleet
// is not hammered. Safe for concurrent use.
type Servers struct {
	mu      sync.Mutex
	list    []string
	cur     int
	fails   int // consecutive failures
	backoff time.Duration
}

// NewServers returns a rotation over list (host:port entries).
func NewServers(list []string) *Servers {
	return &Servers{list: append([]string(nil), list...)}
}

// Current is the server to try.
func (s *Servers) Current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) == 0 {
		return ""
	}
	return s.list[s.cur%len(s.list)]
}

// Len is the number of servers.
func (s *Servers) Len() int { return len(s.list) }

// Failed moves to the next server after server failed (if server is still
// the current one: several users of one list may report the same failure).
func (s *Servers) Failed(server string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) == 0 || s.list[s.cur%len(s.list)] != server {
		return
	}
	s.cur = (s.cur + 1) % len(s.list)
	s.fails++
}

// Worked resets the backoff after a server served.
func (s *Servers) Worked() {
	s.mu.Lock()
	s.fails, s.backoff = 0, 0
	s.mu.Unlock()
}

// Wait sleeps before the next attempt: not at all while some server of
// the round has not been tried, then with a growing backoff. It returns
// ctx's error if ctx ends first.
func (s *Servers) Wait(ctx context.Context) error {
	s.mu.Lock()
	var d time.Duration
	if s.fails > 0 && s.fails%max(len(s.list), 1) == 0 {
		s.backoff = min(max(s.backoff*2, MinBackoff), MaxBackoff)
		d = s.backoff
	}
	s.mu.Unlock()
	if d == 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
