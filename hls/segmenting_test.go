package hls

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCutRules checks where segments end on h264_only.flv (25 fps, a
// keyframe every second): at a keyframe once hls_fragment is reached, at
// any frame once hls_fragment*hls_td_ratio is, and at any frame once
// hls_fragment is with hls_wait_keyframe off.
func TestCutRules(t *testing.T) {
	ms := func(d ...int) []time.Duration {
		var out []time.Duration
		for _, v := range d {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		name      string
		fragment  time.Duration
		waitKey   bool
		durations []time.Duration
		keyStart  []bool
	}{
		{"keyframes", 1500 * time.Millisecond, true, ms(2000, 2000, 1960), []bool{true, true, true}},
		{"forced at td_ratio", 400 * time.Millisecond, true,
			ms(600, 400, 600, 400, 600, 400, 600, 400, 600, 400, 600, 360),
			[]bool{true, false, true, false, true, false, true, false, true, false, true, false}},
		{"no keyframe wait", 1200 * time.Millisecond, false, ms(1200, 1200, 1200, 1200, 1160),
			[]bool{true, false, false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			cfg.Fragment = tt.fragment
			cfg.WaitKeyframe = tt.waitKey
			store := NewStore()
			defer store.Close()
			publish(t, cfg, store, nil, loadTags(t, "h264_only.flv"), 1)

			m3u8 := filepath.Join(dir, "live", "livestream.m3u8")
			pl, raw := readPlaylist(t, m3u8)
			var got []time.Duration
			for _, s := range pl.Segments {
				got = append(got, s.Duration)
				assert.LessOrEqual(t, s.Duration, time.Duration(pl.TargetDuration)*time.Second)
			}
			require.Equal(t, tt.durations, got, "%s", raw)
			for i, file := range segmentFiles(m3u8, pl) {
				packets, err := testpeer.Packets(context.Background(), file)
				require.NoError(t, err)
				require.NotEmpty(t, packets)
				assert.Equal(t, tt.keyStart[i], packets[0].Keyframe(), "segment %d starts with a keyframe", i)
			}
			assert.Empty(t, ffmpegErrors(t, vodCopy(t, m3u8)))
		})
	}
}

// TestEntryPrefix checks hls_entry_prefix and a playlist outside the
// segments' directory, in the playlist and in on_hls.
func TestEntryPrefix(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Fragment = 2 * time.Second
	cfg.EntryPrefix = "http://cdn.example"
	cfg.M3U8File = "[vhost]/[app]/[stream].m3u8"
	cfg.TSFile = "[vhost]/[app]/[stream]/[seq].ts"
	store := NewStore()
	defer store.Close()
	rec := &recorder{}
	publish(t, cfg, store, rec, loadTags(t, "h264_only.flv"), 1)

	pl, raw := readPlaylist(t, filepath.Join(dir, "__defaultVhost__", "live", "livestream.m3u8"))
	require.NotEmpty(t, pl.Segments, "%s", raw)
	assert.Equal(t, "http://cdn.example/__defaultVhost__/live/livestream/0.ts", pl.Segments[0].URI)
	info := rec.infos()[0]
	assert.Equal(t, pl.Segments[0].URI, info.URL)
	assert.Equal(t, dir+"/__defaultVhost__/live/livestream/0.ts", info.File)
	assert.Equal(t, "__defaultVhost__/live/livestream.m3u8", info.M3U8URL)
	f, _, ok := store.GetFile("/__defaultVhost__/live/livestream/0.ts")
	require.True(t, ok)
	f.Release()
	assert.Equal(t, []string{dir}, store.Roots())
}

// TestCountedAudioDTS checks hls_dts_directly off: audio DTS counted in
// samples still plays as long as the file.
func TestCountedAudioDTS(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.DTSDirectly = false
	store := NewStore()
	defer store.Close()
	publish(t, cfg, store, nil, loadTags(t, "aac_only.flv"), 1)
	m3u8 := filepath.Join(dir, "live", "livestream.m3u8")
	vod := vodCopy(t, m3u8)
	assert.Empty(t, ffmpegErrors(t, vod))
	probe, err := testpeer.Probe(context.Background(), vod)
	require.NoError(t, err)
	assert.InDelta(t, 6.02, probe.Format.Duration, 0.3)
}

// TestOnError checks hls_on_error when files cannot be written: continue
// goes on trying, ignore stops HLS until the next publish.
func TestOnError(t *testing.T) {
	for _, tt := range []struct {
		onError string
		errors  int
	}{{OnErrorContinue, 6}, {OnErrorIgnore, 1}, {OnErrorDisconnect, 1}} {
		t.Run(tt.onError, func(t *testing.T) {
			dir := t.TempDir()
			blocker := filepath.Join(dir, "live")
			require.NoError(t, os.WriteFile(blocker, nil, 0o644)) // "live" cannot be a directory
			cfg := testConfig(dir)
			cfg.Fragment = time.Second
			cfg.OnError = tt.onError
			store := NewStore()
			defer store.Close()
			rec := &recorder{}
			m := publish(t, cfg, store, rec, loadTags(t, "h264_only.flv"), 1)
			assert.Len(t, rec.errs, tt.errors)
			assert.Empty(t, rec.infos())
			assert.EqualValues(t, tt.errors, m.Stats().Errors.Load())
		})
	}
}

// TestQueueFull stalls the muxer's goroutine and overfills its queue:
// packets are dropped without blocking, video resumes at a keyframe, the
// held Unpublish still ends the publish, and nothing leaks.
func TestQueueFull(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Fragment = time.Second
	store := NewStore()
	defer store.Close()
	stall := &stallingEvents{release: make(chan struct{}), stalled: make(chan struct{}, 1)}
	before := live.LivePackets()
	m, err := NewMuxer(cfg, liveID, store, stall)
	require.NoError(t, err)
	tags := loadTags(t, "h264_only.flv")
	feed(m, tags, 0) // the first segment's OnHLS stalls the goroutine
	<-stall.stalled
	start := time.Now()
	for i := range 8 { // 8 × 150 packets, over the queue's 1024
		for _, tg := range tags {
			p := tg.packet(uint32(i+1) * 7000)
			m.WritePacket(p)
			p.Release()
		}
	}
	m.Unpublish()
	assert.Less(t, time.Since(start), time.Second, "WritePacket blocked")
	assert.NotZero(t, m.Stats().DroppedFrames.Load())
	close(stall.release)
	require.NoError(t, m.Close())
	assert.Equal(t, before, live.LivePackets(), "packets leaked")

	m3u8 := filepath.Join(dir, "live", "livestream.m3u8")
	pl, raw := readPlaylist(t, m3u8)
	require.Greater(t, len(pl.Segments), 6, "%s", raw)
	for i, file := range segmentFiles(m3u8, pl) {
		assert.Empty(t, ffmpegErrors(t, file), "segment %d", i)
	}
	// Unpublished: the dispose-free stream state is idle again.
	assert.Zero(t, m.state.active)
}

// stallingEvents blocks the first OnHLS until release is closed.
type stallingEvents struct {
	release chan struct{}
	stalled chan struct{}
	once    bool
}

func (s *stallingEvents) OnHLS(SegmentInfo) {
	if !s.once {
		s.once = true
		s.stalled <- struct{}{}
		<-s.release
	}
}

// TestMuxerAcrossPublishes keeps one Muxer attached across an unpublish:
// the next packets start a new publish after a discontinuity; packets
// after Close are ignored.
func TestMuxerAcrossPublishes(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Fragment = 2 * time.Second
	store := NewStore()
	defer store.Close()
	before := live.LivePackets()
	m, err := NewMuxer(cfg, liveID, store, nil)
	require.NoError(t, err)
	tags := loadTags(t, "h264_mp3_360p30.flv")
	feed(m, tags, 0)
	m.Unpublish()
	feed(m, tags, 0)
	require.NoError(t, m.Close()) // ends the second publish
	p := tags[0].packet(0)
	m.WritePacket(p)
	m.Unpublish()
	p.Release()
	require.NoError(t, m.Close())
	assert.Equal(t, before, live.LivePackets())

	m3u8 := filepath.Join(dir, "live", "livestream.m3u8")
	pl, raw := readPlaylist(t, m3u8)
	require.Len(t, pl.Segments, 6, "%s", raw)
	assert.True(t, pl.Segments[3].Discontinuity)
	assert.Empty(t, ffmpegErrors(t, vodCopy(t, m3u8)))
}

// TestTSFloor checks hls_ts_floor: [timestamp] counts fragments of wall
// time, one more per segment, starting a fragment behind the clock.
func TestTSFloor(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Fragment = time.Second
	cfg.TSFloor = true
	cfg.TSFile = "[app]/[stream]-[timestamp].ts"
	store := NewStore()
	defer store.Close()
	wall := time.UnixMilli(1_700_000_000_500)
	store.now = func() time.Time { return wall } // segments come faster than the clock
	publish(t, cfg, store, nil, loadTags(t, "h264_only.flv"), 1)

	pl, raw := readPlaylist(t, filepath.Join(dir, "live", "livestream.m3u8"))
	require.GreaterOrEqual(t, len(pl.Segments), 3, "%s", raw)
	for i, s := range pl.Segments {
		assert.Equal(t, "livestream-"+strconv.Itoa(1_700_000_000-1+i)+".ts", s.URI)
	}
	// Running ahead of the clock stretches the segments: 30% of a
	// fragment per fragment ahead.
	assert.Equal(t, time.Second, pl.Segments[0].Duration)
	assert.Equal(t, time.Second, pl.Segments[1].Duration)
	assert.Equal(t, 1800*time.Millisecond, pl.Segments[2].Duration) // forced at 1.5 s + 0.3 s
}
