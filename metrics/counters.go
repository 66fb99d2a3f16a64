package metrics

import (
	"sync"
	"sync/atomic"
)

// Counters are counters keyed by one label's value (an event's action, a
// caster's kind), safe for concurrent use. The zero value is ready.
type Counters struct{ m sync.Map } // label value → *atomic.Uint64

// Add adds n to the counter of label, creating it (at n, so Add(label, 0)
// makes a series that reads 0).
func (c *Counters) Add(label string, n uint64) {
	v, ok := c.m.Load(label)
	if !ok {
		v, _ = c.m.LoadOrStore(label, new(atomic.Uint64))
	}
	v.(*atomic.Uint64).Add(n)
}

// Snapshot returns every counter's value by label.
func (c *Counters) Snapshot() map[string]uint64 {
	out := make(map[string]uint64)
	c.m.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Uint64).Load()
		return true
	})
	return out
}
