package hls

import (
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/cascade-live/cascade/buffer"
)

// Content types of the files a Store serves.
const (
	ContentTypePlaylist = "application/vnd.apple.mpegurl"
	ContentTypeSegment  = "video/mp2t"
	ContentTypeKey      = "application/octet-stream"
)

// Store keeps the HLS files players fetch in memory, by URL path, and the
// state of the streams being muxed: sequence numbers, sliding window,
// current key, dispose timer. A stream that ended is forgotten after
// hls_dispose, or without it once its window has expired (its files stay
// on disk). One Store serves a whole server; it is safe for concurrent use.
type Store struct {
	mu    sync.RWMutex
	files map[string]storedFile
	roots []string

	streamsMu sync.Mutex
	streams   map[StreamID]*streamState

	// now is the wall clock, for file names; tests replace it.
	now func() time.Time
}

type storedFile struct {
	b           *buffer.Buffer
	contentType string
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		files:   make(map[string]storedFile),
		streams: make(map[StreamID]*streamState),
		now:     time.Now,
	}
}

// Get returns the file at urlPath (a clean path such as
// "/live/livestream.m3u8"): a playlist, a segment in its stream's window
// or a key. The buffer is retained for the caller, who must Release it.
// Get never blocks on disk or on a Muxer.
func (s *Store) Get(urlPath string) (b *buffer.Buffer, contentType string, ok bool) {
	s.mu.RLock()
	f, ok := s.files[urlPath]
	if ok {
		f.b.Retain()
	}
	s.mu.RUnlock()
	return f.b, f.contentType, ok
}

// Roots returns the directories HLS files are written under (every
// hls_path, and hls_key_file_path where keys are on), cleaned and sorted:
// the places the HTTP server may read files the Store no longer holds.
func (s *Store) Roots() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.roots)
}

// Close stops the dispose timers and releases every buffer; close the
// Muxers first. Files on disk are left alone.
func (s *Store) Close() {
	s.streamsMu.Lock()
	for _, st := range s.streams {
		st.mu.Lock()
		if st.timer != nil {
			st.timer.Stop()
		}
		st.gen++
		st.mu.Unlock()
	}
	s.streamsMu.Unlock()
	s.mu.Lock()
	for p, f := range s.files {
		f.b.Release()
		delete(s.files, p)
	}
	s.mu.Unlock()
}

// addRoot records a directory files are written under.
func (s *Store) addRoot(dir string) {
	dir = filepath.Clean(dir)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, found := slices.BinarySearch(s.roots, dir); !found {
		s.roots = slices.Insert(s.roots, i, dir)
	}
}

// put stores b (taking over one reference) at urlPath, replacing and
// releasing what was there.
func (s *Store) put(urlPath, contentType string, b *buffer.Buffer) {
	s.mu.Lock()
	old, had := s.files[urlPath]
	s.files[urlPath] = storedFile{b: b, contentType: contentType}
	s.mu.Unlock()
	if had {
		old.b.Release()
	}
}

// remove drops the file at urlPath.
func (s *Store) remove(urlPath string) {
	s.mu.Lock()
	old, had := s.files[urlPath]
	delete(s.files, urlPath)
	s.mu.Unlock()
	if had {
		old.b.Release()
	}
}

// stream returns the state of the stream id, creating it. A pending
// dispose of it is voided: a publish is starting.
func (s *Store) stream(id StreamID) *streamState {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	st, ok := s.streams[id]
	if !ok {
		st = &streamState{id: id}
		s.streams[id] = st
	}
	st.mu.Lock()
	st.gen++
	st.mu.Unlock()
	return st
}

// forget drops the state of a stream that ended, unless a publish started
// since gen.
func (s *Store) forget(st *streamState, gen uint64) {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gen == gen && st.active == 0 && s.streams[st.id] == st {
		delete(s.streams, st.id)
	}
}

// Len is how many files the Store holds, and of how many streams it keeps
// state.
func (s *Store) Len() (files, streams int) {
	s.mu.RLock()
	files = len(s.files)
	s.mu.RUnlock()
	s.streamsMu.Lock()
	streams = len(s.streams)
	s.streamsMu.Unlock()
	return files, streams
}
