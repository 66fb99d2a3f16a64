package events

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/hooks"
)

func publishEvent(stream string, seq int) Event {
	return Event{Time: time.Now(), Vhost: "v", Payload: hooks.OnHLS{Conn: hooks.Conn{App: "live"}, Stream: stream, SeqNo: seq}}
}

// TestOrderPerStream: events of each stream, published by one goroutine
// per stream, reach every sink in order, while several streams publish at
// once.
func TestOrderPerStream(t *testing.T) {
	var b Bus
	const streams, each = 8, 500
	type got struct {
		mu   sync.Mutex
		seqs map[string][]int
	}
	sinks := []*got{{seqs: map[string][]int{}}, {seqs: map[string][]int{}}}
	var wg sync.WaitGroup
	wg.Add(len(sinks) * streams * each)
	for i, g := range sinks {
		defer b.Subscribe(fmt.Sprint("sink", i), streams*each, func(e Event) {
			p := e.Payload.(hooks.OnHLS)
			g.mu.Lock()
			g.seqs[p.Stream] = append(g.seqs[p.Stream], p.SeqNo)
			g.mu.Unlock()
			wg.Done()
		})()
	}
	var pubs sync.WaitGroup
	for s := range streams {
		pubs.Add(1)
		go func() {
			defer pubs.Done()
			for i := range each {
				b.Publish(publishEvent(fmt.Sprint("s", s), i))
			}
		}()
	}
	pubs.Wait()
	wg.Wait()
	for _, g := range sinks {
		require.Len(t, g.seqs, streams)
		for name, seqs := range g.seqs {
			require.Len(t, seqs, each, name)
			for i, n := range seqs {
				require.Equal(t, i, n, "stream %s out of order", name)
			}
		}
	}
	for _, st := range b.Stats() {
		assert.EqualValues(t, streams*each, st.Delivered)
		assert.Zero(t, st.Dropped)
	}
}

// TestBlockedSink: a sink that never returns does not block Publish, loses
// what overflows its queue and counts it, and the other sinks get all.
func TestBlockedSink(t *testing.T) {
	var b Bus
	block := make(chan struct{})
	defer close(block)
	entered := make(chan struct{}, 1)
	b.Subscribe("stuck", 10, func(Event) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-block
	})
	var n sync.WaitGroup
	const total = 10_000
	n.Add(total)
	b.Subscribe("fine", total, func(Event) { n.Done() })

	b.Publish(publishEvent("s", -1))
	<-entered // the stuck sink holds one event
	start := time.Now()
	for i := range total - 1 {
		b.Publish(publishEvent("s", i))
	}
	assert.Less(t, time.Since(start), time.Second, "Publish never waits for a sink")
	n.Wait()

	stats := b.Stats()
	require.Len(t, stats, 2)
	assert.Equal(t, "stuck", stats[0].Name)
	assert.EqualValues(t, 1, stats[0].Delivered)
	assert.Equal(t, 10, stats[0].Queued)
	assert.EqualValues(t, total-1-10, stats[0].Dropped, "every event past the queue is counted")
	assert.EqualValues(t, total, stats[1].Delivered)
	assert.Zero(t, stats[1].Dropped)
}

// TestPublishNeverBlocks: with a sink that blocks forever and a queue of
// one, publishing from many goroutines at once returns at once.
func TestPublishNeverBlocks(t *testing.T) {
	var b Bus
	forever := make(chan struct{})
	defer close(forever)
	b.Subscribe("forever", 1, func(Event) { <-forever })
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10_000 {
					b.Publish(publishEvent("s", 0))
				}
			}()
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a sink")
	}
	st := b.Stats()[0]
	assert.EqualValues(t, 80_000, st.Delivered+st.Dropped+uint64(st.Queued))
}

func TestCancelDeliversQueued(t *testing.T) {
	var b Bus
	release := make(chan struct{})
	var got []int
	cancel := b.Subscribe("s", 100, func(e Event) {
		<-release
		got = append(got, e.Payload.(hooks.OnHLS).SeqNo)
	})
	for i := range 5 {
		b.Publish(publishEvent("s", i))
	}
	close(release)
	cancel()
	assert.Equal(t, []int{0, 1, 2, 3, 4}, got, "queued events are delivered before cancel returns")
	b.Publish(publishEvent("s", 5))
	assert.Empty(t, b.Stats())
	cancel() // idempotent
}

func TestClose(t *testing.T) {
	var b Bus
	var mu sync.Mutex
	n := 0
	b.Subscribe("s", 100, func(Event) { mu.Lock(); n++; mu.Unlock() })
	stuck := make(chan struct{})
	defer close(stuck)
	b.Subscribe("stuck", 100, func(Event) { <-stuck })
	for range 3 {
		b.Publish(publishEvent("s", 0))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, b.Close(ctx), context.DeadlineExceeded, "a stuck sink bounds Close by ctx")
	mu.Lock()
	assert.Equal(t, 3, n)
	mu.Unlock()
	b.Publish(publishEvent("s", 0))
	cancelLate := b.Subscribe("late", 1, func(Event) { t.Error("a closed bus delivers nothing") })
	b.Publish(publishEvent("s", 0))
	cancelLate()
}

func TestAction(t *testing.T) {
	assert.Equal(t, "on_publish", Event{Payload: hooks.OnPublish{}}.Action())
	assert.Equal(t, "", Event{}.Action())
}

// BenchmarkPublish: one event to two sinks that keep up.
func BenchmarkPublish(b *testing.B) {
	var bus Bus
	for _, name := range []string{"a", "b"} {
		defer bus.Subscribe(name, 1<<16, func(Event) {})()
	}
	e := publishEvent("s", 1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		bus.Publish(e)
	}
}

func TestSinkPanic(t *testing.T) {
	var b Bus
	var got []int
	cancel := b.Subscribe("s", 10, func(e Event) {
		seq := e.Payload.(hooks.OnHLS).SeqNo
		if seq == 1 {
			panic("a bug in a sink")
		}
		got = append(got, seq)
	})
	for i := range 3 {
		b.Publish(publishEvent("s", i))
	}
	require.Eventually(t, func() bool { return b.Stats()[0].Delivered == 3 }, 5*time.Second, time.Millisecond)
	assert.EqualValues(t, 1, b.Stats()[0].Panicked)
	cancel()
	assert.Equal(t, []int{0, 2}, got, "the sink goes on after a panic")
}
