package live

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goLoop is an event loop for tests: one goroutine runs its tasks in order.
type goLoop struct {
	tasks chan Runnable
	done  chan struct{}
	l     *Loop
}

func newGoLoop(index int) *goLoop {
	g := &goLoop{tasks: make(chan Runnable, 1024), done: make(chan struct{})}
	g.l = NewLoop(index, g)
	go func() {
		defer close(g.done)
		for r := range g.tasks {
			_ = r.Run(context.Background())
		}
	}()
	return g
}

func (g *goLoop) Execute(_ context.Context, r Runnable) error { g.tasks <- r; return nil }

// run runs f on the loop and waits for it.
func (g *goLoop) run(f func()) {
	done := make(chan struct{})
	g.tasks <- runFunc(func() { f(); close(done) })
	<-done
}

func (g *goLoop) stop() { close(g.tasks); <-g.done }

// seqSink checks, on its loop, that the FLV tags it gets carry strictly
// increasing sequence numbers (written by the publishers in the payload).
type seqSink struct {
	mu   sync.Mutex
	last uint32
	n    int
	bad  error
}

func (s *seqSink) Writev(bufs [][]byte) (int, error) {
	n := 0
	for _, b := range bufs {
		n += len(b)
		if b[0] != 9 || len(b) < 11+10+4 {
			continue
		}
		body := b[11 : len(b)-4]
		if body[1] != 1 || len(body) < 14 {
			continue
		}
		seq := binary.BigEndian.Uint32(body[len(body)-4:])
		s.mu.Lock()
		if seq <= s.last && s.bad == nil {
			s.bad = errors.New("sequence went backwards")
		}
		s.last = seq
		s.n++
		s.mu.Unlock()
	}
	return n, nil
}

func (s *seqSink) Close(err error) {}

// TestPublisherHandover is the reconnecting encoder: a new publisher on
// another loop takes over while the old one is still closing. Under -race
// this reports unsynchronized access; without the separation of publisher
// and shared state it lost or double-released packets.
func TestPublisherHandover(t *testing.T) {
	reg := NewRegistry()
	loops := []*goLoop{newGoLoop(0), newGoLoop(1), newGoLoop(2)}
	defer func() {
		for _, g := range loops {
			g.stop()
		}
	}()
	cfg := testConfig()
	cfg.MinLatency, cfg.MwLatency = false, 20*time.Millisecond
	player := &seqSink{}
	var c *Consumer
	loops[2].run(func() {
		c = reg.Play(loops[2].l, "v", "live", "s", cfg, player, JoinOptions{Form: FormFLV})
	})

	var seq atomic.Uint32
	frame := func(key bool) []byte {
		b := append([]byte(nil), avcInter...)
		if key {
			b = append([]byte(nil), avcKey...)
		}
		return binary.BigEndian.AppendUint32(b, seq.Add(1))
	}
	const rounds = 200
	var wg sync.WaitGroup
	for i := 0; i < rounds; i++ {
		g := loops[i%2]
		var pub *Publisher
		for pub == nil { // the old one may still be closing
			var err error
			g.run(func() { pub, err = reg.Publish(g.l, "v", "live", "s", cfg) })
			if err != nil {
				require.ErrorIs(t, err, ErrPublishBusy)
				continue
			}
		}
		wg.Add(1)
		// Write and unpublish on the publisher's loop, racing the next one.
		go func() {
			defer wg.Done()
			for k := 0; k < 5; k++ {
				b := frame(k == 0)
				ts := uint32(k * 40)
				g.run(func() { pub.Write(9, ts, body(b)) })
			}
			g.run(func() { g.l.Tick(); pub.Unpublish() })
		}()
		if i%3 == 0 {
			wg.Wait()
		}
	}
	wg.Wait()
	loops[2].run(func() { loops[2].l.Tick(); c.Close() })
	for _, g := range loops {
		g.run(func() {})
	}
	player.mu.Lock()
	defer player.mu.Unlock()
	assert.NoError(t, player.bad)
	assert.Greater(t, player.n, rounds, "the player got frames of many publishes")
	assert.Zero(t, LivePackets(), "no packet leaked or released twice")
	assert.Empty(t, reg.Sources())
}

