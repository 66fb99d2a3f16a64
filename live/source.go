package live

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/rtmp"
)

// ErrPublishBusy is returned when a stream already has a publisher.
var ErrPublishBusy = errors.New("live: stream is already being published")

// Chunk stream ids of the shared RTMP form (as SRS uses them).
const (
	csidData  = 5
	csidVideo = 6
	csidAudio = 7
	// PlayStreamID is the message stream id every player's media uses; the
	// server's createStream answers it so the chunked bytes can be shared.
	PlayStreamID = 1
)

// audioOnlyGOP is how many audio frames an audio-only GOP cache keeps
// before it starts over (as SRS does), about 2.5 s of AAC.
const audioOnlyGOP = 115

// Config is a source's share of its vhost's configuration.
type Config struct {
	GopCache          bool
	GopCacheMaxFrames int
	QueueLength       time.Duration
	MwLatency         time.Duration
	MwMsgs            int
	MinLatency        bool
	TimeJitter        Jitter
	ChunkSize         int   // out chunk size of the shared RTMP form
	Remux             Remux // the extra form the vhost's http_remux mount serves
}

// Source is one live stream (vhost/app/stream): its publisher, caches and
// consumers.
type Source struct {
	Key                string
	ID                 string // stream id in the API and callbacks ("vid-…")
	created            time.Time
	Vhost, App, Stream string

	cfg atomic.Pointer[Config]
	reg *Registry

	// Publisher side: used on the publisher's loop only.
	jitter     jitter
	batch      []*Packet
	batchStart time.Time
	chunkSize  int // of the RTMP form of the last packet
	remux      *remuxer
	sched      []*group
	pubLoop    *Loop

	mu          sync.Mutex
	publishing  bool
	publisherID string
	seq         uint64
	metadata    *Packet
	videoSH     *Packet
	audioSH     *Packet
	gop         []*Packet
	audioRun    int      // audio frames since the last video frame
	groups      []*group // by loop index
	remuxPrefix []byte   // what remux players get first (TS: PAT and PMT)
	outputs     []Output

	hasAudio, hasVideo atomic.Bool
	consumers          atomic.Int32
	byForm             [3]atomic.Int32 // consumers per Form
	gopFrames          atomic.Int32
	dropped            atomic.Uint64
	Stats              Stats
}

// Stats are a source's counters, safe to read from any goroutine.
type Stats struct {
	Frames    atomic.Uint64 // media messages received
	BytesIn   atomic.Uint64
	BytesOut  atomic.Uint64 // what every player's socket took
	Publishes atomic.Uint64
	Since     atomic.Int64 // unix ms of the current publish, 0 when idle
}

// Output receives every packet of a source on the publisher's loop (HLS,
// DVR, forward…). It must not block; it retains what it keeps.
type Output interface {
	WritePacket(p *Packet)
	// Unpublish tells the output the publisher left.
	Unpublish()
}

// Config returns the source's configuration.
func (s *Source) Config() *Config { return s.cfg.Load() }

// SetConfig replaces the configuration (reload); it applies to the next
// batch and the next consumer.
func (s *Source) SetConfig(c *Config) { s.cfg.Store(c) }

// Publishing reports whether the source has a publisher.
func (s *Source) Publishing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.publishing
}

// SetPublisherID records the publisher's context id (for logs and the API).
func (s *Source) SetPublisherID(id string) {
	s.mu.Lock()
	s.publisherID = id
	s.mu.Unlock()
}

// PublisherID is the current (or last) publisher's context id.
func (s *Source) PublisherID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.publisherID
}

// HasAudio and HasVideo report what the current (or last) publish carried.
func (s *Source) HasAudio() bool { return s.hasAudio.Load() }
func (s *Source) HasVideo() bool { return s.hasVideo.Load() }

// Consumers is the number of players.
func (s *Source) Consumers() int { return int(s.consumers.Load()) }

// ConsumersOf is the number of players of form f.
func (s *Source) ConsumersOf(f Form) int { return int(s.byForm[f].Load()) }

// GOPFrames is how many packets the GOP cache holds.
func (s *Source) GOPFrames() int { return int(s.gopFrames.Load()) }

// Created is when the source was first asked for.
func (s *Source) Created() time.Time { return s.created }

