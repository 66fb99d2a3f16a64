package dvr

import (
	"context"
	"github.com/cascade-live/cascade/internal/testmedia"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testStream = StreamID{Vhost: "__defaultVhost__", App: "live", Stream: "livestream"}

// fileLog records OnDVR notices.
type fileLog struct {
	mu    sync.Mutex
	files []FileInfo
}

func (l *fileLog) OnDVR(fi FileInfo) {
	l.mu.Lock()
	l.files = append(l.files, fi)
	l.mu.Unlock()
}

func (l *fileLog) list() []FileInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]FileInfo(nil), l.files...)
}

// fakeClock advances one second per reading, so that every file of a
// fast test gets its own [timestamp].
func fakeClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2015, 1, 3, 10, 57, 30, 776e6, time.Local)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func testConfig(dir string, plan Plan, duration time.Duration) Config {
	c := DefaultConfig()
	c.Enabled = true
	c.Plan = plan
	c.Duration = duration
	c.Path = filepath.Join(dir, "[app]/[stream].[timestamp].flv")
	return c
}

func startRecorder(t *testing.T, cfg Config, capacity int) (*Recorder, *fileLog) {
	t.Helper()
	log := &fileLog{}
	r, err := newRecorder(cfg, testStream, log, fakeClock(), capacity)
	require.NoError(t, err)
	t.Cleanup(func() {
		r.Close()
		<-r.Done()
	})
	return r, log
}

func stop(t *testing.T, r *Recorder) {
	t.Helper()
	r.Close()
	select {
	case <-r.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("recorder did not stop")
	}
	require.NoError(t, r.Err())
	require.Zero(t, r.Dropped())
}

// flvFiles lists the .flv files under dir and fails on leftover .tmp files.
func flvFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		require.False(t, strings.HasSuffix(path, tmpSuffix), "temporary file left: %s", path)
		if strings.HasSuffix(path, ".flv") {
			files = append(files, path)
		}
		return nil
	}))
	sort.Strings(files)
	return files
}

func probe(t *testing.T, path string) *testpeer.ProbeResult {
	t.Helper()
	res, err := testpeer.Probe(context.Background(), path)
	require.NoError(t, err, "ffprobe %s", path)
	return res
}

func codecs(r *testpeer.ProbeResult) []string {
	var cs []string
	for _, s := range r.Streams {
		cs = append(cs, s.CodecType+":"+s.CodecName)
	}
	sort.Strings(cs)
	return cs
}

// checkSeek seeks to 5 s with ffmpeg and ffprobe: the first video packet
// read must be the keyframe at or just before 5 s.
func checkSeek(t *testing.T, path string, gop float64) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			exec.Command("cp", path, "/tmp/dvr-failed.flv").Run()
		}
	})
	out, err := exec.Command("ffmpeg", "-v", "error", "-ss", "5", "-i", path, "-frames:v", "1", "-f", "null", "-").CombinedOutput()
	require.NoError(t, err, "ffmpeg -ss 5: %s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "ffmpeg -ss 5 complained")
	pkts, err := testpeer.Packets(context.Background(), path, "-read_intervals", "5%+1")
	require.NoError(t, err)
	for _, p := range pkts {
		if p.CodecType == "video" {
			assert.True(t, p.Keyframe(), "first video packet after seeking is not a keyframe")
			assert.InDelta(t, 5-gop/2, p.DtsTime, gop/2+0.001, "seek to 5 s landed at %.3f", p.DtsTime)
			return
		}
	}
	t.Fatalf("no video packet after seeking %s to 5 s", path)
}

