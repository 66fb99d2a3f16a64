package rtmp

import (
	"fmt"
	"testing"
)

// benchStream is two seconds of a 25 fps video (one 60 KB keyframe, 4-12 KB
// inter frames) and 44.1 kHz AAC audio (~43 frames a second of ~370
// bytes), interleaved by timestamp and chunked with compressed headers, as
// a publisher sends it.
func benchStream(chunkSize int) (stream []byte, messages int) {
	w := ChunkWriter{ChunkSize: chunkSize}
	if chunkSize != DefaultChunkSize {
		stream = AppendSetChunkSize(stream, uint32(chunkSize))
		messages++
	}
	video := fill(60000, 1)
	audio := fill(400, 2)
	v, a := 0, 0
	for v < 50 || a < 86 {
		vts, ats := uint32(v*40), uint32(a*1024*1000/44100)
		if v < 50 && (a >= 86 || vts <= ats) {
			size := 4000 + (v*7919)%8000
			if v == 0 {
				size = 60000
			}
			stream = w.AppendChunks(stream, CSIDVideo, MsgVideo, 1, vts, video[:size])
			v++
		} else {
			stream = w.AppendChunks(stream, CSIDAudio, MsgAudio, 1, ats, audio[:360+a%20])
			a++
		}
		messages++
	}
	return stream, messages
}

func BenchmarkChunkReaderFeed(b *testing.B) {
	for _, chunkSize := range []int{128, 4096} {
		b.Run(fmt.Sprintf("chunk%d", chunkSize), func(b *testing.B) {
			stream, messages := benchStream(chunkSize)
			const readSize = 16 << 10 // a typical socket read
			r := NewChunkReader()
			n := 0
			fn := func(m *Message) error {
				n++
				m.Body.Release()
				return nil
			}
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for rest := stream; len(rest) > 0; {
					k := min(len(rest), readSize)
					if _, err := r.Feed(rest[:k], fn); err != nil {
						b.Fatal(err)
					}
					rest = rest[k:]
				}
			}
			b.StopTimer()
			if n != b.N*messages {
				b.Fatalf("%d messages, want %d", n, b.N*messages)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/msg")
		})
	}
}

func BenchmarkAppendChunks100KB(b *testing.B) {
	payload := fill(100<<10, 3)
	for _, chunkSize := range []int{60000, 128} {
		b.Run(fmt.Sprintf("chunk%d", chunkSize), func(b *testing.B) {
			dst := make([]byte, 0, ChunksLen(CSIDVideo, len(payload), chunkSize, 0))
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				dst = AppendChunks(dst[:0], CSIDVideo, MsgVideo, 1, uint32(i), payload, chunkSize)
			}
		})
	}
}

func BenchmarkServerHandshake(b *testing.B) {
	simple := makeC0C1(1, 1)
	clear(simple[5:9]) // a zero version: no digest looked for past the check
	simple[1+100]++    // and the digest no longer matches
	for _, tc := range []struct {
		name    string
		c0c1    []byte
		complex bool
	}{
		{"complex", makeC0C1(1, 1), true},
		{"simple", simple, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var dst []byte
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var complex bool
				var err error
				dst, complex, err = AppendServerHandshake(dst[:0], tc.c0c1, nil)
				if err != nil || complex != tc.complex {
					b.Fatal(complex, err)
				}
			}
		})
	}
}
