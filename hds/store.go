package hds

import (
	"strconv"
	"strings"
	"sync"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/internal/filestore"
)

// Content types of the files a Store serves.
const (
	ContentTypeManifest  = "application/f4m+xml"
	ContentTypeBootstrap = "application/octet-stream"
	ContentTypeFragment  = "video/f4f"
)

// Store holds the current HDS files of the streams of one hds_path (one
// vhost) in memory, by URL path ("/app/stream.f4m", "/app/stream.abst",
// "/app/streamSeg1-Frag7"). It is safe for concurrent use; Get never
// blocks on I/O.
type Store struct {
	files filestore.Store

	mu      sync.Mutex
	pending map[string]chan struct{} // fragments the bootstrap lists while they are cut
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{pending: make(map[string]chan struct{})}
}

// Get returns the file at urlPath (a query is ignored) with a reference
// the caller must Release. Any segment number is accepted for a fragment:
// a stream has a single segment, whatever a player computes.
func (s *Store) Get(urlPath string) (b *buffer.Buffer, contentType string, ok bool) {
	if i := strings.IndexByte(urlPath, '?'); i >= 0 {
		urlPath = urlPath[:i]
	}
	return s.files.Get(fragmentKey(urlPath))
}

// fragmentKey maps ".../nameSegN-FragM" to ".../nameSeg1-FragM".
func fragmentKey(p string) string {
	i := strings.LastIndex(p, "Seg")
	if i < 0 {
		return p
	}
	seg, frag, ok := strings.Cut(p[i+3:], "-Frag")
	if !ok || seg == "1" || !digits(seg) || !digits(frag) {
		return p
	}
	return p[:i] + "Seg1-Frag" + frag
}

func digits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}

// Pending returns a channel that is closed when the fragment at urlPath,
// which the bootstrap lists while it is still being cut, is stored (or
// given up); nil if urlPath is no such fragment. An HTTP server holds a
// request for it until then, so that a player polling the bootstrap gets
// every fragment as soon as it is complete (yt-dlp, for one, only looks at
// the last two fragments of a live bootstrap and then sleeps 5 s: without
// the fragment in progress it skips fragments shorter than 2.5 s).
func (s *Store) Pending(urlPath string) <-chan struct{} {
	if i := strings.IndexByte(urlPath, '?'); i >= 0 {
		urlPath = urlPath[:i]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.pending[fragmentKey(urlPath)]; ok {
		return ch
	}
	return nil
}

// announce marks the fragment at urlPath as being cut.
func (s *Store) announce(urlPath string) {
	s.mu.Lock()
	if _, ok := s.pending[urlPath]; !ok {
		s.pending[urlPath] = make(chan struct{})
	}
	s.mu.Unlock()
}

// cancel wakes those waiting for the fragment at urlPath, stored or
// given up.
func (s *Store) cancel(urlPath string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.pending[urlPath]; ok {
		close(ch)
		delete(s.pending, urlPath)
	}
}

// put stores b, taking over the caller's reference, and wakes those
// waiting for it.
func (s *Store) put(urlPath string, b *buffer.Buffer, contentType string) {
	s.files.Put(urlPath, contentType, b)
	s.cancel(urlPath)
}

// remove drops the file at urlPath.
func (s *Store) remove(urlPath string) { s.files.Remove(urlPath) }
