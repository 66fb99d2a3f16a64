package filestore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-live/cascade/buffer"
)

func memFile(s string) *buffer.Buffer {
	b := buffer.Get()
	b.B = append(b.B, s...)
	return b
}

func openFile(t *testing.T, s string) *buffer.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "seg.ts")
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	bf, err := buffer.NewFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return bf
}

// TestStoreKinds: each getter returns only its kind of file, retained.
func TestStoreKinds(t *testing.T) {
	var s Store
	b := memFile("#EXTM3U\n")
	f := openFile(t, "segment")
	s.Put("/live/s.m3u8", "application/vnd.apple.mpegurl", b)
	s.PutFile("/live/s-1.ts", "video/mp2t", f)

	tests := []struct {
		path       string
		wantMemory bool
		wantFile   bool
		wantType   string
	}{
		{"/live/s.m3u8", true, false, "application/vnd.apple.mpegurl"},
		{"/live/s-1.ts", false, true, "video/mp2t"},
		{"/live/none", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			gb, ct, ok := s.Get(tt.path)
			if ok != tt.wantMemory {
				t.Fatalf("Get ok = %v, want %v", ok, tt.wantMemory)
			}
			if ok {
				if ct != tt.wantType || string(gb.B) != "#EXTM3U\n" {
					t.Errorf("Get = %q, %q", gb.B, ct)
				}
				gb.Release()
			}
			gf, ct, ok := s.GetFile(tt.path)
			if ok != tt.wantFile {
				t.Fatalf("GetFile ok = %v, want %v", ok, tt.wantFile)
			}
			if ok {
				if ct != tt.wantType || gf.Size() != int64(len("segment")) {
					t.Errorf("GetFile = %d bytes, %q", gf.Size(), ct)
				}
				gf.Release()
			}
		})
	}
	if n := s.Len(); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
	if b.Refs() != 1 || f.Refs() != 1 {
		t.Errorf("refs after gets: buffer %d, file %d; want 1, 1", b.Refs(), f.Refs())
	}
}

// TestStoreReleases: replacing, removing and clearing release the store's
// reference and leave a reader's.
func TestStoreReleases(t *testing.T) {
	var s Store
	first := openFile(t, "one")
	s.PutFile("/a.ts", "video/mp2t", first)
	held, _, _ := s.GetFile("/a.ts")
	s.PutFile("/a.ts", "video/mp2t", openFile(t, "two!"))
	if first.Refs() != 1 {
		t.Fatalf("replaced file: refs %d, want the reader's 1", first.Refs())
	}
	held.Release()

	b := memFile("x")
	s.Put("/b", "text/plain", b.Retain())
	s.Remove("/b")
	if _, _, ok := s.Get("/b"); ok {
		t.Error("removed file still served")
	}
	if b.Refs() != 1 {
		t.Errorf("removed buffer: refs %d, want the test's 1", b.Refs())
	}
	b.Release()
	last := openFile(t, "last")
	s.PutFile("/c.ts", "video/mp2t", last.Retain())
	s.Clear()
	if last.Refs() != 1 {
		t.Errorf("cleared file: refs %d, want the test's 1", last.Refs())
	}
	last.Release()
	if s.Len() != 0 {
		t.Errorf("Len after Clear = %d", s.Len())
	}
	s.Remove("/none") // harmless
}
