package flv

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-live/cascade/internal/testpeer"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// mediaFile reads one of the shared test streams (made with ffmpeg 5.1).
func mediaFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testpeer.Media(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// streamSummary is what a server learns from a file: tag counts,
// sequence headers and keyframe positions.
type streamSummary struct {
	hasAudio, hasVideo           bool
	script, videoTags, audioTags int // tags, sequence headers included
	videoFrames                  int // video tags other than sequence headers and end of sequence
	endOfSequence                int
	audioFrames                  int
	keyframes                    []uint32 // timestamps of keyframes (not sequence headers)
	video                        VideoInfo
	avc                          *AVCConfig
	soundFormat                  uint8
	soundRate, soundType         uint8
	asc                          *AudioSpecificConfig
	maxCT                        int32
	lastVideo, lastAudio         uint32
}

func summarize(t *testing.T, data []byte) streamSummary {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	r.CheckPreviousTagSize = true
	s := streamSummary{hasAudio: r.HasAudio(), hasVideo: r.HasVideo()}
	for {
		tag, err := r.ReadTag()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tag.Type {
		case TagScript:
			s.script++
		case TagVideo:
			s.videoTags++
			s.lastVideo = tag.Timestamp
			h, err := ParseVideoTagHeader(tag.Data)
			if err != nil {
				t.Fatalf("video tag at %d ms: %v", tag.Timestamp, err)
			}
			body := tag.Data[h.HeaderLen:]
			if IsVideoSequenceHeader(tag.Data) {
				if s.avc, err = ParseAVCConfig(body); err != nil {
					t.Fatal(err)
				}
				if s.video, err = ParseH264SPS(s.avc.SPS[0]); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if !h.Enhanced && h.PacketType == AVCPacketEndOfSequence {
				s.endOfSequence++ // FrameType 1 too, but not a frame
				continue
			}
			s.videoFrames++
			s.maxCT = max(s.maxCT, h.CompositionTime)
			if IsVideoKeyframe(tag.Data) {
				s.keyframes = append(s.keyframes, tag.Timestamp)
			}
		case TagAudio:
			s.audioTags++
			s.lastAudio = tag.Timestamp
			h, err := ParseAudioTagHeader(tag.Data)
			if err != nil {
				t.Fatalf("audio tag at %d ms: %v", tag.Timestamp, err)
			}
			s.soundFormat, s.soundRate, s.soundType = h.SoundFormat, h.SampleRate, h.Channels
			if IsAudioSequenceHeader(tag.Data) {
				if s.asc, err = ParseAudioSpecificConfig(tag.Data[h.HeaderLen:]); err != nil {
					t.Fatal(err)
				}
				continue
			}
			s.audioFrames++
		default:
			t.Fatalf("unexpected tag type %d", tag.Type)
		}
	}
	return s
}

func (s *streamSummary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "header audio=%v video=%v\n", s.hasAudio, s.hasVideo)
	fmt.Fprintf(&b, "tags script=%d video=%d audio=%d\n", s.script, s.videoTags, s.audioTags)
	if s.avc != nil {
		fmt.Fprintf(&b, "avcC profile=%d compat=%#02x level=%d lengthSize=%d sps=%d pps=%d ext=%v\n",
			s.avc.Profile, s.avc.ProfileCompat, s.avc.Level, s.avc.LengthSize, len(s.avc.SPS), len(s.avc.PPS), s.avc.HasExtension)
		fmt.Fprintf(&b, "video %s %s %s %dx%d\n", s.video.Codec, s.video.Profile, s.video.Level, s.video.Width, s.video.Height)
	}
	if s.hasVideo {
		fmt.Fprintf(&b, "video frames=%d endOfSequence=%d last=%dms maxCT=%dms\n", s.videoFrames, s.endOfSequence, s.lastVideo, s.maxCT)
		fmt.Fprintf(&b, "keyframes=%d at %v\n", len(s.keyframes), s.keyframes)
	}
	if s.hasAudio {
		fmt.Fprintf(&b, "audio SoundFormat=%d SoundRate=%d SoundType=%d frames=%d last=%dms\n",
			s.soundFormat, s.soundRate, s.soundType, s.audioFrames, s.lastAudio)
	}
	if s.asc != nil {
		fmt.Fprintf(&b, "asc object=%d rate=%d channels=%d frameLength=%d\n",
			s.asc.ObjectType, s.asc.SampleRate, s.asc.Channels, s.asc.FrameLength)
	}
	return b.String()
}

func TestMediaFiles(t *testing.T) {
	type want struct {
		video          VideoInfo // zero when there is no video
		keyframes      int
		gopMillis      uint32
		videoFrames    int
		sampleRate     int // AAC only
		channels       int
		soundFormat    uint8
		audioFrames    int
		soundTypeFlag  uint8
		audioRateFlag  uint8
		hasAudioHeader bool
	}
	// Frame counts, keyframes and stream properties as ffprobe reports them
	// (the frame rate as the file names say).
	for _, tc := range []struct {
		file string
		want want
	}{
		{"h264_aac_720p25.flv", want{
			video:     VideoInfo{Codec: "H264", Profile: "High", Level: "3.1", Width: 1280, Height: 720, ProfileIDC: 100, LevelIDC: 31, ChromaFormat: 1, BitDepth: 8, FrameRate: 25},
			keyframes: 5, gopMillis: 2000, videoFrames: 250,
			soundFormat: SoundFormatAAC, sampleRate: 44100, channels: 2, audioFrames: 432, soundTypeFlag: 1, audioRateFlag: 3, hasAudioHeader: true,
		}},
		{"h264_mp3_360p30.flv", want{
			video:     VideoInfo{Codec: "H264", Profile: "Baseline", Level: "3", Width: 640, Height: 360, ProfileIDC: 66, LevelIDC: 30, ChromaFormat: 1, BitDepth: 8, FrameRate: 30},
			keyframes: 3, gopMillis: 2000, videoFrames: 180,
			soundFormat: SoundFormatMP3, audioFrames: 231, soundTypeFlag: 0, audioRateFlag: 3, hasAudioHeader: true,
		}},
		{"h264_only.flv", want{
			video:     VideoInfo{Codec: "H264", Profile: "High", Level: "3", Width: 640, Height: 360, ProfileIDC: 100, LevelIDC: 30, ChromaFormat: 1, BitDepth: 8, FrameRate: 25},
			keyframes: 6, gopMillis: 1000, videoFrames: 150,
		}},
		{"aac_only.flv", want{
			soundFormat: SoundFormatAAC, sampleRate: 48000, channels: 1, audioFrames: 283, soundTypeFlag: 1, audioRateFlag: 3, hasAudioHeader: true, // FLV flags AAC as stereo
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s := summarize(t, mediaFile(t, tc.file))
			w := tc.want
			if s.hasVideo != (w.video.Codec != "") || s.hasAudio != w.hasAudioHeader {
				t.Errorf("header flags audio=%v video=%v", s.hasAudio, s.hasVideo)
			}
			if s.video != w.video {
				t.Errorf("video info\n got  %+v\n want %+v", s.video, w.video)
			}
			if s.videoFrames != w.videoFrames || len(s.keyframes) != w.keyframes {
				t.Errorf("video frames %d, keyframes %d; want %d, %d", s.videoFrames, len(s.keyframes), w.videoFrames, w.keyframes)
			}
			for i := 1; i < len(s.keyframes); i++ {
				if d := s.keyframes[i] - s.keyframes[i-1]; d != w.gopMillis {
					t.Errorf("keyframe %d is %d ms after the previous one, want %d", i, d, w.gopMillis)
				}
			}
			if s.audioFrames != w.audioFrames || s.soundType != w.soundTypeFlag || s.soundRate != w.audioRateFlag {
				t.Errorf("audio frames %d SoundType %d SoundRate %d; want %d, %d, %d",
					s.audioFrames, s.soundType, s.soundRate, w.audioFrames, w.soundTypeFlag, w.audioRateFlag)
			}
			if w.audioFrames > 0 && s.soundFormat != w.soundFormat {
				t.Errorf("SoundFormat %d, want %d", s.soundFormat, w.soundFormat)
			}
			if w.sampleRate != 0 {
				if s.asc == nil || s.asc.ObjectType != AACObjectLC || s.asc.SampleRate != w.sampleRate || s.asc.Channels != w.channels {
					t.Errorf("AudioSpecificConfig %+v, want LC %d Hz %d channels", s.asc, w.sampleRate, w.channels)
				}
			} else if s.asc != nil {
				t.Errorf("unexpected AudioSpecificConfig %+v", s.asc)
			}
			checkGolden(t, filepath.Join("testdata", "media", strings.TrimSuffix(tc.file, ".flv")+".golden"), s.String())
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestMediaRoundTrip copies every tag of each file through Reader and
// Writer: the output must equal the input byte for byte.
func TestMediaRoundTrip(t *testing.T) {
	for _, name := range []string{"h264_aac_720p25.flv", "h264_mp3_360p30.flv", "h264_only.flv", "aac_only.flv"} {
		for _, reuse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reuse=%v", name, reuse), func(t *testing.T) {
				in := mediaFile(t, name)
				r, err := NewReader(bufio.NewReader(bytes.NewReader(in)))
				if err != nil {
					t.Fatal(err)
				}
				r.ReuseTag = reuse
				var out bytes.Buffer
				w, err := NewWriter(&out, r.HasAudio(), r.HasVideo())
				if err != nil {
					t.Fatal(err)
				}
				for {
					tag, err := r.ReadTag()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if tag.StreamID != 0 {
						t.Fatalf("StreamID %d", tag.StreamID)
					}
					if err := w.WriteTag(tag.Type, tag.Timestamp, tag.Data); err != nil {
						t.Fatal(err)
					}
				}
				if w.Offset() != int64(len(in)) || r.Offset() != int64(len(in)) {
					t.Errorf("Writer.Offset %d, Reader.Offset %d, want %d", w.Offset(), r.Offset(), len(in))
				}
				if !bytes.Equal(out.Bytes(), in) {
					t.Errorf("round trip differs from the original (%d vs %d bytes)", out.Len(), len(in))
				}
			})
		}
	}
}
