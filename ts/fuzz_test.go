package ts

import (
	"bytes"
	"slices"
	"testing"
)

// Seed corpora live in testdata/fuzz/<FuzzName>; the f.Add seeds below
// cover the basics without them.

func FuzzDemuxer(f *testing.F) {
	f.Add(syntheticStream(f, 3), uint16(0), uint16(0))
	f.Add(syntheticStream(f, 2)[:700], uint16(1), uint16(100))
	f.Add([]byte{SyncByte, 0x40, 0, 0x10}, uint16(3), uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, chunk, maxPES uint16) {
		d := &Demuxer{MaxPESSize: int(maxPES), OnError: func(error) {}}
		limit := int(maxPES)
		if limit == 0 {
			limit = DefaultMaxPESSize
		}
		fn := func(fr *Frame) error {
			if len(fr.Data) > limit {
				t.Fatalf("frame of %d bytes over limit %d", len(fr.Data), limit)
			}
			if fr.PTS != NoTimestamp && (fr.PTS < 0 || fr.PTS > timestampMask || fr.DTS < 0 || fr.DTS > timestampMask) {
				t.Fatalf("timestamps %d %d", fr.PTS, fr.DTS)
			}
			return nil
		}
		n := int(chunk)
		if n == 0 {
			n = len(b)
		}
		for rest := b; len(rest) > 0; {
			k := min(n, len(rest))
			if err := d.Feed(rest[:k], fn); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
		if err := d.Flush(fn); err != nil {
			t.Fatal(err)
		}
		if s := d.Stats(); s.Packets > uint64(len(b)/PacketSize) || s.SkippedBytes > uint64(len(b)) {
			t.Fatalf("stats %+v for %d bytes", s, len(b))
		}
	})
}

func FuzzParseADTS(f *testing.F) {
	f.Add(mustHex(f, "fff15080200000"))
	f.Add(mustHex(f, "fff050802000001234"))
	f.Add(mustHex(f, "fff14c40011ffc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseADTS(b)
		if err != nil {
			return
		}
		if h.FrameLength < h.HeaderLength() || h.FrameLength > ADTSMaxFrameSize || h.SampleRate == 0 || len(b) < h.HeaderLength() {
			t.Fatalf("inconsistent header %+v from %d bytes", h, len(b))
		}
		if h.ChannelConfig == 0 || h.HasCRC {
			return
		}
		// Written back, the header parses to the same fields.
		out, err := AppendADTSHeader(nil, h.Config(), h.PayloadLength())
		if err != nil {
			t.Fatal(err)
		}
		h2, err := ParseADTS(out)
		if err != nil {
			t.Fatal(err)
		}
		if h2.ObjectType != h.ObjectType || h2.FrequencyIndex != h.FrequencyIndex ||
			h2.ChannelConfig != h.ChannelConfig || h2.FrameLength != h.FrameLength {
			t.Fatalf("%+v written back as %+v", h, h2)
		}
	})
}

func FuzzParseAudioSpecificConfig(f *testing.F) {
	for _, s := range []string{"1210", "1188", "1780562210", "2b118800", "eb098800", "f94640"} {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseAudioSpecificConfig(b)
		if err != nil {
			return
		}
		if c.ObjectType == 0 || c.SampleRate <= 0 {
			t.Fatalf("config %+v", c)
		}
		p, err := newADTSParams(c)
		if err != nil {
			return
		}
		hdr := p.appendHeader(nil, 100)
		h, err := ParseADTS(hdr)
		if err != nil || h.SampleRate != c.SampleRate || h.ObjectType != c.ObjectType {
			t.Fatalf("config %+v as ADTS %+v, %v", c, h, err)
		}
	})
}