// TestGoroutinePublisherBatches: a publisher off the event loops merges
// messages by mw_latency and flushes a batch that waited too long by
// itself (a sparse stream must not stall).
func TestGoroutinePublisherBatches(t *testing.T) {
	reg := NewRegistry()
	g := newGoLoop(0)
	defer g.stop()
	cfg := testConfig()
	cfg.MinLatency, cfg.MwLatency, cfg.MwMsgs = false, 50*time.Millisecond, 8
	s := &lockedSink{}
	var c *Consumer
	g.run(func() { c = reg.Play(g.l, "v", "live", "s", cfg, s, JoinOptions{Form: FormFLV}) })

	pub, err := reg.Publish(nil, "v", "live", "s", cfg)
	require.NoError(t, err)
	pub.Write(9, 0, body(avcSH))
	pub.Write(9, 0, body(avcKey))
	time.Sleep(5 * time.Millisecond)
	assert.Zero(t, s.writes(), "held for mw_latency")
	require.Eventually(t, func() bool { return s.writes() > 0 }, 2*time.Second, 5*time.Millisecond,
		"the batch is flushed by time alone")
	pub.Unpublish()
	g.run(func() { c.Close() })
	assert.Zero(t, LivePackets())
}

type lockedSink struct {
	mu sync.Mutex
	n  int
	b  []byte
}

func (s *lockedSink) Writev(bufs [][]byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, b := range bufs {
		n += len(b)
		s.b = append(s.b, b...)
	}
	s.n++
	return n, nil
}

func (s *lockedSink) Close(error) {}

func (s *lockedSink) writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// TestNewSequenceHeaderClearsGOP: after the encoder changes its decoder
// configuration, a joiner gets the new header and no frame of the old GOP.
func TestNewSequenceHeaderClearsGOP(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	p := startPublish(t, reg, l, testConfig())
	p.gop(5)
	p.write(9, append(append([]byte(nil), avcSH...), 0x42)) // new SPS
	s := &sink{keep: true, accept: -1}
	c := reg.Play(l, "v", "live", "s", testConfig(), s, JoinOptions{Form: FormFLV})
	types, _ := flvTags(t, s.got.Bytes())
	assert.Equal(t, []byte{18, 9, 8}, types, "headers only: the old GOP is gone")
	p.gop(2)
	_, keys := flvTags(t, s.got.Bytes())
	assert.True(t, keys[3], "playing starts at the next keyframe")

	// The same header again (encoders repeat it) keeps the GOP.
	p.write(9, append(append([]byte(nil), avcSH...), 0x42))
	s2 := &sink{keep: true, accept: -1}
	c2 := reg.Play(l, "v", "live", "s", testConfig(), s2, JoinOptions{Form: FormFLV})
	types2, _ := flvTags(t, s2.got.Bytes())
	assert.Greater(t, len(types2), 3)
	c.Close()
	c2.Close()
	p.pub.Unpublish()
	assert.Zero(t, LivePackets())
}

// TestMetadataDoesNotMoveTheClock: jitter correction follows media
// timestamps only.
func TestMetadataDoesNotMoveTheClock(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	p := startPublish(t, reg, l, testConfig())
	s := &sink{keep: true, accept: -1}
	c := reg.Play(l, "v", "live", "s", testConfig(), s, JoinOptions{Form: FormFLV})
	p.ts = 1000
	p.write(9, avcKey)
	p.pub.Write(18, 900000, body(meta)) // a data message far off
	p.ts = 1040
	p.write(9, avcInter)
	var ts []uint32
	b := s.got.Bytes()
	for len(b) > 0 {
		size := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if b[0] == 9 && b[12] == 1 {
			ts = append(ts, uint32(b[4])<<16|uint32(b[5])<<8|uint32(b[6]))
		}
		b = b[11+size+4:]
	}
	require.Len(t, ts, 2)
	assert.Equal(t, uint32(40), ts[1]-ts[0])
	c.Close()
	p.pub.Unpublish()
}

