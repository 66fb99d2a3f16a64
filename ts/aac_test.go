package ts

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func TestParseAudioSpecificConfig(t *testing.T) {
	tests := []struct {
		name    string
		asc     string
		want    AudioSpecificConfig
		err     error
		adtsErr error // what SetAACConfig / AppendADTSHeader make of it
	}{
		{name: "LC 44.1 kHz stereo", asc: "1210",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 4, SampleRate: 44100, ChannelConfig: 2}},
		{name: "LC 48 kHz mono", asc: "1188",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 3, SampleRate: 48000, ChannelConfig: 1}},
		{name: "explicit 44100 Hz maps to index 4", asc: "1780562210",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 15, SampleRate: 44100, ChannelConfig: 2}},
		{name: "explicit 44000 Hz has no ADTS index", asc: "178055f008",
			want:    AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 15, SampleRate: 44000, ChannelConfig: 1},
			adtsErr: ErrUnsupportedAAC},
		{name: "HE-AAC explicit SBR", asc: "2b118800",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 6, SampleRate: 24000, ChannelConfig: 2,
				SBR: true, ExtensionSampleRate: 48000}},
		{name: "HE-AAC v2 explicit PS", asc: "eb098800",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 6, SampleRate: 24000, ChannelConfig: 1,
				SBR: true, PS: true, ExtensionSampleRate: 48000}},
		{name: "escaped object type 42 (USAC)", asc: "f94640",
			want:    AudioSpecificConfig{ObjectType: 42, FrequencyIndex: 3, SampleRate: 48000, ChannelConfig: 2},
			adtsErr: ErrUnsupportedAAC},
		{name: "channel config 0 (PCE)", asc: "1200",
			want:    AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 4, SampleRate: 44100},
			adtsErr: ErrUnsupportedAAC},
		{name: "truncated", asc: "12", err: ErrAudioSpecificConfig},
		{name: "empty", asc: "", err: ErrAudioSpecificConfig},
		{name: "reserved frequency index 13", asc: "1690", err: ErrAudioSpecificConfig},
		{name: "object type 0", asc: "0210", err: ErrAudioSpecificConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.asc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseAudioSpecificConfig(b)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			_, err = AppendADTSHeader(nil, got, 100)
			if !errors.Is(err, tt.adtsErr) || (tt.adtsErr == nil) != (err == nil) {
				t.Fatalf("AppendADTSHeader err %v, want %v", err, tt.adtsErr)
			}
			m, _ := NewMuxer(Config{Audio: CodecAAC})
			if err := m.SetAACConfig(b); !errors.Is(err, tt.adtsErr) || (tt.adtsErr == nil) != (err == nil) {
				t.Fatalf("SetAACConfig err %v, want %v", err, tt.adtsErr)
			}
		})
	}
}

func TestAudioSpecificConfigAppend(t *testing.T) {
	for _, s := range []string{"1210", "1188", "1190", "1408", "178055f008"} {
		b, _ := hex.DecodeString(s)
		c, err := ParseAudioSpecificConfig(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Append(nil); !bytes.Equal(got, b) {
			t.Errorf("Append(%+v) = %x, want %s", c, got, s)
		}
	}
}

func TestADTSHeaderRoundTrip(t *testing.T) {
	tests := []struct {
		cfg        AudioSpecificConfig
		payload    int
		wantPrefix string // first bytes, as ffmpeg's ADTS muxer writes them
	}{
		{AudioSpecificConfig{ObjectType: 2, SampleRate: 44100, FrequencyIndex: 4, ChannelConfig: 2}, 371, "fff15080"},
		{AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, FrequencyIndex: 3, ChannelConfig: 1}, 0, "fff14c40"},
		{AudioSpecificConfig{ObjectType: 1, SampleRate: 8000, FrequencyIndex: 11, ChannelConfig: 7}, ADTSMaxFrameSize - ADTSHeaderSize, "fff12dc"},
		{AudioSpecificConfig{ObjectType: 4, SampleRate: 96000, FrequencyIndex: 15, ChannelConfig: 6}, 1000, "fff1c1"},
	}
	for _, tt := range tests {
		hdr, err := AppendADTSHeader([]byte{0xAA}, tt.cfg, tt.payload)
		if err != nil {
			t.Fatal(err)
		}
		if len(hdr) != 1+ADTSHeaderSize || !bytes.HasPrefix([]byte(hex.EncodeToString(hdr[1:])), []byte(tt.wantPrefix)) {
			t.Fatalf("header %x, want prefix %s", hdr[1:], tt.wantPrefix)
		}
		h, err := ParseADTS(hdr[1:])
		if err != nil {
			t.Fatal(err)
		}
		want := ADTSHeader{ObjectType: tt.cfg.ObjectType, FrequencyIndex: h.FrequencyIndex, SampleRate: tt.cfg.SampleRate,
			ChannelConfig: tt.cfg.ChannelConfig, FrameLength: tt.payload + ADTSHeaderSize, BufferFullness: 0x7FF, RawDataBlocks: 1}
		if h != want || h.PayloadLength() != tt.payload || h.HeaderLength() != ADTSHeaderSize {
			t.Fatalf("parsed %+v\nwant   %+v", h, want)
		}
		if c := h.Config(); c.SampleRate != tt.cfg.SampleRate || c.ObjectType != tt.cfg.ObjectType {
			t.Fatalf("Config() = %+v", c)
		}
	}
	if _, err := AppendADTSHeader(nil, tests[0].cfg, ADTSMaxFrameSize); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("oversized payload: err %v", err)
	}
}

func TestParseADTSErrors(t *testing.T) {
	tests := []struct {
		name string
		hdr  string
		err  error
	}{
		{"short", "fff150", ErrTruncated},
		{"no sync", "fef15080200000", ErrADTSSync},
		{"layer 1", "fff35080200000", ErrADTSHeader},
		{"frequency index 13", "fff17480200000", ErrADTSHeader},
		{"frame shorter than header", "fff15080000000", ErrADTSHeader},
		{"CRC announced, header cut", "fff05080200000", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.hdr)
			if _, err := ParseADTS(b); !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
		})
	}
	// With CRC: 9-byte header.
	b, _ := hex.DecodeString("fff050802000001234")
	h, err := ParseADTS(b)
	if err != nil || !h.HasCRC || h.HeaderLength() != 9 {
		t.Fatalf("CRC header: %+v %v", h, err)
	}
}
