package live

import (
	"bytes"
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

	mu          sync.Mutex
	pub         *Publisher // the current publisher, nil when idle
	lastJitter  jitter     // the last publisher's clock, continued by the next (full mode)
	chunkSize   int        // what the shared RTMP form is chunked at, and players were told
	publisherID string
	seq         uint64
	metadata    *Packet
	videoSH     *Packet
	audioSH     *Packet
	gop         []*Packet
	audioRun    int      // audio frames since the last video frame
	groups      []*group // by loop index
	tsPrefix    []byte   // PAT and PMT of the running TS muxer, nil when none runs
	tsStart     uint64   // Seq of the packet the running TS muxer started at
	outputs     []Output

	hasAudio, hasVideo atomic.Bool
	consumers          atomic.Int32
	byForm             [numForms]atomic.Int32 // consumers per Form
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
	return s.pub != nil
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

// cache updates metadata, sequence headers and the GOP cache; s.mu is held.
func (s *Source) cache(p *Packet, cfg *Config) {
	switch {
	case p.Kind == KindData:
		swapPacket(&s.metadata, p)
		return
	case p.SeqHeader && p.Kind == KindVideo:
		// A new decoder configuration makes the cached GOP undecodable for
		// a joiner (who gets the new header first), as SRS knows.
		if changed(s.videoSH, p) {
			s.clearGOP()
		}
		swapPacket(&s.videoSH, p)
	case p.SeqHeader && p.Kind == KindAudio:
		if changed(s.audioSH, p) {
			s.clearGOP()
		}
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

// changed reports whether sequence header p differs from the cached one.
func changed(cached, p *Packet) bool {
	return cached != nil && !bytes.Equal(cached.Payload.B, p.Payload.B)
}

func swapPacket(slot **Packet, p *Packet) {
	if *slot != nil {
		(*slot).Release()
	}
	p.Retain()
	*slot = p
}

// unpublishLocked ends p's publish on the shared side: the notify for RTMP
// players joins p's batch, caches are cleared, outputs told; s.mu is held.
func (s *Source) unpublishLocked(p *Publisher) {
	pk := NewPacket()
	pk.Kind = KindEvent
	pk.RTMP = buffer.GetSize(rtmp.ChunksLen(rtmp.CSIDStream, len(unpublishNotify), s.chunkSize, 0))
	pk.RTMP.B = rtmp.AppendChunks(pk.RTMP.B[:0], rtmp.CSIDStream, rtmp.MsgAMF0Command, PlayStreamID, 0, unpublishNotify, s.chunkSize)
	s.seq++
	pk.Seq = s.seq
	p.add(pk)

	s.pub = nil
	s.lastJitter = p.jitter
	s.tsPrefix = nil // the next publisher's TS form starts anew
	for _, slot := range [...]**Packet{&s.metadata, &s.videoSH, &s.audioSH} {
		if *slot != nil {
			(*slot).Release()
			*slot = nil
		}
	}
	s.clearGOP()
	for _, o := range s.outputs {
		o.Unpublish()
	}
	s.Stats.Since.Store(0)
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
	// ChunkSize is the chunk size an RTMP player was last told; when the
	// shared form is chunked otherwise, the player is told first.
	ChunkSize int
}

// join attaches a consumer on loop l with the cached packets queued, and
// reports whether it is the source's first; the registry's lock is held.
func (s *Source) join(l *Loop, sink Sink, opts JoinOptions) (*Consumer, bool) {
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
	if s.chunkSize == 0 {
		s.chunkSize = cfg.ChunkSize
	}
	c.chunkSize = opts.ChunkSize
	// Sized once for the headers and the GOP (a 2 s GOP is ~75 packets).
	c.pending = make([]*Packet, 0, 5+len(s.gop))
	if opts.Form == FormRTMP && opts.ChunkSize != s.chunkSize {
		c.pending = append(c.pending, rawPacket(FormRTMP, rtmp.AppendSetChunkSize(nil, uint32(s.chunkSize))))
		c.chunkSize = s.chunkSize
	}
	gop := s.gop
	switch opts.Form {
	case FormTS:
		// PAT and PMT first; the cached GOP serves only if the running
		// TS muxer made all of it.
		if len(s.tsPrefix) > 0 {
			c.pending = append(c.pending, rawPacket(FormTS, s.tsPrefix))
		}
		if len(s.tsPrefix) == 0 || len(gop) > 0 && gop[0].Seq < s.tsStart {
			gop = nil
		}
	case FormRTMP, FormFLV:
		for _, p := range [...]*Packet{s.metadata, s.videoSH, s.audioSH} {
			if p != nil {
				p.Retain()
				c.pending = append(c.pending, p)
			}
		}
	}
	for _, p := range gop {
		p.Retain()
		c.pending = append(c.pending, p)
	}
	// Without a cached GOP, start at the next keyframe.
	c.waitKey = len(gop) == 0 && c.needsKeyframe()
	s.mu.Unlock()
	first := s.consumers.Add(1) == 1
	s.byForm[opts.Form].Add(1)
	g.consumers = append(g.consumers, c)
	return c, first
}

// rawPacket is a packet of bytes b in form f for one consumer only.
func rawPacket(f Form, b []byte) *Packet {
	p := NewPacket()
	p.Kind = KindRaw
	buf := buffer.Get()
	buf.B = append(buf.B, b...)
	switch f {
	case FormRTMP:
		p.RTMP = buf
	case FormFLV:
		p.FLV = buf
	case FormRemux:
		p.Remux = buf
	default:
		p.TS = buf
	}
	return p
}

// leave detaches c (on its loop).
func (s *Source) leave(c *Consumer) {
	g := c.group
	g.remove(c)
	last := s.consumers.Add(-1) == 0
	s.byForm[c.form].Add(-1)
	if len(g.consumers) == 0 {
		s.mu.Lock()
		if s.groups[g.loop.Index] == g {
			s.groups[g.loop.Index] = nil
		}
		s.mu.Unlock()
	}
	if last {
		s.reg.notify(s, LastPlayerLeft)
	}
	s.reg.maybeRemove(s)
}
