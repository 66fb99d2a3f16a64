// Package events is the server's event bus: what happens to clients and
// streams (connect, close, publish, unpublish, play, stop, dvr, hls), each
// event carrying SRS's callback fields, delivered to sinks such as the HTTP
// callbacks, the metrics or a Kafka producer.
//
// Publish never blocks: every sink has a bounded queue and a goroutine of
// its own, and an event that finds a sink's queue full is dropped for that
// sink and counted. A sink sees events in the order they were published,
// so the events of one stream, published from its event loop, arrive in
// order.
package events

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/hooks"
)

// Event is one thing that happened. Payload is the body SRS's callback for
// it would post (hooks.OnPublish, ...), without the server and service ids
// a hooks.Client adds.
type Event struct {
	Time    time.Time
	Vhost   string // the vhost as resolved, the vhost block the event belongs to
	Payload hooks.Payload
}

// Action is the event's callback name: "on_connect", "on_close",
// "on_publish", "on_unpublish", "on_play", "on_stop", "on_dvr" or "on_hls".
func (e Event) Action() string {
	if e.Payload == nil {
		return ""
	}
	return e.Payload.Action()
}

// DefaultQueue is the queue length Subscribe uses for a queue of 0 or less.
const DefaultQueue = 4096

// A Bus delivers published events to its sinks. The zero value is ready to
// use. Its methods may be called from several goroutines.
type Bus struct {
	mu     sync.Mutex
	sinks  atomic.Pointer[[]*sink] // copied on change, read by Publish without the lock
	closed bool
}

// sink is one subscriber: its queue, its goroutine and its counters.
type sink struct {
	name      string
	fn        func(Event)
	queue     chan Event
	quit      chan struct{}
	done      chan struct{}
	delivered atomic.Uint64
	dropped   atomic.Uint64
	panicked  atomic.Uint64
}

// SinkStats are a sink's counters.
type SinkStats struct {
	Name      string
	Queued    int    // events waiting now
	Delivered uint64 // events handed to the sink's function
	Dropped   uint64 // events lost because the queue was full
	Panicked  uint64 // events whose delivery panicked (the sink goes on)
}

// Subscribe adds a sink named name (for stats and metrics) that gets every
// event published from now on, one at a time, on a goroutine of its own,
// through a queue of at most queue events (DefaultQueue when 0 or less).
// fn may block; while it does, events queue and, once the queue is full,
// are dropped and counted. cancel removes the sink: events already queued
// are delivered first, and cancel returns when fn has returned for the last
// time.
func (b *Bus) Subscribe(name string, queue int, fn func(Event)) (cancel func()) {
	if queue <= 0 {
		queue = DefaultQueue
	}
	s := &sink{name: name, fn: fn, queue: make(chan Event, queue), quit: make(chan struct{}), done: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		close(s.done)
		return func() {}
	}
	b.setSinks(append(b.list(), s))
	b.mu.Unlock()
	go s.run()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.remove(s)
			close(s.quit)
		})
		<-s.done
	}
}

// Publish hands e to every sink without waiting. A sink whose queue is full
// loses e, and counts it.
func (b *Bus) Publish(e Event) {
	p := b.sinks.Load()
	if p == nil {
		return
	}
	for _, s := range *p {
		select {
		case s.queue <- e:
		default:
			s.dropped.Add(1)
		}
	}
}

// Stats returns the counters of the sinks subscribed now, in the order they
// subscribed.
func (b *Bus) Stats() []SinkStats {
	p := b.sinks.Load()
	if p == nil {
		return nil
	}
	out := make([]SinkStats, len(*p))
	for i, s := range *p {
		out[i] = SinkStats{Name: s.name, Queued: len(s.queue), Delivered: s.delivered.Load(), Dropped: s.dropped.Load(),
			Panicked: s.panicked.Load()}
	}
	return out
}

// Close removes every sink, later events are dropped, and waits until the
// sinks have handled what was queued or ctx ends. It returns ctx's error if
// some sink was still busy.
func (b *Bus) Close(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	list := b.list()
	b.setSinks(nil)
	b.mu.Unlock()
	for _, s := range list {
		select {
		case <-s.quit:
		default:
			close(s.quit)
		}
	}
	for _, s := range list {
		select {
		case <-s.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (b *Bus) list() []*sink {
	if p := b.sinks.Load(); p != nil {
		return *p
	}
	return nil
}

// setSinks stores a fresh copy of list; b.mu is held.
func (b *Bus) setSinks(list []*sink) {
	cp := append([]*sink(nil), list...)
	b.sinks.Store(&cp)
}

func (b *Bus) remove(s *sink) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var kept []*sink
	for _, x := range b.list() {
		if x != s {
			kept = append(kept, x)
		}
	}
	b.setSinks(kept)
}

// run delivers the queue to fn until quit, then what is left in the queue.
func (s *sink) run() {
	defer close(s.done)
	for {
		select {
		case e := <-s.queue:
			s.deliver(e)
		case <-s.quit:
			for {
				select {
				case e := <-s.queue:
					s.deliver(e)
				default:
					return
				}
			}
		}
	}
}

// deliver hands e to the sink; a panic in it is counted, and the sink goes
// on with the next event.
func (s *sink) deliver(e Event) {
	defer func() {
		if recover() != nil {
			s.panicked.Add(1)
		}
	}()
	s.delivered.Add(1)
	s.fn(e)
}