// checkIndex decodes the onMetaData of a file and checks its keyframes
// index, duration and filesize against the tags.
func checkIndex(t *testing.T, path string, wantDuration time.Duration) []float64 {
	t.Helper()
	tags, offsets := testmedia.ReadTags(t, path)
	require.NotEmpty(t, tags)
	require.Equal(t, uint8(flv.TagScript), tags[0].Type, "first tag is not onMetaData")
	vs, err := amf.DecodeAll0(tags[0].Data)
	require.NoError(t, err)
	require.Len(t, vs, 2)
	require.Equal(t, "onMetaData", vs[0])
	meta, ok := vs[1].(amf.ECMAArray)
	require.True(t, ok, "onMetaData is a %T", vs[1])

	st, err := os.Stat(path)
	require.NoError(t, err)
	size, _ := meta.GetNumber("filesize")
	assert.Equal(t, float64(st.Size()), size, "filesize")
	duration, _ := meta.GetNumber("duration")
	assert.InDelta(t, wantDuration.Seconds(), duration, 0.001, "duration")

	kf, ok := meta.Get("keyframes")
	require.True(t, ok, "no keyframes")
	obj, ok := kf.(amf.Object)
	require.True(t, ok, "keyframes is a %T", kf)
	posV, _ := obj.Get("filepositions")
	timesV, _ := obj.Get("times")
	positions, times := posV.([]any), timesV.([]any)
	require.Equal(t, len(positions), len(times))

	byOffset := make(map[int64]*flv.Tag)
	for i, tag := range tags {
		byOffset[offsets[i]] = tag
	}
	out := make([]float64, len(times))
	for i := range times {
		ts, pos := times[i].(float64), positions[i].(float64)
		out[i] = ts
		if i > 0 {
			assert.Greater(t, ts, out[i-1], "times not increasing at %d", i)
		}
		tag := byOffset[int64(pos)]
		require.NotNil(t, tag, "fileposition %v is not a tag", pos)
		assert.Equal(t, uint8(flv.TagVideo), tag.Type, "fileposition %v is not video", pos)
		assert.True(t, isPicture(tag.Data), "fileposition %v is not a keyframe", pos)
		assert.InDelta(t, ts, float64(tag.Timestamp)/1000, 0.0005, "time of keyframe %d", i)
	}
	return out
}

// isPicture reports whether a video tag body is a keyframe picture.
func isPicture(data []byte) bool {
	h, err := flv.ParseVideoTagHeader(data)
	return err == nil && h.FrameType == flv.FrameTypeKey && !h.IsSequenceHeader() && h.PacketType == flv.AVCPacketNALU
}

// keyframeTimes returns the timestamps (s) of the keyframes of a file.
func keyframeTimes(t *testing.T, path string) []float64 {
	tags, _ := testmedia.ReadTags(t, path)
	var ts []float64
	for _, tag := range tags {
		if tag.Type == flv.TagVideo && isPicture(tag.Data) {
			ts = append(ts, float64(tag.Timestamp)/1000)
		}
	}
	return ts
}

func TestSessionPlanRecordsEachMediaFile(t *testing.T) {
	testpeer.Require(t, "ffprobe", "ffmpeg")
	tests := []struct {
		media string
		video bool
		gop   float64
	}{
		{"h264_aac_720p25.flv", true, 2},
		{"h264_mp3_360p30.flv", true, 2},
		{"h264_only.flv", true, 1},
		{"aac_only.flv", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.media, func(t *testing.T) {
			dir := t.TempDir()
			base := live.LivePackets()
			packets := testmedia.Packets(t, tt.media)
			src := probe(t, testpeer.Media(t, tt.media))
			cfg := testConfig(dir, PlanSession, 0)
			cfg.Path = filepath.Join(dir, "[vhost]/[app]/[2006]/[01]/[02]/[stream]-[15].[04].[05].[999].flv")
			r, log := startRecorder(t, cfg, indexCapacity)
			testmedia.Feed(r, packets, 0, math.MaxUint32)
			r.Unpublish()
			stop(t, r)

			files := flvFiles(t, dir)
			require.Len(t, files, 1)
			events := log.list()
			require.Len(t, events, 1)
			fi := events[0]
			assert.Equal(t, files[0], fi.Path)
			assert.Equal(t, testStream, fi.Stream)
			assert.Equal(t, filepath.Join(dir, "__defaultVhost__/live/2015/01/03/livestream-10.57.31.776.flv"), fi.Path, "path from dvr_path")
			cwd, _ := os.Getwd()
			assert.Equal(t, cwd, fi.Cwd)

			got := probe(t, files[0])
			assert.Equal(t, codecs(src), codecs(got))
			assert.InDelta(t, src.Format.Duration, got.Format.Duration, 0.2, "duration")
			assert.InDelta(t, src.Format.Duration, fi.Duration.Seconds(), 0.2, "reported duration")
			st, err := os.Stat(files[0])
			require.NoError(t, err)
			assert.Equal(t, st.Size(), fi.Size)

			times := checkIndex(t, files[0], fi.Duration)
			if tt.video {
				assert.Equal(t, keyframeTimes(t, files[0]), times, "index lists every keyframe")
				checkSeek(t, files[0], tt.gop)
			} else {
				assert.Empty(t, times)
				out, err := exec.Command("ffmpeg", "-v", "error", "-ss", "5", "-i", files[0], "-frames:a", "1", "-f", "null", "-").CombinedOutput()
				require.NoError(t, err, "%s", out)
			}
			assert.Equal(t, base+int64(len(packets)), live.LivePackets(), "the recorder leaked packets")
		})
	}
}