// Dropped counts packets skipped for slow consumers.
func (s *Source) Dropped() uint64 { return s.dropped.Load() }

// AudioSequenceHeader and VideoSequenceHeader return the cached decoder
// configurations (payloads), or nil.
func (s *Source) SequenceHeaders() (audio, video []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.audioSH != nil {
		audio = append([]byte(nil), s.audioSH.Payload.B...)
	}
	if s.videoSH != nil {
		video = append([]byte(nil), s.videoSH.Payload.B...)
	}
	return audio, video
}

// startPublish is called by the registry with s.mu held.
func (s *Source) startPublish(l *Loop) {
	s.publishing = true
	s.pubLoop = l
	s.jitter.reset(s.cfg.Load().TimeJitter)
	s.remux = nil
	s.hasAudio.Store(false)
	s.hasVideo.Store(false)
	s.Stats.Publishes.Add(1)
	s.Stats.Since.Store(time.Now().UnixMilli())
	l.addSource(s)
}

// Write adds a message from the publisher, taking ownership of body. typ is
// the RTMP/FLV message type (8 audio, 9 video, 18 data already turned into
// onMetaData). It runs on the publisher's loop.
func (s *Source) Write(l *Loop, typ uint8, timestamp uint32, body *buffer.Buffer) {
	cfg := s.cfg.Load()
	p := NewPacket()
	p.Payload = body
	b := body.B
	var csid uint32
	switch typ {
	case flv.TagAudio:
		p.Kind, csid = KindAudio, csidAudio
		p.SeqHeader = flv.IsAudioSequenceHeader(b)
		s.hasAudio.Store(true)
	case flv.TagVideo:
		p.Kind, csid = KindVideo, csidVideo
		p.SeqHeader = flv.IsVideoSequenceHeader(b)
		p.Keyframe = !p.SeqHeader && flv.IsVideoKeyframe(b)
		s.hasVideo.Store(true)
	default:
		p.Kind, csid = KindData, csidData
	}
	p.Timestamp = s.jitter.apply(timestamp)
	if p.Kind == KindData {
		p.Timestamp = 0 // metadata is sent at each start, before the media
	}

	rt := buffer.GetSize(rtmp.ChunksLen(csid, len(b), cfg.ChunkSize, p.Timestamp))
	rt.B = rtmp.AppendChunks(rt.B[:0], csid, typ, PlayStreamID, p.Timestamp, b, cfg.ChunkSize)
	p.RTMP = rt
	ft := buffer.GetSize(flv.TagLen(len(b)))
	ft.B = flv.AppendTag(ft.B[:0], typ, p.Timestamp, b)
	p.FLV = ft
	if cfg.Remux != RemuxNone {
		if s.remux == nil || s.remux.kind != cfg.Remux {
			s.remux = newRemuxer(cfg.Remux)
		}
		p.Remux = s.remux.form(p)
		if p.Remux != nil && s.remux.kind == RemuxTS && p.Kind == KindVideo && p.Keyframe {
			s.setRemuxPrefix(s.remux.prefix())
		}
	}

	if s.chunkSize != cfg.ChunkSize {
		s.changeChunkSize(cfg.ChunkSize)
	}
	s.Stats.BytesIn.Add(uint64(len(b)))
	if p.Kind != KindData {
		s.Stats.Frames.Add(1)
	}

	s.mu.Lock()
	s.seq++
	p.Seq = s.seq
	s.cache(p, cfg)
	for _, o := range s.outputs {
		o.WritePacket(p)
	}
	s.mu.Unlock()

	if len(s.batch) == 0 {
		s.batchStart = l.now
	}
	s.batch = append(s.batch, p) // the batch owns p's first reference
	if cfg.MinLatency || cfg.MwLatency <= 0 || s.batchFull(cfg) {
		s.flush()
	}
}

// changeChunkSize follows a reload that changed the out chunk size: RTMP
// players are told in order with the media, and the GOP cache (chunked at
// the old size) is dropped so new players never mix the two.
func (s *Source) changeChunkSize(size int) {
	first := s.chunkSize == 0
	s.chunkSize = size
	if first {
		return
	}
	p := NewPacket()
	p.Kind = KindEvent
	p.RTMP = buffer.Get()
	p.RTMP.B = rtmp.AppendSetChunkSize(p.RTMP.B, uint32(size))
	s.mu.Lock()
	s.seq++
	p.Seq = s.seq
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
	s.mu.Unlock()
	if len(s.batch) == 0 {
		s.batchStart = s.pubLoopNow()
	}
	s.batch = append(s.batch, p)
}

