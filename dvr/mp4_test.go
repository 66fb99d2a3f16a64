package dvr

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testmedia"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/mp4"
)

// mp4Boxes lists the top-level boxes of an MP4 file and checks that the
// whole file walks cleanly.
func mp4Boxes(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var top []string
	require.NoError(t, mp4.Walk(b, func(box mp4.Box) error {
		if !strings.Contains(box.Path, "/") {
			top = append(top, box.Type)
		}
		return nil
	}), "walk %s", path)
	return top
}

// TestMP4RecordsEachMediaFile: a dvr_path ending in .mp4 records
// fragmented MP4 that ffprobe reads with the source's codecs and duration,
// that ffmpeg decodes without an error, and that starts with an init
// segment (ftyp iso5, moov) followed by moof/mdat pairs.
func TestMP4RecordsEachMediaFile(t *testing.T) {
	testpeer.Require(t, "ffprobe", "ffmpeg")
	for _, media := range []string{"h264_aac_720p25.flv", "h264_mp3_360p30.flv", "h264_only.flv", "aac_only.flv"} {
		t.Run(media, func(t *testing.T) {
			dir := t.TempDir()
			base := live.LivePackets()
			packets := testmedia.Packets(t, media)
			src := probe(t, testpeer.Media(t, media))
			cfg := testConfig(dir, PlanSession, 0)
			cfg.Path = filepath.Join(dir, "[app]/[stream].mp4")
			r, log := startRecorder(t, cfg, indexCapacity)
			testmedia.Feed(r, packets, 0, math.MaxUint32)
			r.Unpublish()
			stop(t, r)

			events := log.list()
			require.Len(t, events, 1)
			fi := events[0]
			require.Equal(t, filepath.Join(dir, "live/livestream.mp4"), fi.Path)
			st, err := os.Stat(fi.Path)
			require.NoError(t, err)
			assert.Equal(t, st.Size(), fi.Size)

			got := probe(t, fi.Path)
			assert.Equal(t, codecs(src), codecs(got))
			assert.InDelta(t, src.Format.Duration, got.Format.Duration, 0.2, "duration")
			assert.InDelta(t, src.Format.Duration, fi.Duration.Seconds(), 0.2, "reported duration")
			out, err := exec.Command("ffmpeg", "-v", "error", "-i", fi.Path, "-f", "null", "-").CombinedOutput()
			require.NoError(t, err)
			assert.Empty(t, strings.TrimSpace(string(out)), "decodes without errors")

			top := mp4Boxes(t, fi.Path)
			require.GreaterOrEqual(t, len(top), 4)
			assert.Equal(t, []string{"ftyp", "moov"}, top[:2])
			for i := 2; i < len(top); i += 2 {
				assert.Equal(t, []string{"moof", "mdat"}, top[i:min(i+2, len(top))], "fragment at box %d", i)
			}
			assert.Equal(t, base+int64(len(packets)), live.LivePackets(), "the recorder leaked packets")
		})
	}
}

// TestMP4RecordsHEVC: H.265 in both FLV forms (Enhanced RTMP "hvc1" and
// CodecID 12) is recorded as an hvc1 track ffmpeg decodes.
func TestMP4RecordsHEVC(t *testing.T) {
	testpeer.Require(t, "ffprobe", "ffmpeg")
	for _, enhanced := range []bool{true, false} {
		t.Run(map[bool]string{true: "hvc1", false: "codec 12"}[enhanced], func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir, PlanSession, 0)
			cfg.Path = filepath.Join(dir, "hevc.mp4")
			r, log := startRecorder(t, cfg, indexCapacity)
			testmedia.Feed(r, testmedia.TagPackets(t, testmedia.HEVCTags(t, enhanced)), 0, math.MaxUint32)
			r.Unpublish()
			stop(t, r)
			require.Len(t, log.list(), 1)
			got := probe(t, cfg.Path)
			require.NotNil(t, got.Video())
			assert.Equal(t, "hevc", got.Video().CodecName)
			assert.Equal(t, 320, got.Video().Width)
			assert.Equal(t, 240, got.Video().Height)
			assert.InDelta(t, 4.0, got.Format.Duration, 0.2)
			out, err := exec.Command("ffmpeg", "-v", "error", "-i", cfg.Path, "-f", "null", "-").CombinedOutput()
			require.NoError(t, err)
			assert.Empty(t, strings.TrimSpace(string(out)), "decodes without errors")
		})
	}
}