func TestSegmentPlanCutsOnKeyframes(t *testing.T) {
	testpeer.Require(t, "ffprobe", "ffmpeg")
	dir := t.TempDir()
	packets := testmedia.Packets(t, "h264_aac_720p25.flv")
	r, log := startRecorder(t, testConfig(dir, PlanSegment, 3*time.Second), indexCapacity)
	testmedia.Feed(r, packets, 0, math.MaxUint32)
	r.Unpublish()
	stop(t, r)

	files := flvFiles(t, dir)
	events := log.list()
	// Keyframes every 2 s: cuts at 4 s and 8 s, the rest at unpublish.
	require.Len(t, files, 3)
	require.Len(t, events, 3)
	var total float64
	for i, fi := range events {
		assert.Equal(t, files[i], fi.Path, "files in order")
		got := probe(t, fi.Path)
		assert.Len(t, got.Streams, 2)
		if i < len(events)-1 {
			assert.InDelta(t, 4.0, got.Format.Duration, 0.1, "file %d", i)
		}
		assert.InDelta(t, got.Format.Duration, fi.Duration.Seconds(), 0.1, "reported duration of file %d", i)
		total += got.Format.Duration
		checkIndex(t, fi.Path, fi.Duration)

		pkts, err := testpeer.Packets(context.Background(), fi.Path)
		require.NoError(t, err)
		var first *testpeer.Packet
		for j := range pkts {
			if pkts[j].CodecType == "video" {
				first = &pkts[j]
				break
			}
		}
		require.NotNil(t, first)
		assert.True(t, first.Keyframe(), "file %d starts with a keyframe", i)
		assert.InDelta(t, 0, first.DtsTime, 0.001, "file %d starts at 0", i)
	}
	assert.InDelta(t, 10.08, total, 0.2)
}

func TestSegmentPlanWithoutWaitKeyframe(t *testing.T) {
	dir := t.TempDir()
	packets := testmedia.Packets(t, "h264_aac_720p25.flv")
	cfg := testConfig(dir, PlanSegment, 3*time.Second)
	cfg.WaitKeyframe = false
	r, log := startRecorder(t, cfg, indexCapacity)
	testmedia.Feed(r, packets, 0, math.MaxUint32)
	r.Unpublish()
	stop(t, r)
	events := log.list()
	require.Len(t, events, 4, "cut every 3 s, keyframe or not")
	for _, fi := range events[:3] {
		assert.InDelta(t, 3.0, fi.Duration.Seconds(), 0.1)
	}
}

func TestUnpublishMidStreamLeavesClosedFile(t *testing.T) {
	testpeer.Require(t, "ffprobe", "ffmpeg")
	dir := t.TempDir()
	packets := testmedia.Packets(t, "h264_aac_720p25.flv")
	r, log := startRecorder(t, testConfig(dir, PlanSession, 0), indexCapacity)
	testmedia.Feed(r, packets, 0, 5000)
	r.Unpublish() // the publisher dropped

	require.Eventually(t, func() bool { return len(log.list()) == 1 }, 10*time.Second, 10*time.Millisecond)
	first := log.list()[0]
	got := probe(t, first.Path)
	assert.Len(t, got.Streams, 2)
	assert.InDelta(t, 5.0, got.Format.Duration, 0.1)
	checkIndex(t, first.Path, first.Duration)
	_, err := os.Stat(first.Path + tmpSuffix)
	assert.ErrorIs(t, err, os.ErrNotExist)

	// A republish, which the recorder survives, starts a new file.
	testmedia.Feed(r, packets, 5000, math.MaxUint32)
	stop(t, r) // Close without Unpublish also closes the file
	events := log.list()
	require.Len(t, events, 2)
	assert.NotEqual(t, events[0].Path, events[1].Path)
	got = probe(t, events[1].Path)
	assert.Len(t, got.Streams, 2)
	assert.InDelta(t, 4.08, got.Format.Duration, 0.1, "from the first keyframe after 5 s")
	checkIndex(t, events[1].Path, events[1].Duration)
}

