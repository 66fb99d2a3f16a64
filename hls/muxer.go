package hls

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cascade-live/cascade/live"
)

// queueLength is how many packets a Muxer holds for its goroutine: about
// 15 s of a typical stream (25 video and 43 audio frames a second), enough
// to ride out a slow disk without blocking the publisher.
const queueLength = 1024

// Muxer writes one stream as HLS. It implements live.Output: WritePacket
// and Unpublish never block; the work happens on the Muxer's goroutine.
// After Unpublish, a packet starts a new publish (with a discontinuity), so
// a Muxer may stay attached to its source across publishes.
type Muxer struct {
	cfg    Config
	id     StreamID
	store  *Store
	state  *streamState
	names  names
	events Events

	queue chan item
	quit  chan struct{}
	done  chan struct{}

	// Publisher side, under mu: the queue is never written after close.
	mu               sync.Mutex
	closed           bool
	unpublishPending bool            // an Unpublish found the queue full
	skipVideo        bool            // a video packet was dropped: wait for a keyframe
	pendingSH        [2]*live.Packet // sequence headers the queue had no room for (audio, video)

	stats Stats
	sess  session // the goroutine's
}

// item is one unit of work for the goroutine: a packet or an unpublish.
type item struct {
	p         *live.Packet
	unpublish bool
}

// Stats are a Muxer's counters, safe to read from any goroutine.
type Stats struct {
	Segments        atomic.Uint64 // segments written
	DroppedFrames   atomic.Uint64 // frames not muxed: queue full, before a keyframe, undecodable
	DroppedSegments atomic.Uint64 // segments discarded: too short, too long, or not written
	Errors          atomic.Uint64 // failures reported to ErrorEvents
}

// NewMuxer returns a running Muxer for the stream id, writing under
// cfg.Path and publishing its files in store. events may be nil.
func NewMuxer(cfg Config, id StreamID, store *Store, events Events) (*Muxer, error) {
	if store == nil {
		return nil, ErrNoStore
	}
	if !cfg.Enabled {
		return nil, fmt.Errorf("%w for %s", ErrDisabled, id)
	}
	if err := id.check(); err != nil {
		return nil, err
	}
	if cfg.FragmentsPerKey < 1 {
		cfg.FragmentsPerKey = 1
	}
	m := &Muxer{
		cfg:    cfg,
		id:     id,
		store:  store,
		state:  store.stream(id),
		names:  newNames(&cfg, id),
		events: events,
		queue:  make(chan item, queueLength),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	m.sess.m = m
	m.sess.start() // a Muxer is made for a publish: a pending dispose is off
	store.addRoot(cfg.Path)
	if cfg.Keys {
		store.addRoot(cfg.KeyFilePath)
	}
	go m.run()
	return m, nil
}

// Stats returns the Muxer's counters.
func (m *Muxer) Stats() *Stats { return &m.stats }

// WritePacket queues an audio or video packet (others are ignored). It is
// called on the publisher's loop and does not block: when the queue is
// full the packet is dropped, and video waits for the next keyframe.
func (m *Muxer) WritePacket(p *live.Packet) {
	if p.Kind != live.KindAudio && p.Kind != live.KindVideo {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	if !m.flushPendingLocked() {
		m.dropLocked(p)
		return
	}
	if p.Kind == live.KindVideo && m.skipVideo && !p.SeqHeader {
		if !p.Keyframe {
			m.stats.DroppedFrames.Add(1)
			return
		}
		m.skipVideo = false
	}
	p.Retain()
	if !m.send(item{p: p}) {
		p.Release()
		m.dropLocked(p)
	}
}

// dropLocked counts a packet the queue had no room for. A sequence header
// is kept aside and queued first when room comes back; a video frame makes
// video wait for the next keyframe.
func (m *Muxer) dropLocked(p *live.Packet) {
	if p.SeqHeader {
		slot := &m.pendingSH[0]
		if p.Kind == live.KindVideo {
			slot = &m.pendingSH[1]
		}
		if *slot != nil {
			(*slot).Release()
		}
		p.Retain()
		*slot = p
		return
	}
	m.stats.DroppedFrames.Add(1)
	if p.Kind == live.KindVideo {
		m.skipVideo = true
	}
}

// flushPendingLocked queues what an earlier full queue held back, in
// order; it reports whether all of it went in.
func (m *Muxer) flushPendingLocked() bool {
	for i, p := range m.pendingSH {
		if p == nil {
			continue
		}
		if !m.send(item{p: p}) {
			return false
		}
		m.pendingSH[i] = nil
	}
	if m.unpublishPending {
		if !m.send(item{unpublish: true}) {
			return false
		}
		m.unpublishPending = false
	}
	return true
}

func (m *Muxer) send(it item) bool {
	select {
	case m.queue <- it:
		return true
	default:
		return false
	}
}

// Unpublish queues the end of the publish: the last segment is written,
// and hls_dispose starts counting. It does not block.
func (m *Muxer) Unpublish() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	if !m.flushPendingLocked() || !m.send(item{unpublish: true}) {
		m.unpublishPending = true
	}
}

// Close stops the Muxer: what is queued is written, a publish still going
// is ended as by Unpublish, and Close returns when the goroutine has
// exited. Later packets are ignored. It must not be called from Events.
func (m *Muxer) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		<-m.done
		return nil
	}
	m.closed = true
	close(m.quit)
	m.mu.Unlock()
	<-m.done
	return nil
}

// run is the Muxer's goroutine.
func (m *Muxer) run() {
	defer close(m.done)
	for {
		select {
		case it := <-m.queue:
			m.handle(it)
		case <-m.quit:
			m.drain()
			return
		}
	}
}

// drain handles what is left once closed: the queue, what was held back,
// and the end of a publish still going.
func (m *Muxer) drain() {
	for {
		select {
		case it := <-m.queue:
			m.handle(it)
			continue
		default:
		}
		break
	}
	m.handleHeld()
	if m.sess.started {
		m.sess.end()
	}
}

func (m *Muxer) handle(it item) {
	if it.unpublish {
		m.sess.end()
	} else {
		m.sess.packet(it.p)
		it.p.Release()
	}
	if len(m.queue) == 0 {
		m.handleHeld()
	}
}

// handleHeld handles what WritePacket and Unpublish held back for lack of
// room, once the queue is empty: it is older than anything queued later.
func (m *Muxer) handleHeld() {
	m.mu.Lock()
	if len(m.queue) > 0 {
		m.mu.Unlock()
		return
	}
	held := m.pendingSH
	m.pendingSH = [2]*live.Packet{}
	unpublish := m.unpublishPending
	m.unpublishPending = false
	m.mu.Unlock()
	for _, p := range held {
		if p != nil {
			m.sess.packet(p)
			p.Release()
		}
	}
	if unpublish {
		m.sess.end()
	}
}