func (s *Source) pubLoopNow() time.Time {
	if s.pubLoop != nil {
		return s.pubLoop.now
	}
	return time.Now()
}

func csidOf(k Kind) uint32 {
	switch k {
	case KindAudio:
		return csidAudio
	case KindVideo:
		return csidVideo
	}
	return csidData
}

func typeOf(k Kind) uint8 {
	switch k {
	case KindAudio:
		return flv.TagAudio
	case KindVideo:
		return flv.TagVideo
	}
	return flv.TagScript
}

// setRemuxPrefix keeps what remux players need first (TS: PAT and PMT).
func (s *Source) setRemuxPrefix(b []byte) {
	s.mu.Lock()
	s.remuxPrefix = append(s.remuxPrefix[:0], b...)
	s.mu.Unlock()
}

func (s *Source) batchFull(cfg *Config) bool {
	if len(s.batch) <= cfg.MwMsgs {
		return false
	}
	span := int64(s.batch[len(s.batch)-1].Timestamp) - int64(s.batch[0].Timestamp)
	return time.Duration(span)*time.Millisecond >= cfg.MwLatency
}

// flushIfDue flushes a batch that has waited its latency in wall time (for
// sparse streams, e.g. audio only or a stalled encoder).
func (s *Source) flushIfDue(l *Loop) {
	if len(s.batch) > 0 && l.now.Sub(s.batchStart) >= s.cfg.Load().MwLatency {
		s.flush()
	}
}

// cache updates metadata, sequence headers and the GOP cache; s.mu is held.
func (s *Source) cache(p *Packet, cfg *Config) {
	switch {
	case p.Kind == KindData:
		swapPacket(&s.metadata, p)
		return
	case p.SeqHeader && p.Kind == KindVideo:
		swapPacket(&s.videoSH, p)
	case p.SeqHeader && p.Kind == KindAudio:
		swapPacket(&s.audioSH, p)
	}
	if !cfg.GopCache {
		return
	}
	switch {
	case p.Kind == KindVideo && p.Keyframe:
		s.clearGOP()
		s.audioRun = 0
	case p.Kind == KindVideo:
		s.audioRun = 0
	case p.Kind == KindAudio && !p.SeqHeader:
		s.audioRun++
		if !s.hasVideo.Load() && s.audioRun > audioOnlyGOP {
			s.clearGOP()
			s.audioRun = 0
		}
	}
	if p.SeqHeader && len(s.gop) == 0 {
		return // sent from the cached header anyway
	}
	if len(s.gop) >= cfg.GopCacheMaxFrames && cfg.GopCacheMaxFrames > 0 {
		s.clearGOP()
		return
	}
	// A video stream's GOP starts at a keyframe.
	if len(s.gop) == 0 && s.hasVideo.Load() && !(p.Kind == KindVideo && p.Keyframe) {
		return
	}
	p.Retain()
	s.gop = append(s.gop, p)
	s.gopFrames.Store(int32(len(s.gop)))
}

func (s *Source) clearGOP() {
	for _, p := range s.gop {
		p.Release()
	}
	clear(s.gop)
	s.gop = s.gop[:0]
	s.gopFrames.Store(0)
}

func swapPacket(slot **Packet, p *Packet) {
	if *slot != nil {
		(*slot).Release()
	}
	p.Retain()
	*slot = p
}

// flush hands the batch to every loop that has consumers, one task per loop.
func (s *Source) flush() {
	s.mu.Lock()
	for _, g := range s.groups {
		if g != nil && len(s.batch) > 0 && g.push(s.batch) {
			s.sched = append(s.sched, g)
		}
	}
	s.mu.Unlock()
	for _, p := range s.batch {
		p.Release()
	}
	clear(s.batch)
	s.batch = s.batch[:0]
	for _, g := range s.sched {
		if err := g.loop.exec.Execute(context.Background(), g); err != nil {
			// The engine is shutting down; nothing will deliver.
			continue
		}
	}
	clear(s.sched)
	s.sched = s.sched[:0]
}