// TestAudioOnlyRemuxSurvivesQueueCut: an .aac/.mp3 player whose queue was
// cut keeps getting audio (it never sees video keyframes to wait for).
func TestAudioOnlyRemuxSurvivesQueueCut(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	cfg := testConfig()
	cfg.Remux = RemuxAAC
	p := startPublish(t, reg, l, cfg)
	s := &sink{keep: true, accept: 0} // takes nothing: the queue grows
	c := reg.Play(l, "v", "live", "s", cfg, s, JoinOptions{Form: FormRemux})
	for i := 0; i < 100; i++ { // 4 s of A/V, over the 2 s queue_length
		p.ts += 40
		p.write(9, avcInter)
		p.write(8, aacRaw)
	}
	require.NotZero(t, c.Dropped(), "the queue was cut")
	require.NoError(t, s.err)
	s.accept = -1
	before := s.got.Len()
	p.ts += 40
	p.write(8, aacRaw)
	p.write(8, aacRaw)
	assert.Greater(t, s.got.Len(), before, "audio flows again without a video keyframe")
	c.Close()
	p.pub.Unpublish()
	assert.Zero(t, LivePackets())
}

// TestChunkSizeChange: players are told the shared form's chunk size at
// join and in order when it changes, and so is the unpublish notify.
func TestChunkSizeChange(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	cfg := testConfig()
	p := startPublish(t, reg, l, cfg)
	p.gop(3)
	told := &sink{keep: true, accept: -1}
	c1 := reg.Play(l, "v", "live", "s", cfg, told, JoinOptions{Form: FormRTMP, ChunkSize: 4096})
	assert.Equal(t, 60000, c1.ChunkSize(), "a player told another size is told the shared one")
	assert.Equal(t, []byte{0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0xea, 0x60}, told.got.Bytes()[:16])

	next := *cfg
	next.ChunkSize = 64 // below the notify's size, to see it chunked
	p.src.SetConfig(&next)
	p.gop(2)
	assert.Equal(t, 64, c1.ChunkSize(), "the change reaches the queue in order")
	late := &sink{keep: true, accept: -1}
	c2 := reg.Play(l, "v", "live", "s", &next, late, JoinOptions{Form: FormRTMP, ChunkSize: 64})
	assert.Equal(t, 64, c2.ChunkSize())
	n := late.got.Len()
	p.pub.Unpublish()
	tail := late.got.Bytes()[n:]
	// fmt 0 header on csid 5, then 64-byte chunks with fmt 3 continuation.
	require.Greater(t, len(tail), 12+64)
	assert.Equal(t, byte(0xc5), tail[12+64], "the notify is chunked at the size players were told")
	c1.Close()
	c2.Close()
	assert.Zero(t, LivePackets())
}

// TestObserverEvents: the stream's life as the edge and ingest see it.
func TestObserverEvents(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	var got []StreamEvent
	reg.AddObserver(ObserverFunc(func(s *Source, e StreamEvent) {
		assert.Equal(t, "v/live/s", s.Key)
		got = append(got, e)
	}))
	c := reg.Play(l, "v", "live", "s", testConfig(), &sink{accept: -1}, JoinOptions{Form: FormFLV})
	c2 := reg.Play(l, "v", "live", "s", testConfig(), &sink{accept: -1}, JoinOptions{Form: FormFLV})
	p := startPublish(t, reg, l, testConfig())
	c.Close()
	c2.Close()
	p.pub.Unpublish()
	assert.Equal(t, []StreamEvent{FirstPlayer, Published, LastPlayerLeft, Unpublished, Removed}, got)
}

