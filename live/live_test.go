package live

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/buffer"
)

// inline runs loop work at once, as if every consumer shared the caller's loop.
type inline struct{}

func (inline) Execute(ctx context.Context, r Runnable) error { return r.Run(ctx) }

// sink records what a consumer wrote; accept limits what each write takes
// (-1: everything).
type sink struct {
	got    bytes.Buffer
	keep   bool
	accept int
	total  int
	err    error
}

func (s *sink) Writev(bufs [][]byte) (int, error) {
	n := 0
	for _, b := range bufs {
		take := len(b)
		if s.accept >= 0 && n+take > s.accept {
			take = s.accept - n
		}
		if s.keep {
			s.got.Write(b[:take])
		}
		n += take
		if take < len(b) {
			break
		}
	}
	s.total += n
	return n, nil
}

func (s *sink) Close(err error) { s.err = err }

func testConfig() *Config {
	return &Config{GopCache: true, GopCacheMaxFrames: 2500, QueueLength: 2 * time.Second,
		MwLatency: 0, MinLatency: true, TimeJitter: JitterFull, ChunkSize: 60000}
}

// Payloads: AVC sequence header (a real avcC, which the TS form needs), keyframe, inter frame; AAC header, frame.
var (
	avcSH    = []byte{0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 2, 0x68, 0xce}
	avcKey   = []byte{0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65}
	avcInter = []byte{0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41}
	aacSH    = []byte{0xaf, 0, 0x12, 0x10}
	aacRaw   = []byte{0xaf, 1, 0x21, 0x10}
	meta     = []byte{2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 5}
)

func body(b []byte) *buffer.Buffer {
	buf := buffer.GetSize(len(b))
	copy(buf.B, b)
	return buf
}

type publisher struct {
	t   testing.TB
	pub *Publisher
	src *Source
	l   *Loop
	ts  uint32
}

func (p *publisher) write(typ uint8, payload []byte) {
	p.pub.Write(typ, p.ts, body(payload))
}

func (p *publisher) gop(frames int) {
	p.write(9, avcKey)
	for i := 1; i < frames; i++ {
		p.ts += 40
		p.write(8, aacRaw)
		p.write(9, avcInter)
	}
	p.ts += 40
}

func startPublish(t testing.TB, reg *Registry, l *Loop, cfg *Config) *publisher {
	pub, err := reg.Publish(l, "v", "live", "s", cfg)
	require.NoError(t, err)
	p := &publisher{t: t, pub: pub, src: pub.Source(), l: l}
	p.write(18, meta)
	p.write(9, avcSH)
	p.write(8, aacSH)
	return p
}

// firstMediaKinds parses the FLV tags a consumer got into (type, keyframe) pairs.
func flvTags(t *testing.T, b []byte) (types []byte, keys []bool) {
	for len(b) > 0 {
		require.GreaterOrEqual(t, len(b), 15)
		size := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		typ := b[0]
		data := b[11 : 11+size]
		types = append(types, typ)
		keys = append(keys, typ == 9 && data[0]>>4 == 1 && data[1] == 1)
		b = b[11+size+4:]
	}
	return types, keys
}

func TestLateJoinerStartsWithHeadersThenKeyframe(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	p := startPublish(t, reg, l, testConfig())
	p.gop(10)
	p.gop(5) // the cache now holds this GOP only

	s := &sink{keep: true, accept: -1}
	c := reg.Play(l, "v", "live", "s", testConfig(), s, JoinOptions{Form: FormFLV})
	types, keys := flvTags(t, s.got.Bytes())
	require.GreaterOrEqual(t, len(types), 4)
	assert.Equal(t, []byte{18, 9, 8, 9}, types[:4], "metadata, video and audio headers, then the GOP")
	assert.True(t, keys[3], "the first frame after the headers is a keyframe")
	assert.Equal(t, 3+1+2*4, len(types), "headers plus the last GOP (1 key + 4 pairs)")

	// Live packets follow.
	before := s.got.Len()
	p.write(9, avcInter)
	assert.Greater(t, s.got.Len(), before)
	c.Close()
	p.pub.Unpublish()
	assert.Zero(t, LivePackets(), "every packet released")
}

