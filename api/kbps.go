package api

import (
	"sync"
	"time"
)

// kbpsSamples is how many samples a KbpsMeter keeps: sampled every 5
// seconds, 6 intervals span SRS's 30-second window.
const kbpsSamples = 7

// KbpsMeter turns a pair of byte counters (received, sent) into SRS's
// 30-second average bitrates. The server calls Sample every 5 seconds with
// the counters' running totals, for each stream, client and vhost; Kbps
// then averages over the oldest and newest of the last 7 samples.
//
// The zero value is ready to use; a KbpsMeter is safe for concurrent use
// and costs one short lock per call.
type KbpsMeter struct {
	mu      sync.Mutex
	samples [kbpsSamples]kbpsSample // ring buffer
	next    int                     // where the next sample goes
	n       int                     // samples held, up to kbpsSamples
}

// kbpsSample's at is monotonic time since kbpsEpoch: 8 bytes, not a
// time.Time's 24, in a meter every client keeps.
type kbpsSample struct {
	at         time.Duration
	recv, sent uint64
}

var kbpsEpoch = time.Now()

// Sample records the counters' totals at now. A total lower than the one
// before means the counters restarted, and the window starts over.
func (m *KbpsMeter) Sample(now time.Time, recvTotal, sentTotal uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n > 0 {
		last := m.samples[(m.next+kbpsSamples-1)%kbpsSamples]
		if recvTotal < last.recv || sentTotal < last.sent {
			m.n = 0
		}
	}
	m.samples[m.next] = kbpsSample{at: now.Sub(kbpsEpoch), recv: recvTotal, sent: sentTotal}
	m.next = (m.next + 1) % kbpsSamples
	m.n = min(m.n+1, kbpsSamples)
}

// Kbps returns the average bitrates, in kilobits per second truncated as
// SRS does, between the oldest and newest samples held: over 30 seconds
// once the meter is full. It is zero until two samples span some time.
func (m *KbpsMeter) Kbps() Kbps {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n < 2 {
		return Kbps{}
	}
	newest := m.samples[(m.next+kbpsSamples-1)%kbpsSamples]
	oldest := m.samples[(m.next+kbpsSamples-m.n)%kbpsSamples]
	ms := (newest.at - oldest.at).Milliseconds()
	if ms <= 0 {
		return Kbps{}
	}
	// bytes*8 bits per millisecond is kilobits per second.
	return Kbps{
		Recv30s: int64((newest.recv - oldest.recv) * 8 / uint64(ms)),
		Send30s: int64((newest.sent - oldest.sent) * 8 / uint64(ms)),
	}
}
