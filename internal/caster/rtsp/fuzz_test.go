package rtsp

import (
	"testing"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/pion/rtp"

	"github.com/cascade-live/cascade/internal/caster/flvconv"
)

type discard struct{ n int }

func (d *discard) WriteTag(uint8, uint32, []byte) error { d.n++; return nil }

// FuzzTracks feeds arbitrary RTP payloads (split at 0xFF 0xFF into
// packets) to an H.264, an H.265, an AAC and an MPEG audio track: no panic.
func FuzzTracks(f *testing.F) {
	sps := []byte{0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0x84, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x58, 0xb9, 0x20}
	f.Add([]byte{0x65, 0x88, 0x84, 0xff, 0xff, 0x7c, 0x85, 0x88, 0xff, 0xff, 0x7c, 0x45, 0x99, 0xff, 0xff, 0x18, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce})
	f.Add([]byte{0x00, 0x10, 0x00, 0x20, 0x21, 0x10, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xfb, 0x70, 0xc4})
	f.Fuzz(func(t *testing.T, b []byte) {
		desc := &description.Session{Medias: []*description.Media{
			{Type: description.MediaTypeVideo, Formats: []format.Format{&format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: sps, PPS: []byte{0x68, 0xce, 0x0f, 0xc8}}}},
			{Type: description.MediaTypeVideo, Formats: []format.Format{&format.H265{PayloadTyp: 97}}},
			{Type: description.MediaTypeAudio, Formats: []format.Format{&format.MPEG4Audio{PayloadTyp: 98, SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3,
				Config: mustASC()}}},
			{Type: description.MediaTypeAudio, Formats: []format.Format{&format.MPEG1Audio{}}},
		}}
		var d discard
		conv := flvconv.New(&d)
		all, err := tracks(desc, conv)
		if err != nil {
			t.Fatal(err)
		}
		h265, err := h265Track(desc.Medias[1], desc.Medias[1].Formats[0].(*format.H265), conv)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, *h265)
		seq := uint16(0)
		for i, payload := range splitFF(b) {
			for _, tr := range all {
				seq++
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: i%2 == 1, SequenceNumber: seq, Timestamp: uint32(i) * 3000}, Payload: payload}
				_ = tr.decode(conv, pkt, int64(i)*3000)
			}
		}
	})
}

func splitFF(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i+1 < len(b) && !(b[i] == 0xff && b[i+1] == 0xff) {
			i++
		}
		if i+1 >= len(b) {
			i = len(b)
		}
		out = append(out, b[:i])
		b = b[min(i+2, len(b)):]
	}
	return out
}

func mustASC() *mpeg4audio.AudioSpecificConfig {
	var c mpeg4audio.AudioSpecificConfig
	if err := c.Unmarshal([]byte{0x12, 0x10}); err != nil {
		panic(err)
	}
	return &c
}