func TestTimeJitterOffKeepsStreamTimestamps(t *testing.T) {
	dir := t.TempDir()
	packets := testmedia.Packets(t, "h264_only.flv")
	cfg := testConfig(dir, PlanSession, 0)
	cfg.TimeJitter = live.JitterOff
	r, log := startRecorder(t, cfg, indexCapacity)
	testmedia.Feed(r, packets, 2000, math.MaxUint32)
	stop(t, r)
	events := log.list()
	require.Len(t, events, 1)
	tags, _ := testmedia.ReadTags(t, events[0].Path)
	var firstVideo uint32
	for _, tag := range tags {
		if tag.Type == flv.TagVideo && isPicture(tag.Data) {
			firstVideo = tag.Timestamp
			break
		}
	}
	assert.Equal(t, uint32(2000), firstVideo)
	got := probe(t, events[0].Path)
	assert.InDelta(t, 2.0, got.Format.StartTime, 0.1)
	assert.InDelta(t, got.Format.Duration, events[0].Duration.Seconds(), 0.1)
	checkIndex(t, events[0].Path, events[0].Duration)
}

func TestSmallIndexKeepsEveryOtherKeyframe(t *testing.T) {
	testpeer.Require(t, "ffprobe", "ffmpeg")
	dir := t.TempDir()
	packets := testmedia.Packets(t, "h264_only.flv") // keyframes at 0..5 s
	r, log := startRecorder(t, testConfig(dir, PlanSession, 0), 4)
	testmedia.Feed(r, packets, 0, math.MaxUint32)
	stop(t, r)
	fi := log.list()[0]
	times := checkIndex(t, fi.Path, fi.Duration)
	assert.Equal(t, []float64{0, 2, 4}, times)
	checkSeek(t, fi.Path, 2)
}

func TestExistingFileIsNotOverwritten(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir, PlanSession, 0)
	cfg.Path = filepath.Join(dir, "fixed.flv")
	require.NoError(t, os.WriteFile(cfg.Path, []byte("precious"), 0o644))
	r, log := startRecorder(t, cfg, indexCapacity)
	testmedia.Feed(r, testmedia.Packets(t, "h264_only.flv"), 0, math.MaxUint32)
	r.Close()
	<-r.Done()
	assert.ErrorIs(t, r.Err(), ErrFileExists)
	assert.Empty(t, log.list())
	b, err := os.ReadFile(cfg.Path)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(b))
}

func TestRecorderReleasesEverything(t *testing.T) {
	dir := t.TempDir()
	base := live.LivePackets()
	packets := testmedia.Packets(t, "h264_aac_720p25.flv")
	r, _ := startRecorder(t, testConfig(dir, PlanSegment, 3*time.Second), indexCapacity)
	testmedia.Feed(r, packets, 0, 4000)
	r.Unpublish()
	testmedia.Feed(r, packets, 4000, math.MaxUint32)
	stop(t, r)
	r.WritePacket(packets[0]) // after Close: ignored, not retained
	r.Unpublish()
	assert.Equal(t, base+int64(len(packets)), live.LivePackets())
}

// BenchmarkRecordFLV measures what a DVR recording costs per message:
// h264_only.flv (~400 kbit/s, the stream bench/modes.sh publishers runs by
// the thousand) looped into one session file through the Recorder's
// handling, disk writes included. An op is one message.
func BenchmarkRecordFLV(b *testing.B) {
	packets := testmedia.Packets(b, "h264_only.flv")
	period := packets[len(packets)-1].Timestamp + 40
	r, err := newRecorder(testConfig(b.TempDir(), PlanSession, 0), testStream, nil, time.Now, indexCapacity)
	require.NoError(b, err)
	b.Cleanup(func() {
		r.Close()
		<-r.Done()
	})
	var bytes int64
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		src := packets[n%len(packets)]
		p := live.NewPacket()
		p.Kind, p.SeqHeader, p.Keyframe = src.Kind, src.SeqHeader, src.Keyframe
		p.Timestamp = src.Timestamp + uint32(n/len(packets))*period
		p.Payload = src.Payload.Retain()
		r.handle(p) // as the Recorder's goroutine does with what it takes
		p.Release()
		bytes += int64(len(src.Payload.B))
		n++
	}
	b.StopTimer()
	r.endPublish()
	require.NoError(b, r.Err())
	b.SetBytes(bytes / int64(max(n, 1)))
}