// TestMP4SurvivesACrash: the ".tmp" file of a recording still going on is
// a playable MP4 of what was written so far.
func TestMP4SurvivesACrash(t *testing.T) {
	testpeer.Require(t, "ffprobe")
	dir := t.TempDir()
	packets := testmedia.Packets(t, "h264_aac_720p25.flv")
	cfg := testConfig(dir, PlanSession, 0)
	cfg.Path = filepath.Join(dir, "rec.mp4")
	r, _ := startRecorder(t, cfg, indexCapacity)
	testmedia.Feed(r, packets, 0, 6500)
	tmp := cfg.Path + tmpSuffix
	// Fragments are written at each keyframe (every 2 s): wait for the
	// three before 6 s.
	var b []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ = os.ReadFile(tmp)
		moofs := 0
		_ = mp4.Walk(b, func(box mp4.Box) error {
			if box.Type == "moof" {
				moofs++
			}
			return nil
		})
		if moofs == 3 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d fragments written", moofs)
		time.Sleep(20 * time.Millisecond)
	}
	crashed := filepath.Join(dir, "crashed.mp4")
	require.NoError(t, os.WriteFile(crashed, b, 0o644))
	got := probe(t, crashed)
	assert.Len(t, got.Streams, 2)
	assert.InDelta(t, 6.0, got.Format.Duration, 0.2, "the fragments up to the last keyframe")
}

func TestMP4SegmentPlan(t *testing.T) {
	testpeer.Require(t, "ffprobe")
	dir := t.TempDir()
	cfg := testConfig(dir, PlanSegment, 3*time.Second)
	cfg.Path = filepath.Join(dir, "[stream].[timestamp].mp4")
	r, log := startRecorder(t, cfg, indexCapacity)
	testmedia.Feed(r, testmedia.Packets(t, "h264_aac_720p25.flv"), 0, math.MaxUint32)
	r.Unpublish()
	stop(t, r)
	events := log.list()
	require.Len(t, events, 3)
	var total float64
	for _, fi := range events {
		got := probe(t, fi.Path)
		assert.Len(t, got.Streams, 2)
		total += got.Format.Duration
	}
	assert.InDelta(t, 10.08, total, 0.3)
}

func TestMP4UnsupportedCodec(t *testing.T) {
	dir := t.TempDir()
	_, err := createMP4(filepath.Join(dir, "x.mp4"), time.Now(), nil, nil, nil)
	assert.ErrorIs(t, err, ErrUnsupportedCodec)
}

// BenchmarkMP4Write measures writing the frames of the test file to an MP4
// recording (fragments and disk writes included), per frame.
func BenchmarkMP4Write(b *testing.B) {
	packets := testmedia.Packets(b, "h264_aac_720p25.flv")
	var videoSH, audioSH *live.Packet
	var frames []*live.Packet
	for _, p := range packets {
		switch {
		case p.SeqHeader && p.Kind == live.KindVideo:
			videoSH = p
		case p.SeqHeader && p.Kind == live.KindAudio:
			audioSH = p
		case p.Kind != live.KindData:
			frames = append(frames, p)
		}
	}
	dir := b.TempDir()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n%len(frames) == 0 {
			mf, err := createMP4(filepath.Join(dir, fmt.Sprintf("%d.mp4", n)), time.Now(), videoSH, audioSH, nil)
			if err != nil {
				b.Fatal(err)
			}
			benchFile = mf
		}
		p := frames[n%len(frames)]
		typ := uint8(flv.TagAudio)
		if p.Kind == live.KindVideo {
			typ = flv.TagVideo
		}
		if err := benchFile.writeMedia(typ, p.Timestamp, p.Payload.B, p.SeekableKeyframe()); err != nil {
			b.Fatal(err)
		}
		n++
		if n%len(frames) == 0 {
			if _, _, err := benchFile.finish(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

var benchFile *mp4File
