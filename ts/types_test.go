package ts

import (
	"testing"
	"time"
)

func TestTicks(t *testing.T) {
	tests := []struct {
		d     time.Duration
		ticks int64
	}{
		{0, 0},
		{time.Second, 90000},
		{40 * time.Millisecond, 3600},
		{-time.Second, -90000},
		{100 * time.Hour, 100 * 3600 * 90000},
	}
	for _, tt := range tests {
		if got := Ticks(tt.d); got != tt.ticks {
			t.Errorf("Ticks(%v) = %d, want %d", tt.d, got, tt.ticks)
		}
		if got := Duration(tt.ticks); got != tt.d {
			t.Errorf("Duration(%d) = %v, want %v", tt.ticks, got, tt.d)
		}
	}
	if got := Ticks(11111 * time.Nanosecond); got != 0 {
		t.Errorf("Ticks(11111ns) = %d, want 0 (rounded toward zero)", got)
	}
}

func TestStreamTypesAndCodecs(t *testing.T) {
	tests := []struct {
		codec        Codec
		name         string
		streamType   StreamType
		typeName     string
		video, audio bool
	}{
		{CodecH264, "H.264", StreamTypeH264, "H.264", true, false},
		{CodecH265, "H.265", StreamTypeH265, "H.265", true, false},
		{CodecAAC, "AAC", StreamTypeAAC, "AAC (ADTS)", false, true},
		{CodecMP3, "MP3", StreamTypeMPEG1Audio, "MPEG-1 audio", false, true},
		{CodecNone, "none", 0, "stream type 0x00", false, false},
		{Codec(99), "codec 99", 0, "stream type 0x00", false, false},
	}
	for _, tt := range tests {
		st := tt.codec.StreamType()
		if tt.codec.String() != tt.name || st != tt.streamType || st.String() != tt.typeName ||
			tt.codec.IsVideo() != tt.video || tt.codec.IsAudio() != tt.audio ||
			st.IsVideo() != tt.video || st.IsAudio() != tt.audio {
			t.Errorf("%v: %q %v %q video %v audio %v", tt.codec, tt.codec.String(), st, st.String(), st.IsVideo(), st.IsAudio())
		}
	}
	if StreamTypeMPEG2Audio.String() != "MPEG-2 audio" || !StreamTypeMPEG2Audio.IsAudio() {
		t.Error("MPEG-2 audio")
	}
}
