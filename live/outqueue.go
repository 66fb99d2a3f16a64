package live

import (
	"sync"
	"sync/atomic"
)

// OutputQueueLimit bounds the media packets waiting for an output's
// goroutine: about half a minute of a typical stream, enough to ride out a
// slow disk.
const OutputQueueLimit = 2048

// OutputEvent is one thing for an output's goroutine: a packet, or the
// end of a publish when P is nil. The packet is retained for the taker.
type OutputEvent struct {
	P *Packet
}

// OutputQueue hands packets from the publisher's loop to an output's own
// goroutine (DVR, HDS) without ever blocking the loop. Media is dropped
// when the output is too far behind, video then up to the next keyframe;
// sequence headers, metadata and unpublish events never are (they are rare
// and a file cannot do without them).
type OutputQueue struct {
	mu       sync.Mutex
	events   []OutputEvent
	closed   bool
	skipping bool // a video frame was dropped: drop video up to a keyframe
	ready    chan struct{}
	dropped  atomic.Uint64
}

// NewOutputQueue returns an empty queue.
func NewOutputQueue() *OutputQueue {
	return &OutputQueue{ready: make(chan struct{}, 1)}
}

// Dropped counts the media packets dropped because the output was behind.
func (q *OutputQueue) Dropped() uint64 { return q.dropped.Load() }

// Push retains p and queues it, or counts it as dropped.
func (q *OutputQueue) Push(p *Packet) {
	media := (p.Kind == KindAudio || p.Kind == KindVideo) && !p.SeqHeader
	if !media && p.Kind != KindData && !p.SeqHeader {
		return // events and raw bytes are for players only
	}
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return
	case media && p.Kind == KindVideo && q.skipping && !p.Keyframe,
		media && len(q.events) >= OutputQueueLimit:
		if p.Kind == KindVideo {
			q.skipping = true
		}
		q.mu.Unlock()
		q.dropped.Add(1)
		return
	}
	if p.Kind == KindVideo && p.Keyframe {
		q.skipping = false
	}
	p.Retain()
	q.events = append(q.events, OutputEvent{P: p})
	q.mu.Unlock()
	q.wake()
}

// PushUnpublish queues the end of the publish.
func (q *OutputQueue) PushUnpublish() {
	q.mu.Lock()
	if !q.closed {
		q.events = append(q.events, OutputEvent{})
		q.skipping = false
	}
	q.mu.Unlock()
	q.wake()
}

// Close makes Take report the end once the queue is drained.
func (q *OutputQueue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.wake()
}

func (q *OutputQueue) wake() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Take waits for events and moves them all into buf; ok is false when the
// queue is closed and empty.
func (q *OutputQueue) Take(buf []OutputEvent) (events []OutputEvent, ok bool) {
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
