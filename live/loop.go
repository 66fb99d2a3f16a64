package live

import (
	"context"
	"time"
)

// Runnable is work run on an event loop; it has the method set of gnet.Runnable.
type Runnable interface {
	Run(ctx context.Context) error
}

// Executor runs work on one event loop (gnet.EventLoop's Execute, or inline in
// tests and benchmarks).
type Executor interface {
	Execute(ctx context.Context, r Runnable) error
}

// maxIovecs is the most slices one writev takes (Linux IOV_MAX).
const maxIovecs = 1024

// Loop is the live core's view of one event loop: the consumers it owns that
// still have bytes to send, the sources published from it, and scratch space
// for building writes. All its fields are used on that loop only.
type Loop struct {
	Index int
	exec  Executor

	now        time.Time   // refreshed at each Run and tick
	iov        [][]byte    // scratch: slices of one consumer's write
	ents       []*Packet   // scratch: the packet each iov slice belongs to
	waiting    []*Consumer // consumers with unsent bytes, retried at each tick
	spare      []*Consumer
	publishers []*Publisher // publishers on this loop

	// Delivered counts, for each player a batch is written to in full,
	// the time from the oldest message of the batch being read off the
	// publisher's socket to the player's writev returning. Queued counts,
	// once per batch, the part of it spent before the loop took the
	// batch up; the rest is the writes to the players before this one.
	// Both may be read from any goroutine. Delivered samples one write in
	// delayEvery (a clock read costs 2-4 % of a writev), a rotating choice
	// so every position in a batch is seen.
	Delivered, Queued  DelayHist
	delayEvery, delayN int
}

// NewLoop returns the live core's state for an event loop.
func NewLoop(index int, exec Executor) *Loop {
	return &Loop{
		Index: index,
		exec:  exec,
		now:   time.Now(),
		iov:   make([][]byte, 0, 256),
		ents:  make([]*Packet, 0, 256),

		delayEvery: delaySampling,
	}
}

// delaySampling is how many player writes Delivered counts one of.
const delaySampling = 8

// sampleDelay reports whether to count this write's delivery delay.
func (l *Loop) sampleDelay() bool {
	l.delayN++
	if l.delayN < l.delayEvery {
		return false
	}
	l.delayN = 0
	return true
}

// Now is the loop's cached clock.
func (l *Loop) Now() time.Time { return l.now }

// Tick runs periodic work on the loop (call it on the loop, every 50-100 ms):
// it flushes batches that waited past their latency and retries consumers
// whose sockets were full.
func (l *Loop) Tick() {
	l.now = time.Now()
	for _, p := range l.publishers {
		p.flushIfDue(l.now)
	}
	if len(l.waiting) == 0 {
		return
	}
	w := l.waiting
	l.waiting = l.spare[:0]
	for _, c := range w {
		c.waitingRetry = false
		c.deliver(nil)
	}
	clear(w)
	l.spare = w[:0]
}

func (l *Loop) addPublisher(p *Publisher) { l.publishers = append(l.publishers, p) }

func (l *Loop) removePublisher(p *Publisher) {
	for i, x := range l.publishers {
		if x == p {
			l.publishers = append(l.publishers[:i], l.publishers[i+1:]...)
			return
		}
	}
}

func (l *Loop) addWaiting(c *Consumer) {
	if !c.waitingRetry {
		c.waitingRetry = true
		l.waiting = append(l.waiting, c)
	}
}

func (l *Loop) removeWaiting(c *Consumer) {
	if !c.waitingRetry {
		return
	}
	c.waitingRetry = false
	for i, x := range l.waiting {
		if x == c {
			l.waiting = append(l.waiting[:i], l.waiting[i+1:]...)
			return
		}
	}
}

// Touch refreshes the loop's clock (called as events arrive).
func (l *Loop) Touch() { l.now = time.Now() }

// PendingBytes is what the loop's consumers still have to send (on the loop).
func (l *Loop) PendingBytes() int {
	n := 0
	for _, c := range l.waiting {
		_, b := c.Pending()
		n += b
	}
	return n
}