func TestPlayerBeforePublisherAndRepublish(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	s := &sink{keep: true, accept: -1}
	c := reg.Play(l, "v", "live", "s", testConfig(), s, JoinOptions{Form: FormRTMP, ChunkSize: 60000})
	assert.Zero(t, s.got.Len())

	p := startPublish(t, reg, l, testConfig())
	p.gop(3)
	n1 := s.got.Len()
	assert.Greater(t, n1, 0)
	p.pub.Unpublish()
	assert.True(t, bytes.HasSuffix(s.got.Bytes(), unpublishNotify), "players hear the unpublish")
	assert.Nil(t, s.err, "and stay connected")

	// A second publisher is refused while the first is on; a republish reaches the player.
	p2 := startPublish(t, reg, l, testConfig())
	_, err := reg.Publish(l, "v", "live", "s", testConfig())
	assert.ErrorIs(t, err, ErrPublishBusy)
	p2.gop(3)
	assert.Greater(t, s.got.Len(), n1+len(unpublishNotify))
	c.Close()
	p2.pub.Unpublish()
	assert.Zero(t, LivePackets())
	assert.Empty(t, reg.Sources(), "an idle source is forgotten")
}

func TestRTMPFormIsSharedBytes(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	a, b := &sink{keep: true, accept: -1}, &sink{keep: true, accept: -1}
	ca := reg.Play(l, "v", "live", "s", testConfig(), a, JoinOptions{Form: FormRTMP, ChunkSize: 60000})
	cb := reg.Play(l, "v", "live", "s", testConfig(), b, JoinOptions{Form: FormRTMP, ChunkSize: 60000})
	p := startPublish(t, reg, l, testConfig())
	p.gop(4)
	assert.Equal(t, a.got.Bytes(), b.got.Bytes())
	ca.Close()
	cb.Close()
	p.pub.Unpublish()
}

func TestSlowConsumerSkipsToKeyframeThenIsDropped(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	cfg := testConfig()
	cfg.QueueLength = 500 * time.Millisecond
	p := startPublish(t, reg, l, cfg)
	fast := &sink{accept: -1}
	slow := &sink{accept: 0}
	cf := reg.Play(l, "v", "live", "s", cfg, fast, JoinOptions{Form: FormRTMP, ChunkSize: 60000})
	cs := reg.Play(l, "v", "live", "s", cfg, slow, JoinOptions{Form: FormRTMP, ChunkSize: 60000})
	p.gop(10) // 400 ms: within the queue
	assert.Nil(t, slow.err)
	p.gop(10) // over: skip to the next keyframe
	assert.Nil(t, slow.err)
	assert.NotZero(t, cs.Dropped())
	pk, _ := cs.Pending()
	assert.Less(t, pk, 25, "the queue was cut")
	p.gop(20) // over again within queue_length: disconnected
	assert.True(t, errors.Is(slow.err, ErrSlowConsumer), "got %v", slow.err)
	assert.Nil(t, fast.err)
	assert.Zero(t, cf.Dropped())
	cs.Close()
	cf.Close()
	p.pub.Unpublish()
	assert.Zero(t, LivePackets())
}

func TestPartialWritesKeepOrder(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	p := startPublish(t, reg, l, testConfig())
	ref := &sink{keep: true, accept: -1}
	part := &sink{keep: true, accept: 7} // takes 7 bytes per write
	cr := reg.Play(l, "v", "live", "s", testConfig(), ref, JoinOptions{Form: FormFLV})
	cp := reg.Play(l, "v", "live", "s", testConfig(), part, JoinOptions{Form: FormFLV})
	p.gop(3)
	for i := 0; i < 200; i++ {
		l.Tick()
	}
	assert.Equal(t, ref.got.Bytes(), part.got.Bytes())
	cr.Close()
	cp.Close()
	p.pub.Unpublish()
	assert.Zero(t, LivePackets())
}

func TestJitterFull(t *testing.T) {
	var j jitter
	j.reset(JitterFull)
	got := []uint32{}
	for _, ts := range []uint32{5000, 5040, 5080, 100, 140, 99999, 100039} {
		got = append(got, j.apply(ts))
	}
	assert.Equal(t, []uint32{0, 40, 80, 90, 130, 140, 180}, got)
	j.reset(JitterFull) // republish continues the clock
	assert.Equal(t, uint32(190), j.apply(7))
}

// BenchmarkFanout1000 measures one video message reaching 1000 players.
func BenchmarkFanout1000(b *testing.B) {
	benchFanout(b, JoinOptions{Form: FormRTMP, ChunkSize: 60000})
}

// benchFanout measures one video message reaching 1000 players of opts.
func benchFanout(b *testing.B, opts JoinOptions) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	cfg := testConfig()
	p := startPublish(b, reg, l, cfg)
	p.gop(2)
	for i := 0; i < 1000; i++ {
		reg.Play(l, "v", "live", "s", cfg, &sink{accept: -1}, opts)
	}
	frame := make([]byte, 5000)
	copy(frame, avcInter)
	frame[7], frame[8] = byte((len(frame)-9)>>8), byte(len(frame)-9) // one NAL unit, the whole frame
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)) * 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.ts += 40
		if i%50 == 0 {
			p.write(9, avcKey) // keep the GOP cache bounded
			continue
		}
		p.pub.Write(9, p.ts, body(frame))
	}
}
