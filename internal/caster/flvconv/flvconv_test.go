package flvconv

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/ts"
)

// fileWriter writes tags to an FLV file.
type fileWriter struct{ w *flv.Writer }

func (f fileWriter) WriteTag(typ uint8, t uint32, b []byte) error { return f.w.WriteTag(typ, t, b) }

// toTS has ffmpeg remux a test file into MPEG-TS, its timestamps starting
// at offset seconds.
func toTS(t testing.TB, media string, offset string) []byte {
	t.Helper()
	in := testpeer.Media(t, media)
	if filepath.Ext(media) == ".hevc" {
		// The raw stream has no timestamps: give it some in MP4 first.
		in = ffmpeg(t, "in.mp4", "-framerate", "25", "-i", in, "-c", "copy")
	}
	b, err := os.ReadFile(ffmpeg(t, "in.ts", "-i", in, "-c", "copy", "-output_ts_offset", offset, "-f", "mpegts"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ffmpeg runs ffmpeg with args and returns the path of its output, name
// in a temporary directory.
func ffmpeg(t testing.TB, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	args = append([]string{"-hide_banner", "-nostdin", "-loglevel", "error"}, args...)
	p := testpeer.Start(t, "ffmpeg", append(args, "-y", out)...)
	if err := p.Wait(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, p.Output())
	}
	return out
}

// convert demuxes in (fed in UDP-sized pieces) into an FLV file.
func convert(t *testing.T, in []byte) (string, *Converter) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.flv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := flv.NewWriter(f, true, true)
	if err != nil {
		t.Fatal(err)
	}
	c := New(fileWriter{w})
	var d ts.Demuxer
	write := func(fr *ts.Frame) error {
		if err := c.WriteTSFrame(fr); err != nil && !errors.Is(err, ErrMalformed) {
			return err
		}
		return nil
	}
	for len(in) > 0 {
		n := min(1316, len(in))
		if err := d.Feed(in[:n], write); err != nil {
			t.Fatal(err)
		}
		in = in[n:]
	}
	if err := d.Flush(write); err != nil {
		t.Fatal(err)
	}
	return path, c
}

// TestTSToFLV: ffmpeg's MPEG-TS of each test stream, converted, is read by
// ffprobe with the source's codecs, size and duration, also when the
// 33-bit timestamps wrap in the middle.
func TestTSToFLV(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	tests := []struct {
		media          string
		offset         string // seconds; 95440 wraps 2^33 ticks after 3.7 s
		vcodec, acodec string
		width, height  int
		duration       float64
	}{
		{"h264_aac_720p25.flv", "0", "h264", "aac", 1280, 720, 10.08},
		{"h264_mp3_360p30.flv", "10", "h264", "mp3", 640, 360, 6.03},
		{"h264_aac_720p25.flv", "95440", "h264", "aac", 1280, 720, 10.08},
	}
	for _, tc := range tests {
		t.Run(tc.media+"@"+tc.offset, func(t *testing.T) {
			path, _ := convert(t, toTS(t, tc.media, tc.offset))
			r, err := testpeer.Probe(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			v, a := r.Video(), r.Audio()
			if v == nil || a == nil || v.CodecName != tc.vcodec || a.CodecName != tc.acodec || v.Width != tc.width || v.Height != tc.height {
				t.Fatalf("probe: %+v", r.Streams)
			}
			if math.Abs(r.Format.Duration-tc.duration) > 0.5 {
				t.Errorf("duration %.2f s, want %.2f", r.Format.Duration, tc.duration)
			}
		})
	}
}

// TestTSToFLVHEVC: H.265 in TS becomes Enhanced RTMP hvc1 tags: a sequence
// start with the stream's hvcC, then coded frames starting at a keyframe.
func TestTSToFLVHEVC(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	path, _ := convert(t, toTS(t, "h265_360p25.hevc", "0"))
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := flv.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	frames, keys := 0, 0
	for i := 0; ; i++ {
		tag, err := r.ReadTag()
		if err != nil {
			break
		}
		h, err := flv.ParseVideoTagHeader(tag.Data)
		if err != nil || h.Codec != flv.VideoCodecHEVC || !h.Enhanced {
			t.Fatalf("tag %d: %+v %v", i, h, err)
		}
		if i == 0 {
			cfg, err := flv.ParseHEVCConfig(tag.Data[h.HeaderLen:])
			if !h.IsSequenceHeader() || err != nil || len(cfg.SPS) != 1 {
				t.Fatalf("first tag is not the sequence start: %+v %v", h, err)
			}
			info, err := flv.ParseH265SPS(cfg.SPS[0])
			if err != nil || info.Width != 640 || info.Height != 360 {
				t.Fatalf("SPS: %+v %v", info, err)
			}
			continue
		}
		if i == 1 && h.FrameType != flv.FrameTypeKey {
			t.Fatal("first frame is not a keyframe")
		}
		frames++
		if h.FrameType == flv.FrameTypeKey {
			keys++
		}
	}
	if frames != 100 || keys != 4 {
		t.Errorf("%d frames, %d keyframes; want 100, 4", frames, keys)
	}
}

type nopWriter struct{}

func (nopWriter) WriteTag(uint8, uint32, []byte) error { return nil }

// BenchmarkTS reads ffmpeg's MPEG-TS of the 720p reference stream, in
// UDP-sized pieces, into FLV tags.
func BenchmarkTS(b *testing.B) {
	in := toTS(b, "h264_aac_720p25.flv", "0")
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewTS(nopWriter{})
		for p := in; len(p) > 0; {
			n := min(1316, len(p))
			if err := r.Feed(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
	}
}
