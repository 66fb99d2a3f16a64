package live

import (
	"sync/atomic"
	"time"
)

// DelayBounds are the upper bounds of the delivery delay histograms'
// buckets (the last bucket, past them, is +Inf): fine around the few
// milliseconds min_latency aims at, coarse up to mw_latency's hundreds.
var DelayBounds = [...]time.Duration{
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	1 * time.Millisecond, 1500 * time.Microsecond, 2 * time.Millisecond, 3 * time.Millisecond,
	4 * time.Millisecond, 5 * time.Millisecond, 6 * time.Millisecond, 8 * time.Millisecond,
	10 * time.Millisecond, 15 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond,
	50 * time.Millisecond, 75 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond,
	200 * time.Millisecond, 300 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond,
	750 * time.Millisecond, time.Second, 2 * time.Second,
}

// DelayHist counts delays into DelayBounds' buckets. One loop adds, any
// goroutine may read; the counters are atomic but uncontended (one
// histogram per loop), so adding costs a few nanoseconds and no allocation.
type DelayHist struct {
	counts [len(DelayBounds) + 1]atomic.Uint64
	sum    atomic.Int64 // nanoseconds
}

// Add counts d.
func (h *DelayHist) Add(d time.Duration) {
	i := 0
	for i < len(DelayBounds) && d > DelayBounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sum.Add(int64(d))
}

// Delays is a snapshot of delay histograms: Counts[i] are the delays at
// most DelayBounds[i] and above the bound before (not cumulative), the
// last entry those past every bound.
type Delays struct {
	Counts [len(DelayBounds) + 1]uint64
	Sum    time.Duration
}

// AddTo adds the histogram's counts to d.
func (h *DelayHist) AddTo(d *Delays) {
	for i := range h.counts {
		d.Counts[i] += h.counts[i].Load()
	}
	d.Sum += time.Duration(h.sum.Load())
}

// Count is the number of delays counted.
func (d *Delays) Count() uint64 {
	var n uint64
	for _, c := range d.Counts {
		n += c
	}
	return n
}

// Sub returns what d counted since the earlier snapshot e.
func (d Delays) Sub(e Delays) Delays {
	for i := range d.Counts {
		d.Counts[i] -= e.Counts[i]
	}
	d.Sum -= e.Sum
	return d
}

// Quantile estimates the q-quantile (0 < q < 1), interpolating linearly
// within the bucket it falls in, as Prometheus's histogram_quantile does;
// a quantile past the last bound is reported as that bound.
func (d *Delays) Quantile(q float64) time.Duration {
	total := d.Count()
	if total == 0 {
		return 0
	}
	rank := q * float64(total)
	var seen float64
	for i, c := range d.Counts {
		if c == 0 || seen+float64(c) < rank {
			seen += float64(c)
			continue
		}
		if i == len(DelayBounds) {
			return DelayBounds[len(DelayBounds)-1]
		}
		var lo time.Duration
		if i > 0 {
			lo = DelayBounds[i-1]
		}
		return lo + time.Duration(float64(DelayBounds[i]-lo)*(rank-seen)/float64(c))
	}
	return DelayBounds[len(DelayBounds)-1]
}
