package bench

import (
	"sync/atomic"
	"time"
)

// latencyStep and latencyBuckets bound the delivery-latency histogram:
// 50 µs steps up to 2 s, the rest in the last bucket.
const (
	latencyStep    = 50 * time.Microsecond
	latencyBuckets = 40000
)

// latencyHist counts the delay from the publisher's send of a stamped frame
// to a player's receipt of it, for every player; safe for concurrent use.
type latencyHist struct {
	on      atomic.Bool // counting (the steady window)
	buckets [latencyBuckets]atomic.Uint64
	max     atomic.Int64
}

func (h *latencyHist) add(d time.Duration) {
	if !h.on.Load() {
		return
	}
	d = max(d, 0)
	h.buckets[min(int(d/latencyStep), latencyBuckets-1)].Add(1)
	for m := h.max.Load(); int64(d) > m && !h.max.CompareAndSwap(m, int64(d)); m = h.max.Load() {
	}
}

// DeliveryReport is the server's delivery latency: from the load tool's
// publisher sending a frame to each player receiving it, in milliseconds.
type DeliveryReport struct {
	Frames int     `json:"frames"` // frames received by all players in the window
	P50    float64 `json:"p50_ms"`
	P90    float64 `json:"p90_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
	// PublisherFrames is what the publisher sent in the run, and
	// PublisherBehind the most it fell behind real time (ms).
	Publishers       int    `json:"publishers"`
	PublishersFailed int    `json:"publishers_failed"`
	PublisherFrames  uint64 `json:"publisher_frames"`
	PublisherBehind  int64  `json:"publisher_behind_ms"`
	PublisherError   string `json:"publisher_error,omitempty"`
}

func (h *latencyHist) report() DeliveryReport {
	var total uint64
	counts := make([]uint64, latencyBuckets)
	for i := range h.buckets {
		counts[i] = h.buckets[i].Load()
		total += counts[i]
	}
	rep := DeliveryReport{Frames: int(total), Max: float64(h.max.Load()) / float64(time.Millisecond)}
	if total == 0 {
		return rep
	}
	at := func(p float64) float64 {
		want := uint64(p * float64(total))
		var n uint64
		for i, c := range counts {
			if n += c; n > want {
				return float64(time.Duration(i+1)*latencyStep) / float64(time.Millisecond)
			}
		}
		return rep.Max
	}
	rep.P50, rep.P90, rep.P99 = at(0.5), at(0.9), at(0.99)
	return rep
}