// TestReader: a goroutine reads the stream as tags, cache first; a reader
// that stops reading is cut and then dropped like a slow player.
func TestReader(t *testing.T) {
	reg := NewRegistry()
	g := newGoLoop(0)
	defer g.stop()
	cfg := testConfig()
	pub, err := reg.Publish(nil, "v", "live", "s", cfg)
	require.NoError(t, err)
	p := &publisher{t: t, pub: pub, src: pub.Source()}
	p.write(18, meta)
	p.write(9, avcSH)
	p.write(8, aacSH)
	p.gop(3)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rd, err := reg.Read(ctx, g.l, "v", "live", "s", cfg, FormFLV)
	require.NoError(t, err)
	var types []uint8
	for i := 0; i < 4; i++ {
		tag, err := rd.ReadTag(ctx)
		require.NoError(t, err)
		types = append(types, tag.Type)
		if i == 3 {
			assert.Equal(t, avcKey, tag.Payload)
		}
	}
	assert.Equal(t, []uint8{18, 9, 8, 9}, types)

	// Stop reading: the reader's buffer fills, then its queue, then it is dropped.
	frame := make([]byte, 64<<10)
	copy(frame, avcInter)
	for i := 0; i < 200 && !errors.Is(readErr(rd), ErrSlowConsumer); i++ {
		p.ts += 40
		if i%10 == 0 {
			pub.Write(9, p.ts, body(avcKey)) // a cut player restarts here
		}
		pub.Write(9, p.ts, body(frame))
		g.run(func() { g.l.Tick() })
	}
	for {
		_, err := rd.ReadTag(ctx)
		if err != nil {
			assert.ErrorIs(t, err, ErrSlowConsumer)
			break
		}
	}
	require.NoError(t, rd.Close())
	pub.Unpublish()
	g.run(func() {})
	assert.Zero(t, LivePackets())
}

func readErr(rd *Reader) error {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	return rd.err
}

// BenchmarkGoroutinePublisherFanout1000: one message from a publisher off
// the event loops (an edge pull, a caster) reaching 1000 players.
func BenchmarkGoroutinePublisherFanout1000(b *testing.B) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	cfg := testConfig()
	pub, err := reg.Publish(nil, "v", "live", "s", cfg)
	require.NoError(b, err)
	p := &publisher{t: b, pub: pub, src: pub.Source()}
	p.write(9, avcSH)
	p.gop(2)
	for i := 0; i < 1000; i++ {
		reg.Play(l, "v", "live", "s", cfg, &sink{accept: -1}, JoinOptions{Form: FormRTMP, ChunkSize: 60000})
	}
	frame := make([]byte, 5000)
	copy(frame, avcInter)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)) * 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.ts += 40
		if i%50 == 0 {
			p.write(9, avcKey)
			continue
		}
		pub.Write(9, p.ts, body(frame))
	}
}

// TestRepliesToANonReaderAreBounded: a player that keeps sending pings
// (each answered through its queue) and never reads is disconnected once
// the replies pile up, not kept growing.
func TestRepliesToANonReaderAreBounded(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	s := &sink{accept: 0}
	c := reg.Play(l, "v", "live", "s", testConfig(), s, JoinOptions{Form: FormRTMP, ChunkSize: 60000})
	pong := make([]byte, 18)
	for i := 0; i < 2*maxRawBytes/len(pong) && s.err == nil; i++ {
		c.SendRaw(pong)
	}
	assert.ErrorIs(t, s.err, ErrRepliesPiledUp)
	packets, bytes := c.Pending()
	assert.LessOrEqual(t, bytes, maxRawBytes)
	assert.Less(t, packets, maxRawBytes/len(pong)+1)
	c.Close()
	assert.Zero(t, LivePackets())
}
