package srt

import (
	"os"
	"testing"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/ts"
)

// FuzzTagMuxer: any tags give whole TS packets and no panic.
func FuzzTagMuxer(f *testing.F) {
	avc := []byte{0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 2, 0x68, 0xce}
	f.Add(uint8(flv.TagVideo), avc, uint8(flv.TagVideo), []byte{0x17, 1, 0, 0, 0, 0, 0, 0, 2, 0x65, 0x88})
	f.Add(uint8(flv.TagAudio), []byte{0xaf, 0, 0x12, 0x10}, uint8(flv.TagAudio), []byte{0xaf, 1, 0x21, 0x10})
	f.Add(uint8(flv.TagAudio), []byte{0x2f, 0xff, 0xfb, 0x70, 0xc4}, uint8(flv.TagVideo), []byte{0x27, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, t1 uint8, b1 []byte, t2 uint8, b2 []byte) {
		var m tagMuxer
		for i := range uint32(300) {
			typ, b := t1, b1
			if i%2 == 1 {
				typ, b = t2, b2
			}
			if out := m.write(typ, i*10, b); len(out)%ts.PacketSize != 0 {
				t.Fatalf("%d bytes of TS", len(out))
			}
		}
	})
}

// BenchmarkTagMuxer muxes the 720p reference stream's tags to MPEG-TS, as
// one SRT player does.
func BenchmarkTagMuxer(b *testing.B) {
	f, err := os.Open(testpeer.Media(b, "h264_aac_720p25.flv"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r, err := flv.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var tags []*flv.Tag
	size := 0
	for {
		t, err := r.ReadTag()
		if err != nil {
			break
		}
		tags = append(tags, t)
		size += len(t.Data)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		var m tagMuxer
		for _, t := range tags {
			m.write(t.Type, t.Timestamp, t.Data)
		}
	}
}
