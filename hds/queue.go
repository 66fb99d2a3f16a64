package hds

import (
	"sync"
	"sync/atomic"

	"github.com/cascade-live/cascade/live"
)

// queueLimit bounds the media packets waiting for the writer: about half
// a minute of a typical stream, enough to ride out a slow disk.
const queueLimit = 2048

// event is one thing for the muxer goroutine: a packet, or the end of a
// publish when p is nil.
type event struct {
	p *live.Packet
}

// packetQueue hands events from the publisher's loop to the muxer
// goroutine without ever blocking the loop. Media is dropped when the
// muxer is too far behind; sequence headers, metadata and unpublish
// events never are (they are rare and a fragment cannot do without them).
type packetQueue struct {
	mu       sync.Mutex
	events   []event
	closed   bool
	skipping bool // a video frame was dropped: drop video up to a keyframe
	ready    chan struct{}
	dropped  atomic.Uint64
}

func newPacketQueue() *packetQueue {
	return &packetQueue{ready: make(chan struct{}, 1)}
}

// push retains p and queues it, or counts it as dropped.
func (q *packetQueue) push(p *live.Packet) {
	media := (p.Kind == live.KindAudio || p.Kind == live.KindVideo) && !p.SeqHeader
	if !media && p.Kind != live.KindData && !p.SeqHeader {
		return // events and raw bytes are for players only
	}
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return
	case media && p.Kind == live.KindVideo && q.skipping && !p.Keyframe,
		media && len(q.events) >= queueLimit:
		if p.Kind == live.KindVideo {
			q.skipping = true
		}
		q.mu.Unlock()
		q.dropped.Add(1)
		return
	}
	if p.Kind == live.KindVideo && p.Keyframe {
		q.skipping = false
	}
	p.Retain()
	q.events = append(q.events, event{p: p})
	q.mu.Unlock()
	q.wake()
}

// pushUnpublish queues the end of the publish.
func (q *packetQueue) pushUnpublish() {
	q.mu.Lock()
	if !q.closed {
		q.events = append(q.events, event{})
		q.skipping = false
	}
	q.mu.Unlock()
	q.wake()
}

// close makes take report the end once the queue is drained.
func (q *packetQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.wake()
}

func (q *packetQueue) wake() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take waits for events and moves them all into buf; ok is false when the
// queue is closed and empty.
func (q *packetQueue) take(buf []event) (events []event, ok bool) {
	for {
		q.mu.Lock()
		if len(q.events) > 0 {
			buf, q.events = q.events, buf[:0]
			q.mu.Unlock()
			return buf, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return buf[:0], false
		}
		<-q.ready
	}
}
