package flvconv

import (
	"testing"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/ts"
)

// checkWriter fails on tags a player could not take.
type checkWriter struct{ t *testing.T }

func (c checkWriter) WriteTag(typ uint8, _ uint32, b []byte) error {
	if len(b) > MaxFrameSize || len(b) == 0 {
		c.t.Fatalf("tag of %d bytes", len(b))
	}
	if typ == flv.TagVideo {
		if _, err := flv.ParseVideoTagHeader(b); err != nil {
			c.t.Fatalf("video tag header: %v", err)
		}
	}
	return nil
}

// FuzzWriteTSFrame feeds arbitrary transport streams through the demuxer
// and the converter: no panic, only well-formed tags.
func FuzzWriteTSFrame(f *testing.F) {
	m, _ := ts.NewMuxer(ts.Config{Video: ts.CodecH264, Audio: ts.CodecAAC})
	_ = m.SetAACConfig([]byte{0x12, 0x10})
	sps := []byte{0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0x84, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x58, 0xb9, 0x20}
	_ = m.SetH264Params([][]byte{sps}, [][]byte{{0x68, 0xce, 0x0f, 0xc8}})
	seed := m.AppendPATPMT(nil)
	seed, _ = m.AppendVideo(seed, 3600, 0, true, []byte{0, 0, 0, 3, 0x65, 0x88, 0x84})
	seed, _ = m.AppendAudio(seed, 0, []byte{0x21, 0x10, 0x04})
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		c := New(checkWriter{t})
		var d ts.Demuxer
		write := func(fr *ts.Frame) error { _ = c.WriteTSFrame(fr); return nil }
		_ = d.Feed(b, write)
		_ = d.Flush(write)
	})
}
