package ts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// probeResult is the part of ffprobe's JSON the tests look at.
type probeResult struct {
	Streams []struct {
		CodecType   string `json:"codec_type"`
		CodecName   string `json:"codec_name"`
		Width       int    `json:"width"`
		Height      int    `json:"height"`
		SampleRate  string `json:"sample_rate"`
		Channels    int    `json:"channels"`
		ReadPackets string `json:"nb_read_packets"`
		ID          string `json:"id"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

func (p probeResult) duration(t testing.TB) float64 {
	t.Helper()
	d, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil {
		t.Fatalf("duration %q: %v", p.Format.Duration, err)
	}
	return d
}

func needFFmpeg(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"ffprobe", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps` (scripts/install-test-deps.sh)", tool)
		}
	}
}

// ffprobe probes path, counting packets.
func ffprobe(t testing.TB, path string) probeResult {
	t.Helper()
	cmd := exec.Command("ffprobe", "-v", "error", "-count_packets", "-show_streams", "-show_format", "-of", "json", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v: %s", path, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("ffprobe %s reported errors:\n%s", path, stderr.String())
	}
	var p probeResult
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// ffmpegDecode decodes every stream of path and returns what ffmpeg
// reports at level error.
func ffmpegDecode(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %s: %v: %s", path, err, out)
	}
	return string(out)
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMuxMediaFFprobe muxes each test file and checks what ffprobe and
// ffmpeg make of the result against the source.
func TestMuxMediaFFprobe(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ffmpeg")
	}
	needFFmpeg(t)
	tests := []struct {
		file          string
		videoCodec    string
		width, height int
		audioCodec    string
		sampleRate    string
		channels      int
	}{
		{"h264_aac_720p25.flv", "h264", 1280, 720, "aac", "44100", 2},
		{"h264_mp3_360p30.flv", "h264", 640, 360, "mp3", "44100", 1},
		{"h264_only.flv", "h264", 640, 360, "", "", 0},
		{"aac_only.flv", "", 0, 0, "aac", "48000", 1},
		{"h265_360p25.hevc", "hevc", 640, 360, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := loadMedia(t, tt.file)
			path := writeTemp(t, "out.ts", muxMedia(t, m, 0))
			p := ffprobe(t, path)
			if p.Format.FormatName != "mpegts" {
				t.Errorf("format %q, want mpegts", p.Format.FormatName)
			}

			var videoFrames, audioFrames int
			for _, f := range m.frames {
				if f.video {
					videoFrames++
				} else {
					audioFrames++
				}
			}
			var sawVideo, sawAudio bool
			for _, s := range p.Streams {
				switch s.CodecType {
				case "video":
					sawVideo = true
					got := fmt.Sprint(s.CodecName, s.Width, "x", s.Height, " pid ", s.ID, " packets ", s.ReadPackets)
					want := fmt.Sprint(tt.videoCodec, tt.width, "x", tt.height, " pid 0x100 packets ", videoFrames)
					if got != want {
						t.Errorf("video stream %s, want %s", got, want)
					}
				case "audio":
					sawAudio = true
					got := fmt.Sprint(s.CodecName, " ", s.SampleRate, " Hz ", s.Channels, " ch pid ", s.ID, " packets ", s.ReadPackets)
					want := fmt.Sprint(tt.audioCodec, " ", tt.sampleRate, " Hz ", tt.channels, " ch pid 0x101 packets ", audioFrames)
					if got != want {
						t.Errorf("audio stream %s, want %s", got, want)
					}
				}
			}
			if sawVideo != (tt.videoCodec != "") || sawAudio != (tt.audioCodec != "") {
				t.Errorf("streams: video %v audio %v, want %q %q", sawVideo, sawAudio, tt.videoCodec, tt.audioCodec)
			}

			want := 4.0 // the .hevc file: 100 frames at 25 fps
			if filepath.Ext(tt.file) == ".flv" {
				want = ffprobe(t, filepath.Join(mediaDir(t), tt.file)).duration(t)
			}
			if got := p.duration(t); math.Abs(got-want) > 0.1 {
				t.Errorf("duration %v s, source %v s", got, want)
			}
			if out := ffmpegDecode(t, path); out != "" {
				t.Errorf("ffmpeg decode errors:\n%s", out)
			}
		})
	}
}

func runFFmpeg(args ...string) ([]byte, error) {
	return exec.Command("ffmpeg", args...).CombinedOutput()
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
