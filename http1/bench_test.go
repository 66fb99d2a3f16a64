package http1

import "testing"

func BenchmarkParseRequest(b *testing.B) {
	for _, bm := range []struct{ name, head string }{
		{"ffplay", ffplayGET},
		{"flvjs", flvjsGET},
	} {
		b.Run(bm.name, func(b *testing.B) {
			in := []byte(bm.head)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ParseRequest(in, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseRequestIncomplete measures the cost of looking at a head
// that has not ended yet, paid on every read until it does.
func BenchmarkParseRequestIncomplete(b *testing.B) {
	in := []byte(flvjsGET[:len(flvjsGET)-2])
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseRequest(in, 0); err != ErrIncomplete {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendResponseHead(b *testing.B) {
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendResponseHead(buf[:0], 200, "Content-Type", "video/x-flv", "Connection", "Keep-Alive")
		buf = AppendCORS(buf)
	}
}