func FuzzAnnexB(f *testing.F) {
	f.Add(mustHex(f, "000000016742000000016801"), uint8(4))
	f.Add(mustHex(f, "0000016742000000000000016801000000"), uint8(2))
	f.Add(mustHex(f, "0000000265b8000000014c"), uint8(4))
	f.Add(mustHex(f, "0265b8014c"), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, lengthSize uint8) {
		ls := []int{1, 2, 4}[lengthSize%3]
		var nalus [][]byte
		for n := range SplitAnnexB(b) {
			if len(n) == 0 || n[len(n)-1] == 0 || bytes.Contains(n, startCodePrefix) {
				t.Fatalf("bad NAL unit %x", n)
			}
			nalus = append(nalus, n)
		}
		// Annex B -> length-prefixed -> Annex B keeps the NAL units.
		lp, err := AppendLengthPrefixed(nil, b, ls)
		if err != nil {
			return // a unit too long for the length size
		}
		ab, err := AppendAnnexB(nil, lp, ls)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(slices.Collect(SplitAnnexB(ab)), nalus, bytes.Equal) {
			t.Fatalf("round trip changed NAL units")
		}
		// Arbitrary bytes as length-prefixed data: error or success, never
		// a changed dst on error.
		prefix := []byte{0xEE}
		if out, err := AppendAnnexB(prefix, b, ls); err != nil && !bytes.Equal(out, prefix) {
			t.Fatal("dst changed on error")
		}
	})
}

// FuzzMuxDemux muxes arbitrary video data and checks that the demuxer gives
// it back.
func FuzzMuxDemux(f *testing.F) {
	f.Add(lengthPrefixed(testIDR), true, int64(0))
	f.Add(lengthPrefixed(testAUD, testP), false, int64(1<<33+5))
	f.Add([]byte{0, 0, 0, 1, 9, 0, 0, 0, 1}, true, int64(-1))
	f.Fuzz(func(t *testing.T, data []byte, key bool, pts int64) {
		m, _ := NewMuxer(Config{Video: CodecH264, Audio: CodecAAC})
		_ = m.SetH264Params([][]byte{testSPS}, [][]byte{testPPS})
		out, err := m.AppendVideo(m.AppendPATPMT(nil), pts, pts, key, data)
		if err != nil {
			return
		}
		if out, err = m.AppendAudio(out, pts, data); err != nil {
			// Raw AAC without a configuration: fine unless it is ADTS.
			if isADTSFrame(data) {
				t.Fatal(err)
			}
		}
		if len(out)%PacketSize != 0 {
			t.Fatalf("%d bytes", len(out))
		}
		var frames []demuxed
		d := &Demuxer{}
		fn := func(fr *Frame) error { frames = append(frames, demuxed{*fr, bytes.Clone(fr.Data)}); return nil }
		if err := d.Feed(out, fn); err != nil {
			t.Fatal(err)
		}
		_ = d.Flush(fn)
		video := byPID(frames, PIDVideo)
		if s := d.Stats(); len(video) != 1 || s.PESErrors+s.ContinuityErrors+s.SectionErrors+s.CRCErrors != 0 {
			t.Fatalf("%d video frames, stats %+v", len(video), s)
		}
		if video[0].PTS != pts&timestampMask || video[0].RandomAccess != key {
			t.Fatalf("frame %+v", video[0].Frame)
		}
		h, _ := parsePESHeader(pesPayloads(t, splitPackets(t, out), PIDVideo)[0])
		if want := expectedH264AnnexB(data, key); !bytes.Equal(video[0].data, want) || h.headerSize+len(want) > len(out) {
			t.Fatalf("video payload\n%x\nwant\n%x", video[0].data, want)
		}
	})
}

// expectedH264AnnexB is the Annex B access unit the muxer should write for
// 4-byte length-prefixed data, with testSPS and testPPS as parameter sets:
// an AUD first unless the data has one, the parameter sets before a
// keyframe's first unit that is not an AUD unless the data has an SPS.
func expectedH264AnnexB(data []byte, key bool) []byte {
	var nalus [][]byte
	hasAUD, hasSPS := false, false
	for rest := data; len(rest) > 0; {
		n, r, _ := nextNALU(rest, 4)
		rest = r
		if len(n) > 0 {
			nalus = append(nalus, n)
			hasAUD = hasAUD || H264NALType(n) == H264NALAUD
			hasSPS = hasSPS || H264NALType(n) == H264NALSPS
		}
	}
	var out []byte
	if !hasAUD {
		out = append(out, h264AUD...)
	}
	needParams := key && !hasSPS
	for _, n := range nalus {
		if needParams && H264NALType(n) != H264NALAUD {
			out = append(out, annexB(testSPS, testPPS)...)
			needParams = false
		}
		out = append(append(out, startCode...), n...)
	}
	return out
}
