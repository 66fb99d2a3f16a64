package flv

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// Fuzz targets. Seeds come from f.Add below and from the committed corpus
// in testdata/fuzz/FuzzXxx (real streams and codec configurations).

func addCodecConfigSeeds(f *testing.F, codec string, add func(record []byte)) {
	for _, tc := range loadCodecConfigs(f) {
		if tc.Want.Codec == codec {
			add(mustHex(f, tc.Config))
		}
	}
}

func FuzzReader(f *testing.F) {
	f.Add(testStream())
	f.Add(AppendHeader(nil, false, false))
	f.Add(append(AppendHeader(nil, true, true), TagVideo|0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x17))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		r.MaxDataSize = 1 << 16
		tags := readUnencrypted(r)
		for _, tag := range tags {
			// Whatever the body, the classifiers and parsers must not
			// panic on it.
			switch tag.Type {
			case TagVideo:
				IsVideoKeyframe(tag.Data)
				IsVideoSequenceHeader(tag.Data)
				ParseVideoTagHeader(tag.Data)
			case TagAudio:
				IsAudioSequenceHeader(tag.Data)
				ParseAudioTagHeader(tag.Data)
			}
		}
		// Written back and read again, the tags are the same.
		var buf bytes.Buffer
		w, err := NewWriter(&buf, r.HasAudio(), r.HasVideo())
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range tags {
			if err := w.WriteTag(tag.Type, tag.Timestamp, tag.Data); err != nil {
				t.Fatal(err)
			}
		}
		r2, err := NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		r2.CheckPreviousTagSize = true
		for i, want := range tags {
			got, err := r2.ReadTag()
			if err != nil {
				t.Fatalf("tag %d: %v", i, err)
			}
			if got.Type != want.Type || got.Timestamp != want.Timestamp || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("tag %d: got %+v, want %+v", i, got, want)
			}
		}
		if _, err := r2.ReadTag(); err != io.EOF {
			t.Fatalf("after %d tags: %v", len(tags), err)
		}
	})
}

// readUnencrypted reads r's tags up to its first error, skipping the
// encrypted ones.
func readUnencrypted(r *Reader) []Tag {
	var tags []Tag
	for {
		tag, err := r.ReadTag()
		if errors.Is(err, ErrEncrypted) {
			continue
		}
		if err != nil {
			return tags
		}
		tags = append(tags, *tag)
	}
}

func FuzzParseVideoTagHeader(f *testing.F) {
	for _, p := range [][]byte{
		avcSeqHeader, avcKeyNALU, avcInterNALU, avcEndOfSeq, hevcLegacySeq, videoCommand, vp6Inter,
		exHEVCSeqStart, exHEVCKey, exHEVCKeyX, exHEVCInter, exAV1SeqStart, exAV1Key, exAV1TSSeq,
		exMetadata, exSeqEnd, exCommand, exModExSeq, exModExKey, exModExLong,
		exMultiOneSeq, exMultiMany, exMultiManyCodecs,
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		key, seq := IsVideoKeyframe(payload), IsVideoSequenceHeader(payload)
		h, err := ParseVideoTagHeader(payload)
		if err != nil {
			return
		}
		if h.HeaderLen < 1 || h.DataLen < 0 || h.HeaderLen+h.DataLen > len(payload) {
			t.Fatalf("HeaderLen %d, DataLen %d for %d bytes", h.HeaderLen, h.DataLen, len(payload))
		}
		if seq != h.IsSequenceHeader() {
			t.Fatalf("IsVideoSequenceHeader %v, header says %v (%+v)", seq, h.IsSequenceHeader(), h)
		}
		wantKey := h.FrameType == FrameTypeKey && !(h.Enhanced && h.PacketType == VideoPacketMetadata)
		if key != wantKey {
			t.Fatalf("IsVideoKeyframe %v, header says %v (%+v)", key, wantKey, h)
		}
	})
}

