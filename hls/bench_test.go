package hls

import (
	"runtime"
	"testing"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/live"
	"github.com/stretchr/testify/require"
)

// BenchmarkSegmentStream runs one stream (h264_aac_720p25.flv, looped)
// through a Muxer: queueing, muxing, segment and playlist writing. An op
// is the whole file; allocs/packet is what the stream costs per packet,
// packets included.
func BenchmarkSegmentStream(b *testing.B) {
	// The reference stream, and the one bench/modes.sh publishers runs
	// by the thousand (~400 kbit/s).
	for _, file := range []string{"h264_aac_720p25.flv", "h264_only.flv"} {
		b.Run(file, func(b *testing.B) { benchmarkSegmentStream(b, file) })
	}
}

func benchmarkSegmentStream(b *testing.B, file string) {
	tags := loadTags(b, file)
	m := windowMuxer(b)
	send := func(offset uint32) {
		for _, tg := range tags {
			for len(m.queue) > queueLength/2 {
				runtime.Gosched()
			}
			p := live.NewPacket()
			p.Timestamp = tg.ts + offset
			p.Payload = buffer.GetSize(len(tg.data))
			copy(p.Payload.B, tg.data)
			if tg.typ == flv.TagVideo {
				p.Kind = live.KindVideo
				p.SeqHeader = flv.IsVideoSequenceHeader(tg.data)
				p.Keyframe = !p.SeqHeader && flv.IsVideoKeyframe(tg.data)
			} else {
				p.Kind = live.KindAudio
				p.SeqHeader = flv.IsAudioSequenceHeader(tg.data)
			}
			m.WritePacket(p)
			p.Release()
		}
	}
	period := lastTS(tags) + 40
	send(0) // warm the pools
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		send(uint32(i+1) * period)
	}
	m.Unpublish()
	if err := m.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	packets := float64(b.N * len(tags))
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/packets, "allocs/packet")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/packets, "ns/packet")
	if d := m.Stats().DroppedFrames.Load(); d > 0 {
		b.Fatalf("%d frames dropped", d)
	}
}

// windowMuxer starts a Muxer as bench/run.sh configures HLS (2 s
// fragments, a 10 s window) with a Store of its own, closed by the test.
func windowMuxer(tb testing.TB) *Muxer {
	cfg := testConfig(tb.TempDir())
	cfg.Fragment = 2 * time.Second
	cfg.Window = 10 * time.Second
	store := NewStore()
	tb.Cleanup(store.Close)
	m, err := NewMuxer(cfg, liveID, store, nil)
	require.NoError(tb, err)
	return m
}
