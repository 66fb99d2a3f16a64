package live

import (
	"context"
	"sync"
	"time"
)

// group is a source's consumers on one event loop. The publisher's loop hands
// it batches of packets (one task per loop per batch, not one per consumer);
// the task writes each consumer's share on the group's own loop.
type group struct {
	src       *Source
	loop      *Loop
	consumers []*Consumer // owned by loop

	mu        sync.Mutex
	inbox     []*Packet // batches waiting for the loop, one reference each
	spare     []*Packet
	scheduled bool
}

// push adds a batch (taking a reference to each packet) and reports whether
// the group must be scheduled on its loop.
func (g *group) push(batch []*Packet) bool {
	for _, p := range batch {
		p.Retain()
	}
	g.mu.Lock()
	g.inbox = append(g.inbox, batch...)
	sched := !g.scheduled
	g.scheduled = true
	g.mu.Unlock()
	return sched
}

// Run delivers the waiting batches on the group's loop.
func (g *group) Run(context.Context) error {
	g.mu.Lock()
	work := g.inbox
	g.inbox, g.spare = g.spare, nil
	g.scheduled = false
	g.mu.Unlock()

	l := g.loop
	l.now = time.Now()
	arrived := oldestArrival(work)
	if !arrived.IsZero() {
		l.Queued.Add(l.now.Sub(arrived))
		l.delayN = (l.delayN + 1) % l.delayEvery // a batch's samples shift by one player
	}
	// Backwards, so a consumer that closes (swap-removed) during delivery
	// does not make us skip another; one seen twice skips by sequence.
	for i := len(g.consumers) - 1; i >= 0; i-- {
		if i < len(g.consumers) && g.consumers[i].deliver(work) && !arrived.IsZero() && l.sampleDelay() {
			l.Delivered.Add(time.Since(arrived))
		}
	}
	for _, p := range work {
		p.Release()
	}
	clear(work)
	g.mu.Lock()
	g.spare = work[:0]
	g.mu.Unlock()
	return nil
}

// oldestArrival is when the first of the batch's messages from the
// publisher was read, or zero when it has none.
func oldestArrival(work []*Packet) time.Time {
	for _, p := range work {
		if !p.Arrived.IsZero() {
			return p.Arrived
		}
	}
	return time.Time{}
}

func (g *group) remove(c *Consumer) {
	for i, x := range g.consumers {
		if x == c {
			last := len(g.consumers) - 1
			g.consumers[i] = g.consumers[last]
			g.consumers[last] = nil
			g.consumers = g.consumers[:last]
			return
		}
	}
}
