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

// Store keeps the HLS files players fetch, by URL path, and the
// state of the streams being muxed: sequence numbers, sliding window,
// current key, dispose timer. A stream that ended is forgotten after
// hls_dispose, or without it once its window has expired (its files stay
// on disk). Playlists and keys are kept in memory; a segment is kept as the
// file it was written to, open (see GetFile). One Store serves a whole
// server; it is safe for concurrent use.
type Store struct {
	mu    sync.RWMutex
	files map[string]storedFile
	roots []string

	streamsMu sync.Mutex
	streams   map[StreamID]*streamState

	// now is the wall clock, for file names; tests replace it.
	now func() time.Time
}

// storedFile is one of b (in memory) or f (an open file).
type storedFile struct {
	b           *buffer.Buffer
	f           *buffer.File
	contentType string
}

func (f storedFile) release() {
	if f.b != nil {
		f.b.Release()
	} else {
		f.f.Release()
	}
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		files:   make(map[string]storedFile),
		streams: make(map[StreamID]*streamState),
		now:     time.Now,
	}
}

// Get returns the in-memory file at urlPath (a clean path such as
// "/live/livestream.m3u8"): a playlist or a key. The buffer is retained
// for the caller, who must Release it. Get never blocks on disk or on a
// Muxer.
func (s *Store) Get(urlPath string) (b *buffer.Buffer, contentType string, ok bool) {
	f, ok := s.lookup(urlPath, false)
	return f.b, f.contentType, ok
}

// GetFile returns the segment at urlPath, in its stream's window, as the
// file it was written to, retained for the caller, who must Release it.
// Segments are kept as open files rather than in memory: the kernel's
// page cache holds their bytes once, since they are written to hls_path
// anyway, and the HTTP server sends them with sendfile(2) without copying
// them through user memory. The open file keeps the bytes readable while
// a slow player still fetches a segment that hls_cleanup or hls_dispose
// deleted since.
func (s *Store) GetFile(urlPath string) (f *buffer.File, contentType string, ok bool) {
	sf, ok := s.lookup(urlPath, true)
	return sf.f, sf.contentType, ok
}

// lookup returns the file at urlPath, retained, if it is an open file
// (open) or in memory (!open).
func (s *Store) lookup(urlPath string, open bool) (storedFile, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.files[urlPath]
	if !ok || (f.f != nil) != open {
		return storedFile{}, false
	}
	if open {
		f.f.Retain()
	} else {
		f.b.Retain()
	}
	return f, true
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
		f.release()
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
	s.store(urlPath, storedFile{b: b, contentType: contentType})
}

// putFile is put for an open file.
func (s *Store) putFile(urlPath, contentType string, f *buffer.File) {
	s.store(urlPath, storedFile{f: f, contentType: contentType})
}

func (s *Store) store(urlPath string, f storedFile) {
	s.mu.Lock()
	old, had := s.files[urlPath]
	s.files[urlPath] = f
	s.mu.Unlock()
	if had {
		old.release()
	}
}

// remove drops the file at urlPath.
func (s *Store) remove(urlPath string) {
	s.mu.Lock()
	old, had := s.files[urlPath]
	delete(s.files, urlPath)
	s.mu.Unlock()
	if had {
		old.release()
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
