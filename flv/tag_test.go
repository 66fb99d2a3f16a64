package flv

import (
	"bytes"
	"testing"
)

func TestAppendHeader(t *testing.T) {
	for _, tc := range []struct {
		audio, video bool
		flags        byte
	}{
		{false, false, 0}, {true, false, 4}, {false, true, 1}, {true, true, 5},
	} {
		want := []byte{'F', 'L', 'V', 1, tc.flags, 0, 0, 0, 9, 0, 0, 0, 0}
		if got := AppendHeader(nil, tc.audio, tc.video); !bytes.Equal(got, want) {
			t.Errorf("AppendHeader(%v, %v) = %x, want %x", tc.audio, tc.video, got, want)
		}
	}
}

func TestAppendTag(t *testing.T) {
	for _, tc := range []struct {
		name    string
		typ     uint8
		ts      uint32
		payload []byte
		want    []byte
	}{
		{
			name:    "video",
			typ:     TagVideo,
			ts:      0x123456,
			payload: []byte{0x17, 0x01},
			want:    []byte{9, 0, 0, 2, 0x12, 0x34, 0x56, 0, 0, 0, 0, 0x17, 0x01, 0, 0, 0, 13},
		},
		{
			name:    "extended timestamp",
			typ:     TagAudio,
			ts:      0xfe123456,
			payload: []byte{0xaf},
			want:    []byte{8, 0, 0, 1, 0x12, 0x34, 0x56, 0xfe, 0, 0, 0, 0xaf, 0, 0, 0, 12},
		},
		{
			name: "empty script",
			typ:  TagScript,
			want: []byte{18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := AppendTag([]byte{0xee}, tc.typ, tc.ts, tc.payload)
			if !bytes.Equal(got[1:], tc.want) || got[0] != 0xee {
				t.Errorf("AppendTag = %x, want ee%x", got, tc.want)
			}
			if n := TagLen(len(tc.payload)); n != len(tc.want) {
				t.Errorf("TagLen = %d, want %d", n, len(tc.want))
			}
		})
	}
}

func TestAppendTagMaxSize(t *testing.T) {
	payload := make([]byte, MaxDataSize)
	out := AppendTag(nil, TagVideo, 0, payload)
	if len(out) != TagLen(MaxDataSize) || !bytes.Equal(out[1:4], []byte{0xff, 0xff, 0xff}) {
		t.Errorf("DataSize bytes %x, len %d", out[1:4], len(out))
	}
	defer func() {
		if recover() == nil {
			t.Error("AppendTag with MaxDataSize+1 bytes did not panic")
		}
	}()
	AppendTag(nil, TagVideo, 0, append(payload, 0))
}

func TestAppendTagAllocs(t *testing.T) {
	payload := make([]byte, 100<<10)
	dst := make([]byte, 0, TagLen(len(payload)))
	if n := testing.AllocsPerRun(100, func() {
		dst = AppendTag(dst[:0], TagVideo, 1234, payload)
	}); n != 0 {
		t.Errorf("AppendTag allocates %v times", n)
	}
}

func TestFourCCString(t *testing.T) {
	for f, want := range map[FourCC]string{
		FourCCHEVC: "hvc1", FourCCOpus: "Opus", FourCCMP3: ".mp3", FourCC(0x01020304): "0x01020304",
	} {
		if got := f.String(); got != want {
			t.Errorf("%#x.String() = %q, want %q", uint32(f), got, want)
		}
	}
	if MakeFourCC([4]byte{'a', 'v', '0', '1'}) != FourCCAV1 || FourCCAV1.Bytes() != [4]byte{'a', 'v', '0', '1'} {
		t.Error("MakeFourCC/Bytes do not match FourCCAV1")
	}
}
