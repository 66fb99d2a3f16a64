package hls

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/live"
)

// fuzzRecords encodes tags as FuzzMuxPackets reads them: type (8 audio,
// 9 video), 16-bit timestamp in milliseconds, 16-bit length, payload.
func fuzzRecords(tags []tag) []byte {
	var b []byte
	for _, tg := range tags {
		b = append(b, tg.typ)
		b = binary.BigEndian.AppendUint16(b, uint16(tg.ts))
		b = binary.BigEndian.AppendUint16(b, uint16(len(tg.data)))
		b = append(b, tg.data...)
	}
	return b
}

// FuzzMuxPackets feeds arbitrary audio and video payloads to a Muxer: it
// must not panic, leak packets or stop taking packets.
func FuzzMuxPackets(f *testing.F) {
	for _, name := range []string{"h264_aac_720p25.flv", "h264_mp3_360p30.flv", "aac_only.flv"} {
		tags := loadTags(f, name)
		var small []tag
		for _, tg := range tags[:40] {
			if len(tg.data) < 2000 {
				small = append(small, tg)
			}
		}
		f.Add(fuzzRecords(small))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg := testConfig(dir)
		cfg.Fragment = 200 * time.Millisecond
		cfg.Window = time.Second
		store := NewStore()
		defer store.Close()
		before := live.LivePackets()
		m, err := NewMuxer(cfg, liveID, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		for len(b) >= 5 {
			typ, ts, n := b[0], binary.BigEndian.Uint16(b[1:]), int(binary.BigEndian.Uint16(b[3:]))
			b = b[5:]
			n = min(n, len(b))
			tg := tag{typ: flv.TagAudio, ts: uint32(ts), data: b[:n]}
			if typ&1 == 1 {
				tg.typ = flv.TagVideo
			}
			b = b[n:]
			p := tg.packet(0)
			m.WritePacket(p)
			p.Release()
		}
		m.Unpublish()
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if after := live.LivePackets(); after != before {
			t.Fatalf("%d packets leaked", after-before)
		}
	})
}
