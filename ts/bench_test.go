package ts

import (
	"bytes"
	"testing"

	"github.com/cascade-live/cascade/buffer"
)

func benchMuxer(b *testing.B) *Muxer {
	m, err := NewMuxer(Config{Video: CodecH264, Audio: CodecAAC})
	if err != nil {
		b.Fatal(err)
	}
	if err := m.SetH264Params([][]byte{testSPS}, [][]byte{testPPS}); err != nil {
		b.Fatal(err)
	}
	if err := m.SetAACConfig([]byte{0x12, 0x10}); err != nil {
		b.Fatal(err)
	}
	return m
}

// keyframe100KB is a 100 KB IDR access unit: SEI and four slices.
func keyframe100KB() []byte {
	slice := bytes.Repeat([]byte{0x5A}, 100<<10/4)
	slice[0] = 0x65
	return lengthPrefixed(testSEI, slice, slice, slice, slice)
}

func BenchmarkMuxVideoKeyframe100KB(b *testing.B) {
	m := benchMuxer(b)
	frame := keyframe100KB()
	buf := buffer.Get()
	defer buf.Release()
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf.B = buf.B[:0]
		if err := m.WriteVideo(buf, int64(i)*3600, int64(i)*3600, true, frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMuxAACFrame(b *testing.B) {
	m := benchMuxer(b)
	frame := bytes.Repeat([]byte{0x21}, 371) // 128 kb/s at 44.1 kHz
	buf := buffer.Get()
	defer buf.Release()
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf.B = buf.B[:0]
		if err := m.WriteAudio(buf, int64(i)*2090, frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMuxVideoKeyframe100KBPooled takes a fresh pooled buffer per
// frame, as a server sharing each frame's packets with its readers does.
// Allocations here come from the buffer pool handing out buffers smaller
// than the frame, not from the muxer.
func BenchmarkMuxVideoKeyframe100KBPooled(b *testing.B) {
	m := benchMuxer(b)
	frame := keyframe100KB()
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf := buffer.Get()
		if err := m.WriteVideo(buf, int64(i)*3600, int64(i)*3600, true, frame); err != nil {
			b.Fatal(err)
		}
		buf.Release()
	}
}

func BenchmarkDemux(b *testing.B) {
	m := benchMuxer(b)
	frame := keyframe100KB()
	d := &Demuxer{OnError: func(err error) { b.Fatal(err) }}
	fn := func(*Frame) error { return nil }
	if err := d.Feed(m.AppendPATPMT(nil), fn); err != nil {
		b.Fatal(err)
	}
	// 16 rounds of the same frames bring every continuity counter back to
	// where it started, so the block can be fed again and again.
	var block []byte
	for i := range 16 * 4 {
		block, _ = m.AppendVideo(block, int64(i)*3600, int64(i)*3600, i%4 == 0, frame)
		block, _ = m.AppendAudio(block, int64(i)*3600, frame[:371])
	}
	if err := d.Feed(block, fn); err != nil { // warm up the PES buffers
		b.Fatal(err)
	}
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Feed(block, fn); err != nil {
			b.Fatal(err)
		}
	}
	if s := d.Stats(); s.Frames == 0 {
		b.Fatalf("no frames: %+v", s)
	}
}
