// Package filestore keeps the files live outputs (HLS, HDS) serve to
// players, by URL path: small ones (playlists, manifests, keys,
// fragments) in memory, large ones (HLS segments) as open files that a
// connection sends with sendfile(2). Files are shared by reference: a
// reader holds its own, so replacing or removing a file never changes
// bytes a player is still being sent.
package filestore

import (
	"sync"

	"github.com/cascade-live/cascade/buffer"
)

// Store is a set of files by URL path. The zero value is an empty store;
// it is safe for concurrent use, and never blocks on I/O.
type Store struct {
	mu    sync.RWMutex
	files map[string]entry
}

// entry is one of b (in memory) or f (an open file).
type entry struct {
	b           *buffer.Buffer
	f           *buffer.File
	contentType string
}

func (e entry) release() {
	if e.b != nil {
		e.b.Release()
	} else {
		e.f.Release()
	}
}

// Get returns the in-memory file at urlPath, retained for the caller, who
// must Release it. A file kept open is not returned: see GetFile.
func (s *Store) Get(urlPath string) (b *buffer.Buffer, contentType string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.files[urlPath]
	if !ok || e.b == nil {
		return nil, "", false
	}
	return e.b.Retain(), e.contentType, true
}

// GetFile returns the file kept open at urlPath, retained for the caller,
// who must Release it. An in-memory file is not returned: see Get.
func (s *Store) GetFile(urlPath string) (f *buffer.File, contentType string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.files[urlPath]
	if !ok || e.f == nil {
		return nil, "", false
	}
	return e.f.Retain(), e.contentType, true
}

// Put stores b at urlPath, taking over the caller's reference, and
// releases what was there.
func (s *Store) Put(urlPath, contentType string, b *buffer.Buffer) {
	s.put(urlPath, entry{b: b, contentType: contentType})
}

// PutFile is Put for an open file.
func (s *Store) PutFile(urlPath, contentType string, f *buffer.File) {
	s.put(urlPath, entry{f: f, contentType: contentType})
}

func (s *Store) put(urlPath string, e entry) {
	s.mu.Lock()
	if s.files == nil {
		s.files = make(map[string]entry)
	}
	old, had := s.files[urlPath]
	s.files[urlPath] = e
	s.mu.Unlock()
	if had {
		old.release()
	}
}

// Remove drops the file at urlPath.
func (s *Store) Remove(urlPath string) {
	s.mu.Lock()
	old, had := s.files[urlPath]
	delete(s.files, urlPath)
	s.mu.Unlock()
	if had {
		old.release()
	}
}

// Len is how many files the store holds.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.files)
}

// Clear drops every file.
func (s *Store) Clear() {
	s.mu.Lock()
	files := s.files
	s.files = nil
	s.mu.Unlock()
	for _, e := range files {
		e.release()
	}
}
