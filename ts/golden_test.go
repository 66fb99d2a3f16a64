package ts

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// segment muxes frames into HLS-style segments: each one begins with PAT
// and PMT, and a new one starts at every video keyframe. Frames before the
// first keyframe are dropped (audio-only: one segment from the first frame).
func segment(t testing.TB, mux *Muxer, frames []mediaFrame) [][]byte {
	t.Helper()
	var segs [][]byte
	hasVideo := mux.Config().Video != CodecNone
	for i, f := range frames {
		if len(segs) == 0 && hasVideo && !(f.video && f.key) {
			continue
		}
		if (f.video && f.key) || len(segs) == 0 {
			segs = append(segs, mux.AppendPATPMT(nil))
		}
		seg := &segs[len(segs)-1]
		var err error
		if f.video {
			*seg, err = mux.AppendVideo(*seg, f.pts, f.dts, f.key, f.data)
		} else {
			*seg, err = mux.AppendAudio(*seg, f.pts, f.data)
		}
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	return segs
}

// checkGolden compares got with testdata/golden/name, or writes it with
// -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: output differs from golden file at byte %d (packet %d); %d bytes, golden %d",
			name, i, i/PacketSize, len(got), len(want))
	}
}

// TestGoldenSegments muxes the start of each test file into segments and
// compares them byte for byte with the committed ones, which were checked
// with ffprobe when written (and are again here when ffprobe exists).
func TestGoldenSegments(t *testing.T) {
	tests := []struct {
		file   string
		frames int
		name   string
	}{
		{"h264_only.flv", 26, "h264_only"},             // one GOP and the next keyframe: 2 segments
		{"h264_aac_720p25.flv", 16, "h264_aac_720p25"}, // keyframe and a few frames of both
		{"h264_mp3_360p30.flv", 20, "h264_mp3_360p30"},
		{"aac_only.flv", 40, "aac_only"},
		{"h265_360p25.hevc", 8, "h265_360p25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := loadMedia(t, tt.file)
			segs := segment(t, newMediaMuxer(t, m, Config{}), m.frames[:tt.frames])
			for i, seg := range segs {
				name := fmt.Sprintf("%s_%d.ts", tt.name, i)
				checkGolden(t, name, seg)
				if hasFFmpeg() {
					path := filepath.Join("testdata", "golden", name)
					p := ffprobe(t, path)
					if len(p.Streams) == 0 || p.Format.FormatName != "mpegts" {
						t.Fatalf("%s: ffprobe finds %+v", name, p)
					}
					if out := ffmpegDecode(t, path); out != "" {
						t.Fatalf("%s: ffmpeg decode errors:\n%s", name, out)
					}
				}
			}
		})
	}
}

// TestGoldenSynthetic needs no test media: a few synthetic frames of every
// codec, PTS wrapping and odd sizes.
func TestGoldenSynthetic(t *testing.T) {
	var out []byte
	h264, _ := NewMuxer(Config{Video: CodecH264, Audio: CodecAAC})
	_ = h264.SetH264Params([][]byte{testSPS}, [][]byte{testPPS})
	_ = h264.SetAACConfig([]byte{0x12, 0x10})
	out = h264.AppendPATPMT(out)
	for i := range 6 {
		pts := int64(timestampMask - 7200 + i*3600) // wraps after two frames
		var err error
		if out, err = h264.AppendVideo(out, pts+3600, pts, i%3 == 0, lengthPrefixed(bytes.Repeat([]byte{0x41 + byte(i)}, 170+i*7))); err != nil {
			t.Fatal(err)
		}
		if out, err = h264.AppendAudio(out, pts, bytes.Repeat([]byte{byte(i)}, 160+i)); err != nil {
			t.Fatal(err)
		}
	}
	checkGolden(t, "synthetic_h264_aac.ts", out)

	h265, _ := NewMuxer(Config{Video: CodecH265, Audio: CodecMP3})
	_ = h265.SetH265Params([][]byte{{0x40, 0x01}}, [][]byte{{0x42, 0x01}}, [][]byte{{0x44, 0x01}})
	out = h265.AppendPATPMT(nil)
	out, _ = h265.AppendVideo(out, 0, 0, true, lengthPrefixed([]byte{0x26, 0x01, 0xAA}))
	out, _ = h265.AppendAudio(out, 0, []byte{0xFF, 0xFB, 0x50, 0x64})
	checkGolden(t, "synthetic_h265_mp3.ts", out)
}

// hasFFmpeg reports whether the golden files are also checked with ffprobe:
// always, except in -short runs (make test installs ffmpeg; a missing one fails).
func hasFFmpeg() bool { return !testing.Short() }
