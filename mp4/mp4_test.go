package mp4

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// A real AVCDecoderConfigurationRecord (High profile, 1280x720) and AAC-LC
// 44.1 kHz stereo AudioSpecificConfig.
var (
	testAVCC = []byte{0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x0f, 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50,
		0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x01, 0x00, 0x04, 0x68, 0xeb, 0xe3, 0xcb}
	testASC    = []byte{0x12, 0x10}
	testTracks = []Track{
		{ID: 1, Codec: CodecAVC, Config: testAVCC, Width: 1280, Height: 720},
		{ID: 2, Codec: CodecAAC, Config: testASC, SampleRate: 44100, Channels: 2},
	}
	testRuns = []Run{
		{TrackID: 1, BaseTime: 2000, Samples: []Sample{
			{Duration: 40, Size: 5, CompositionOffset: 80, Sync: true},
			{Duration: 40, Size: 3, CompositionOffset: -40},
		}},
		{TrackID: 2, BaseTime: 1995, Samples: []Sample{{Duration: 23, Size: 4, Sync: true}, {Duration: 23, Size: 2, Sync: true}}},
	}
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got %x\nwant %x", name, got, want)
	}
}

// paths lists the box paths Walk finds in b.
func paths(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	if err := Walk(b, func(box Box) error { out = append(out, box.Path); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInitSegment(t *testing.T) {
	tests := []struct {
		name   string
		tracks []Track
		want   []string // boxes that must be there
	}{
		{"init-avc-aac.mp4", testTracks, []string{"ftyp", "moov/mvhd", "moov/trak/tkhd", "moov/trak/mdia/mdhd",
			"moov/trak/mdia/hdlr", "moov/trak/mdia/minf/vmhd", "moov/trak/mdia/minf/stbl/stsd/avc1/avcC",
			"moov/trak/mdia/minf/stbl/stsd/mp4a/esds", "moov/trak/mdia/minf/smhd", "moov/mvex/mehd", "moov/mvex/trex"}},
		{"init-hevc-mp3.mp4", []Track{
			{ID: 1, Codec: CodecHEVC, Config: []byte{1, 2, 3}, Width: 640, Height: 360},
			{ID: 2, Codec: CodecMP3, SampleRate: 44100, Channels: 2},
		}, []string{"moov/trak/mdia/minf/stbl/stsd/hvc1/hvcC", "moov/trak/mdia/minf/stbl/stsd/mp4a/esds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AppendInit(nil, tt.tracks, 0)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b)
			got := strings.Join(paths(t, b), " ")
			for _, w := range tt.want {
				if !strings.Contains(" "+got+" ", " "+w+" ") {
					t.Errorf("no %s in %s", w, got)
				}
			}
			if !bytes.HasPrefix(b[4:], []byte("ftypiso5")) {
				t.Errorf("major brand: %q", b[4:12])
			}
			// The size does not depend on the duration, so the final init
			// segment can be written over the first.
			b2, _ := AppendInit(nil, tt.tracks, 123456)
			if len(b2) != len(b) || bytes.Equal(b2, b) {
				t.Errorf("init with a duration: %d bytes, want %d and different content", len(b2), len(b))
			}
		})
	}
}

func TestInitErrors(t *testing.T) {
	tests := []struct {
		name   string
		tracks []Track
	}{
		{"no tracks", nil},
		{"avc without config", []Track{{ID: 1, Codec: CodecAVC}}},
		{"aac without config", []Track{{ID: 1, Codec: CodecAAC}}},
		{"unknown codec", []Track{{ID: 1, Codec: "vp08", Config: []byte{1}}}},
	}
	for _, tt := range tests {
		if _, err := AppendInit(nil, tt.tracks, 0); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	if _, err := AppendInit(nil, []Track{{ID: 1, Codec: "vp08"}}, 0); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("unknown codec: %v", err)
	}
}

func TestFragment(t *testing.T) {
	hdr, err := AppendFragmentHeader(nil, 7, testRuns)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("VVVVVvvvAAAAaa")
	frag := append(hdr, data...)
	golden(t, "fragment.m4s", frag)
	want := []string{"moof", "moof/mfhd", "moof/traf", "moof/traf/tfhd", "moof/traf/tfdt", "moof/traf/trun",
		"moof/traf", "moof/traf/tfhd", "moof/traf/tfdt", "moof/traf/trun", "mdat"}
	if got := paths(t, frag); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("boxes %q, want %q", got, want)
	}
	// Each trun's data offset, from the start of the moof, points at its
	// samples in the mdat.
	var moofAt int
	var truns [][]byte
	Walk(frag, func(b Box) error {
		switch b.Type {
		case "moof":
			moofAt = b.Offset
		case "trun":
			truns = append(truns, b.Body)
		}
		return nil
	})
	for i, want := range []string{"VVVVVvvv", "AAAAaa"} {
		off := moofAt + int(binary.BigEndian.Uint32(truns[i][8:]))
		if got := string(frag[off : off+len(want)]); got != want {
			t.Errorf("run %d data at %d: %q, want %q", i, off, got, want)
		}
	}
}

func TestWalkErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"short header", []byte{0, 0, 0}, ErrTruncated},
		{"size below header", []byte{0, 0, 0, 4, 'f', 'r', 'e', 'e'}, ErrInvalidBox},
		{"size beyond input", []byte{0, 0, 0, 16, 'f', 'r', 'e', 'e', 0}, ErrTruncated},
		{"large size truncated", []byte{0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0}, ErrTruncated},
		{"large size huge", []byte{0, 0, 0, 1, 'm', 'd', 'a', 't', 0xff, 0, 0, 0, 0, 0, 0, 0}, ErrTruncated},
		{"sample entry too short", []byte{0, 0, 0, 12, 'a', 'v', 'c', '1', 0, 0, 0, 0}, ErrTruncated},
	}
	for _, tt := range tests {
		if err := Walk(tt.in, func(Box) error { return nil }); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// Nesting deeper than MaxDepth.
	var deep []byte
	for range MaxDepth + 2 {
		deep = append(binary.BigEndian.AppendUint32(nil, uint32(len(deep)+8)), append([]byte("moov"), deep...)...)
	}
	if err := Walk(deep, func(Box) error { return nil }); !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep: %v", err)
	}
}

func BenchmarkAppendFragmentHeader(b *testing.B) {
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendFragmentHeader(buf[:0], 1, testRuns)
	}
}