// Unpublish ends the current publish: notify (RTMP bytes of the status
// message, may be nil) reaches every RTMP player, who keeps its connection;
// caches are cleared. It runs on the publisher's loop.
func (s *Source) Unpublish(l *Loop, notify []byte) {
	s.mu.Lock()
	if !s.publishing {
		s.mu.Unlock()
		return
	}
	s.publishing = false
	if s.metadata != nil {
		s.metadata.Release()
		s.metadata = nil
	}
	for _, p := range []**Packet{&s.videoSH, &s.audioSH} {
		if *p != nil {
			(*p).Release()
			*p = nil
		}
	}
	s.clearGOP()
	for _, o := range s.outputs {
		o.Unpublish()
	}
	if len(notify) > 0 {
		p := NewPacket()
		p.Kind = KindEvent
		p.RTMP = buffer.Get()
		p.RTMP.B = append(p.RTMP.B, notify...)
		s.seq++
		p.Seq = s.seq
		s.batch = append(s.batch, p)
	}
	s.Stats.Since.Store(0)
	s.mu.Unlock()
	s.flush()
	l.removeSource(s)
	s.pubLoop = nil
	s.reg.maybeRemove(s)
}

// AddOutput attaches an output that sees every following packet.
func (s *Source) AddOutput(o Output) {
	s.mu.Lock()
	s.outputs = append(s.outputs, o)
	s.mu.Unlock()
}

// RemoveOutput detaches an output.
func (s *Source) RemoveOutput(o Output) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.outputs {
		if x == o {
			s.outputs = append(s.outputs[:i], s.outputs[i+1:]...)
			return
		}
	}
}

// JoinOptions say how a consumer plays.
type JoinOptions struct {
	Form Form
}

// join attaches a consumer on loop l with the cached packets queued; the
// registry's lock is held.
func (s *Source) join(l *Loop, sink Sink, opts JoinOptions) *Consumer {
	cfg := s.cfg.Load()
	c := &Consumer{sink: sink, form: opts.Form, loop: l, src: s, queueLength: cfg.QueueLength, joined: true}
	s.mu.Lock()
	for len(s.groups) <= l.Index {
		s.groups = append(s.groups, nil)
	}
	g := s.groups[l.Index]
	if g == nil {
		g = &group{src: s, loop: l}
		s.groups[l.Index] = g
	}
	c.group = g
	c.lastSeq = s.seq
	if opts.Form == FormRemux && len(s.remuxPrefix) > 0 {
		p := NewPacket()
		p.Kind = KindRaw
		p.Remux = buffer.Get()
		p.Remux.B = append(p.Remux.B, s.remuxPrefix...)
		c.pending = append(c.pending, p)
	}
	for _, p := range [...]*Packet{s.metadata, s.videoSH, s.audioSH} {
		if p != nil && opts.Form != FormRemux {
			p.Retain()
			c.pending = append(c.pending, p)
		}
	}
	for _, p := range s.gop {
		p.Retain()
		c.pending = append(c.pending, p)
	}
	// Without a cached GOP, start at the next keyframe; so do TS players,
	// whose GOP may predate the muxer. Audio-only forms never wait.
	c.waitKey = (len(s.gop) == 0 || opts.Form == FormRemux) && s.hasVideo.Load() && !audioOnly(s.cfg.Load().Remux, opts.Form)
	s.mu.Unlock()
	s.consumers.Add(1)
	s.byForm[opts.Form].Add(1)
	g.consumers = append(g.consumers, c)
	return c
}

func audioOnly(r Remux, f Form) bool { return f == FormRemux && (r == RemuxAAC || r == RemuxMP3) }

// leave detaches c (on its loop).
func (s *Source) leave(c *Consumer) {
	g := c.group
	g.remove(c)
	s.consumers.Add(-1)
	s.byForm[c.form].Add(-1)
	if len(g.consumers) == 0 {
		s.mu.Lock()
		if s.groups[g.loop.Index] == g {
			s.groups[g.loop.Index] = nil
		}
		s.mu.Unlock()
	}
	s.reg.maybeRemove(s)
}
