package flv

import (
	"bytes"
	"io"
	"testing"
)

var sinkBool bool

func BenchmarkIsVideoKeyframe(b *testing.B) {
	for _, bc := range []struct {
		name     string
		payloads [][]byte
	}{
		{"legacy", [][]byte{avcKeyNALU, avcInterNALU, avcKeyNALU, avcInterNALU}},
		{"enhanced", [][]byte{exHEVCKey, exHEVCInter, exModExKey, exMultiMany}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sinkBool = IsVideoKeyframe(bc.payloads[i&3])
			}
		})
	}
}

func BenchmarkIsVideoSequenceHeader(b *testing.B) {
	payloads := [][]byte{avcSeqHeader, avcInterNALU, exHEVCSeqStart, exModExSeq}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkBool = IsVideoSequenceHeader(payloads[i&3])
	}
}

func BenchmarkIsAudioSequenceHeader(b *testing.B) {
	payloads := [][]byte{aacSeqHeader, aacRaw, exAACSeqStart, mp3Frame}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sinkBool = IsAudioSequenceHeader(payloads[i&3])
	}
}

func BenchmarkAppendTag(b *testing.B) {
	payload := make([]byte, 100<<10)
	dst := make([]byte, 0, TagLen(len(payload)))
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendTag(dst[:0], TagVideo, 123456, payload)
	}
}

func BenchmarkParseVideoTagHeader(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseVideoTagHeader(exHEVCKey); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReader reads the 720p reference stream with a reused tag.
func BenchmarkReader(b *testing.B) {
	data := mediaFile(b, "h264_aac_720p25.flv")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		r.ReuseTag = true
		for {
			if _, err := r.ReadTag(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkParserFeed feeds the 720p reference stream to a Parser in
// pieces of 1400 bytes (a TCP segment), as an HTTP POST body arrives.
func BenchmarkParserFeed(b *testing.B) {
	data := mediaFile(b, "h264_aac_720p25.flv")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var p Parser
	tags := 0
	count := func(*Tag) error { tags++; return nil }
	for b.Loop() {
		p = Parser{buf: p.buf[:0]}
		for in := data; len(in) > 0; {
			n := min(1400, len(in))
			if err := p.Feed(in[:n], count); err != nil {
				b.Fatal(err)
			}
			in = in[n:]
		}
	}
	if tags == 0 {
		b.Fatal("no tags")
	}
}
