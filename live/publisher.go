package live

import (
	"context"
	"sync"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/rtmp"
)

// Publisher is the publishing side of one source: a connection on an event
// loop, or a goroutine (an edge pull, a stream caster, an ingest). What only
// the publisher uses (jitter correction, the batch being merged, the remux
// muxer) lives here, apart from the source's shared state, which it reaches
// under the source's lock and only while it is the source's current
// publisher. So a new publisher may take over while an old one is still
// closing, and the old one's last writes are dropped instead of mixed in.
type Publisher struct {
	src  *Source
	loop *Loop // nil for a goroutine publisher

	// mu serializes Write, Unpublish and the flushes of batches that waited
	// their latency (the loop's tick, or a timer for goroutine publishers).
	// Uncontended on a loop: the tick runs on the publisher's own loop.
	mu         sync.Mutex
	closed     bool
	jitter     jitter
	batch      []*Packet
	batchStart time.Time
	remux      remuxer
	sched      []*group
	timer      *time.Timer // goroutine publishers: flushes a batch due by latency

	frames, bytes uint64 // this publish's media messages and payload bytes
}

// Source is the stream being published.
func (p *Publisher) Source() *Source { return p.src }

// Counts returns this publish's media messages and payload bytes.
func (p *Publisher) Counts() (frames, bytes uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frames, p.bytes
}

func (p *Publisher) now() time.Time {
	if p.loop != nil {
		return p.loop.now
	}
	return time.Now()
}

// Write adds a message from the publisher, taking ownership of body. typ is
// the RTMP/FLV message type (8 audio, 9 video, 18 data already turned into
// onMetaData). A loop publisher calls it on its loop; a goroutine publisher
// from one goroutine at a time.
func (p *Publisher) Write(typ uint8, timestamp uint32, body *buffer.Buffer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		body.Release()
		return
	}
	s := p.src
	cfg := s.cfg.Load()
	pk := NewPacket()
	pk.Payload = body
	pk.Arrived = p.now()
	b := body.B
	var csid uint32
	switch typ {
	case flv.TagAudio:
		pk.Kind, csid = KindAudio, csidAudio
		pk.SeqHeader = flv.IsAudioSequenceHeader(b)
		s.hasAudio.Store(true)
	case flv.TagVideo:
		pk.Kind, csid = KindVideo, csidVideo
		pk.SeqHeader = flv.IsVideoSequenceHeader(b)
		pk.Keyframe = !pk.SeqHeader && flv.IsVideoKeyframe(b)
		s.hasVideo.Store(true)
	default:
		pk.Kind, csid = KindData, csidData
	}
	// Metadata is sent at each start, before the media, at time 0; its
	// timestamps must not move the media's clock.
	if pk.Kind != KindData {
		pk.Timestamp = p.jitter.apply(timestamp)
	}

	size := cfg.ChunkSize
	rt := buffer.GetSize(rtmp.ChunksLen(csid, len(b), size, pk.Timestamp))
	rt.B = rtmp.AppendChunks(rt.B[:0], csid, typ, PlayStreamID, pk.Timestamp, b, size)
	pk.RTMP = rt
	ft := buffer.GetSize(flv.TagLen(len(b)))
	ft.B = flv.AppendTag(ft.B[:0], typ, pk.Timestamp, b)
	pk.FLV = ft
	psi, stopped := p.remuxForms(pk, cfg)
	s.Stats.BytesIn.Add(uint64(len(b)))
	p.bytes += uint64(len(b))
	if pk.Kind != KindData {
		s.Stats.Frames.Add(1)
		p.frames++
	}

	s.mu.Lock()
	if s.pub != p {
		s.mu.Unlock()
		pk.Release()
		return
	}
	switch s.chunkSize {
	case size:
	case 0: // nobody was told a size yet
		s.chunkSize = size
	default:
		p.changeChunkSize(size)
	}
	s.seq++
	pk.Seq = s.seq
	switch {
	case psi != nil:
		s.tsPrefix, s.tsStart = psi, pk.Seq
	case stopped:
		s.tsPrefix = nil
	}
	s.cache(pk, cfg)
	for _, o := range s.outputs {
		o.WritePacket(pk)
	}
	s.mu.Unlock()

	p.add(pk) // the batch owns pk's first reference
	if cfg.MinLatency || cfg.MwLatency <= 0 || p.batchFull(cfg) {
		p.flush()
	}
}

// remuxForms gives media packet pk its audio form (an .aac or .mp3 mount)
// and its TS form. The TS form is made while the vhost serves .ts or the
// source has TS players (SRT), so it costs nothing otherwise; it returns
// PAT and PMT when the TS form starts at pk, and whether it stopped.
func (p *Publisher) remuxForms(pk *Packet, cfg *Config) (psi []byte, stopped bool) {
	r := &p.remux
	if !r.learn(pk) {
		return nil, false
	}
	if cfg.Remux == RemuxAAC || cfg.Remux == RemuxMP3 {
		pk.Remux = r.audioForm(pk, cfg.Remux)
	}
	wantTS := cfg.Remux == RemuxTS || p.src.byForm[FormTS].Load() > 0
	switch {
	case wantTS && r.mux == nil:
		if psi = r.startTS(pk); psi != nil {
			pk.TS = r.tsForm(pk, psi)
		}
	case wantTS:
		pk.TS = r.tsForm(pk, nil)
	case r.mux != nil:
		r.stopTS()
		stopped = true
	}
	return psi, stopped
}

