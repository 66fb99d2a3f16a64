package hds

import (
	"strconv"
	"strings"
	"sync"

	"github.com/cascade-live/cascade/buffer"
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
	mu      sync.RWMutex
	files   map[string]storedFile
	pending map[string]chan struct{} // fragments the bootstrap lists while they are cut
}

type storedFile struct {
	buf         *buffer.Buffer
	contentType string
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{files: make(map[string]storedFile), pending: make(map[string]chan struct{})}
}

// Get returns the file at urlPath (a query is ignored) with a reference
// the caller must Release. Any segment number is accepted for a fragment:
// a stream has a single segment, whatever a player computes.
func (s *Store) Get(urlPath string) (b *buffer.Buffer, contentType string, ok bool) {
	if i := strings.IndexByte(urlPath, '?'); i >= 0 {
		urlPath = urlPath[:i]
	}
	key := fragmentKey(urlPath)
	s.mu.RLock()
	f, ok := s.files[key]
	if ok {
		f.buf.Retain()
	}
	s.mu.RUnlock()
	if !ok {
		return nil, "", false
	}
	return f.buf, f.contentType, true
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
	s.mu.RLock()
	defer s.mu.RUnlock()
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

// cancel gives up an announced fragment: those waiting for it are woken.
func (s *Store) cancel(urlPath string) {
	s.mu.Lock()
	s.wake(urlPath)
	s.mu.Unlock()
}

// wake closes the pending channel of urlPath; s.mu is held.
func (s *Store) wake(urlPath string) {
	if ch, ok := s.pending[urlPath]; ok {
		close(ch)
		delete(s.pending, urlPath)
	}
}

// put stores b, taking over the caller's reference.
func (s *Store) put(urlPath string, b *buffer.Buffer, contentType string) {
	s.mu.Lock()
	old, had := s.files[urlPath]
	s.files[urlPath] = storedFile{buf: b, contentType: contentType}
	s.wake(urlPath)
	s.mu.Unlock()
	if had {
		old.buf.Release()
	}
}

// remove drops the file at urlPath.
func (s *Store) remove(urlPath string) {
	s.mu.Lock()
	old, had := s.files[urlPath]
	delete(s.files, urlPath)
	s.mu.Unlock()
	if had {
		old.buf.Release()
	}
}
