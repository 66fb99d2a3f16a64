package ts

import (
	"errors"
	"testing"
)

func TestParseMPEGAudioHeader(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want MPEGAudioHeader
		err  error
	}{
		{"MPEG-1 layer 3 44.1k mono", []byte{0xFF, 0xFB, 0x70, 0xC4}, MPEGAudioHeader{1, 3, 44100, 1, 1152}, nil},
		{"MPEG-1 layer 2 48k stereo", []byte{0xFF, 0xFD, 0x84, 0x00}, MPEGAudioHeader{1, 2, 48000, 2, 1152}, nil},
		{"MPEG-2 layer 3 22.05k", []byte{0xFF, 0xF3, 0x80, 0x00}, MPEGAudioHeader{2, 3, 22050, 2, 576}, nil},
		{"MPEG-2.5 layer 3 11.025k", []byte{0xFF, 0xE3, 0x80, 0x40}, MPEGAudioHeader{25, 3, 11025, 2, 576}, nil},
		{"short", []byte{0xFF, 0xFB}, MPEGAudioHeader{}, ErrTruncated},
		{"no sync", []byte{0xFF, 0x1B, 0x70, 0xC4}, MPEGAudioHeader{}, ErrMPEGAudioHeader},
		{"reserved rate", []byte{0xFF, 0xFB, 0x7C, 0xC4}, MPEGAudioHeader{}, ErrMPEGAudioHeader},
	}
	for _, tc := range tests {
		got, err := ParseMPEGAudioHeader(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%s: %+v, %v; want %+v, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestUnwrapper(t *testing.T) {
	const wrap = 1 << 33
	var u Unwrapper
	in := []int64{wrap - 9000, wrap - 3000, wrap - 6000, 0, 3000, 1500, wrap - 100, 6000}
	want := []int64{wrap - 9000, wrap - 3000, wrap - 6000, wrap, wrap + 3000, wrap + 1500, wrap - 100, wrap + 6000}
	for i, v := range in {
		if got := u.Unwrap(v); got != want[i] {
			t.Errorf("Unwrap(%d) #%d = %d, want %d", v, i, got, want[i])
		}
	}
}

func FuzzParseMPEGAudioHeader(f *testing.F) {
	f.Add([]byte{0xFF, 0xFB, 0x70, 0xC4})
	f.Add([]byte{0xFF, 0xE3, 0x80, 0x40})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseMPEGAudioHeader(b)
		if err == nil && (h.SampleRate < 8000 || h.Channels < 1 || h.Samples == 0) {
			t.Fatalf("%x: %+v", b, h)
		}
	})
}