// add appends pk to the batch, starting the latency clock of a new batch.
func (p *Publisher) add(pk *Packet) {
	if len(p.batch) == 0 {
		p.batchStart = p.now()
		if p.timer != nil {
			if lat := p.src.cfg.Load().MwLatency; lat > 0 {
				p.timer.Reset(lat)
			}
		}
	}
	p.batch = append(p.batch, pk)
}

// changeChunkSize follows a reload that changed the out chunk size: RTMP
// players are told in order with the media, and the GOP cache (chunked at
// the old size) is dropped so new players never mix the two. s.mu is held.
func (p *Publisher) changeChunkSize(size int) {
	s := p.src
	s.chunkSize = size
	pk := NewPacket()
	pk.Kind = KindEvent
	pk.ChunkSize = size
	pk.RTMP = buffer.Get()
	pk.RTMP.B = rtmp.AppendSetChunkSize(pk.RTMP.B, uint32(size))
	s.seq++
	pk.Seq = s.seq
	s.clearGOP()
	// Re-chunk the cached headers at the new size, as new packets: the old
	// ones may be half-written to a player.
	for _, slot := range [...]**Packet{&s.metadata, &s.videoSH, &s.audioSH} {
		old := *slot
		if old == nil {
			continue
		}
		n := NewPacket()
		n.Kind, n.Timestamp, n.Seq, n.SeqHeader = old.Kind, old.Timestamp, old.Seq, old.SeqHeader
		n.Payload, n.FLV = old.Payload.Retain(), old.FLV.Retain()
		n.RTMP = buffer.GetSize(rtmp.ChunksLen(csidOf(n.Kind), len(n.Payload.B), size, n.Timestamp))
		n.RTMP.B = rtmp.AppendChunks(n.RTMP.B[:0], csidOf(n.Kind), typeOf(n.Kind), PlayStreamID, n.Timestamp, n.Payload.B, size)
		old.Release()
		*slot = n
	}
	p.add(pk)
}

func (p *Publisher) batchFull(cfg *Config) bool {
	if len(p.batch) <= cfg.MwMsgs {
		return false
	}
	span := int64(p.batch[len(p.batch)-1].Timestamp) - int64(p.batch[0].Timestamp)
	return time.Duration(span)*time.Millisecond >= cfg.MwLatency
}

// flushIfDue flushes a batch that has waited its latency in wall time (for
// sparse streams, e.g. audio only or a stalled encoder).
func (p *Publisher) flushIfDue(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.batch) == 0 {
		return
	}
	lat := p.src.cfg.Load().MwLatency
	if wait := lat - now.Sub(p.batchStart); wait > 0 {
		if p.timer != nil {
			p.timer.Reset(wait)
		}
		return
	}
	p.flush()
}

// flush hands the batch to every loop that has consumers, one task per
// loop; p.mu is held.
func (p *Publisher) flush() {
	if len(p.batch) == 0 {
		return
	}
	s := p.src
	s.mu.Lock()
	if s.pub == p {
		p.pushLocked()
	}
	s.mu.Unlock()
	p.dispatch()
}

// pushLocked queues the batch on every group of the source; s.mu is held,
// so batches of successive publishers reach each group in order.
func (p *Publisher) pushLocked() {
	for _, g := range p.src.groups {
		if g != nil && g.push(p.batch) {
			p.sched = append(p.sched, g)
		}
	}
}

// dispatch drops the batch's references and runs the scheduled groups on
// their loops (outside the source's lock: a loop may run them inline).
func (p *Publisher) dispatch() {
	for _, pk := range p.batch {
		pk.Release()
	}
	clear(p.batch)
	p.batch = p.batch[:0]
	for _, g := range p.sched {
		// An error means the engine is shutting down; nothing will deliver.
		_ = g.loop.exec.Execute(context.Background(), g)
	}
	clear(p.sched)
	p.sched = p.sched[:0]
}

// Unpublish ends the publish: RTMP players get NetStream.Play.UnpublishNotify
// and keep their connections, caches are cleared and outputs told. A loop
// publisher calls it on its loop. It is idempotent.
func (p *Publisher) Unpublish() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	if p.timer != nil {
		p.timer.Stop()
	}
	s := p.src
	s.mu.Lock()
	current := s.pub == p
	if current {
		s.unpublishLocked(p)
		p.pushLocked()
	}
	s.mu.Unlock()
	p.dispatch()
	p.mu.Unlock()
	if p.loop != nil {
		p.loop.removePublisher(p)
	}
	if current {
		s.reg.notify(s, Unpublished)
		s.reg.maybeRemove(s)
	}
}

// unpublishNotify is the body of the status message RTMP players get when
// the publisher leaves.
var unpublishNotify = func() []byte {
	b, err := rtmp.OnStatus("status", rtmp.CodePlayUnpublishNotify, "stream is now unpublished.").AppendPayload(nil)
	if err != nil {
		panic(err)
	}
	return b
}()