func FuzzParseAudioTagHeader(f *testing.F) {
	for _, p := range [][]byte{
		aacSeqHeader, aacRaw, mp3Frame, exAACSeqStart, exOpusFrames, exOpusSeqStart,
		exAudioMultiSeq, exAudioModExSeq, exAudioChannels, exAudioSeqEndMP3,
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		seq := IsAudioSequenceHeader(payload)
		h, err := ParseAudioTagHeader(payload)
		if err != nil {
			return
		}
		if h.HeaderLen < 1 || h.DataLen < 0 || h.HeaderLen+h.DataLen > len(payload) {
			t.Fatalf("HeaderLen %d, DataLen %d for %d bytes", h.HeaderLen, h.DataLen, len(payload))
		}
		if seq != h.IsSequenceHeader() {
			t.Fatalf("IsAudioSequenceHeader %v, header says %v (%+v)", seq, h.IsSequenceHeader(), h)
		}
	})
}

func FuzzParseAVCConfig(f *testing.F) {
	addCodecConfigSeeds(f, "H264", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseAVCConfig(b)
		if err != nil {
			return
		}
		for _, sps := range c.SPS {
			ParseH264SPS(sps)
		}
		out := c.Append(nil)
		c2, err := ParseAVCConfig(out)
		if err != nil {
			t.Fatalf("parse of Append output %x: %v", out, err)
		}
		if !reflect.DeepEqual(normalizeSets(c), normalizeSets(c2)) {
			t.Fatalf("round trip:\n got  %+v\n want %+v", c2, c)
		}
	})
}

// normalizeSets makes empty parameter set lists nil for comparison.
func normalizeSets[T any](c *T) *T {
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Type() == reflect.TypeFor[[][]byte]() && f.Len() == 0 {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return c
}

func FuzzParseHEVCConfig(f *testing.F) {
	addCodecConfigSeeds(f, "H265", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseHEVCConfig(b)
		if err != nil {
			return
		}
		for _, sps := range c.SPS {
			ParseH265SPS(sps)
		}
		out := c.Append(nil)
		c2, err := ParseHEVCConfig(out)
		if err != nil {
			t.Fatalf("parse of Append output %x: %v", out, err)
		}
		if !reflect.DeepEqual(normalizeSets(c), normalizeSets(c2)) {
			t.Fatalf("round trip:\n got  %+v\n want %+v", c2, c)
		}
	})
}

func FuzzParseH264SPS(f *testing.F) {
	addCodecConfigSeeds(f, "H264", func(b []byte) {
		if c, err := ParseAVCConfig(b); err == nil {
			f.Add(c.SPS[0])
		}
	})
	f.Add(handmadeH264SPS(100, 120, 68, 4, true))
	f.Fuzz(func(t *testing.T, sps []byte) {
		info, err := ParseH264SPS(sps)
		if err == nil && (info.Width <= 0 || info.Height <= 0) {
			t.Fatalf("size %dx%d", info.Width, info.Height)
		}
	})
}

func FuzzParseH265SPS(f *testing.F) {
	addCodecConfigSeeds(f, "H265", func(b []byte) {
		if c, err := ParseHEVCConfig(b); err == nil {
			f.Add(c.SPS[0])
		}
	})
	f.Fuzz(func(t *testing.T, sps []byte) {
		info, err := ParseH265SPS(sps)
		if err == nil && (info.Width <= 0 || info.Height <= 0) {
			t.Fatalf("size %dx%d", info.Width, info.Height)
		}
	})
}

func FuzzParseAudioSpecificConfig(f *testing.F) {
	for _, s := range []string{
		"121056e500", "118856e500", "1210", "1214", "2b118800", "eb098800", "130856e59d4880",
		"178055f010", "f94856", "120005080500010880026869",
	} {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseAudioSpecificConfig(b)
		if err != nil {
			return
		}
		out := c.Append(nil)
		c2, err := ParseAudioSpecificConfig(out)
		if err != nil {
			t.Fatalf("parse of Append output %x: %v", out, err)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip of %x via %x:\n got  %+v\n want %+v", b, out, c2, c)
		}
	})
}
