package api

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestKbpsMeter(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	type sample struct {
		after      time.Duration
		recv, sent uint64
	}
	// every5s returns n samples 5 s apart, the counters growing by the
	// given bytes per interval.
	every5s := func(n int, recvStep, sentStep uint64) []sample {
		var s []sample
		for i := range n {
			s = append(s, sample{time.Duration(i) * 5 * time.Second, uint64(i) * recvStep, uint64(i) * sentStep})
		}
		return s
	}
	tests := []struct {
		name    string
		samples []sample
		want    Kbps
	}{
		{"no samples", nil, Kbps{}},
		{"one sample", every5s(1, 1000, 1000), Kbps{}},
		// 62500 bytes per 5 s is 100 kbit/s; 250000 is 400 kbit/s.
		{"two samples", every5s(2, 62500, 250000), Kbps{Recv30s: 100, Send30s: 400}},
		{"full window", every5s(7, 62500, 250000), Kbps{Recv30s: 100, Send30s: 400}},
		{"ring wraps", every5s(20, 62500, 250000), Kbps{Recv30s: 100, Send30s: 400}},
		// Truncated like SRS: 1000 bytes over 5 s is 1.6 kbit/s.
		{"truncates", every5s(2, 1000, 0), Kbps{Recv30s: 1}},
		{
			// A burst 40 s ago has left the 30 s window: only the last six
			// intervals (30 s, 75000 bytes) count.
			"old burst leaves the window",
			[]sample{
				{0, 0, 0}, {5 * time.Second, 10_000_000, 0},
				{10 * time.Second, 10_012_500, 0}, {15 * time.Second, 10_025_000, 0},
				{20 * time.Second, 10_037_500, 0}, {25 * time.Second, 10_050_000, 0},
				{30 * time.Second, 10_062_500, 0}, {35 * time.Second, 10_075_000, 0},
			},
			Kbps{Recv30s: 20},
		},
		{
			// The counters restarted (a republish): the window starts over.
			"counter restart",
			[]sample{{0, 5_000_000, 5_000_000}, {5 * time.Second, 5_062_500, 5_062_500}, {10 * time.Second, 0, 0}, {15 * time.Second, 125_000, 62_500}},
			Kbps{Recv30s: 200, Send30s: 100},
		},
		{"same instant", []sample{{0, 0, 0}, {0, 1000, 1000}}, Kbps{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m KbpsMeter
			for _, s := range tt.samples {
				m.Sample(t0.Add(s.after), s.recv, s.sent)
			}
			assert.Equal(t, tt.want, m.Kbps())
		})
	}
}

func TestKbpsMeterConcurrent(t *testing.T) {
	var m KbpsMeter
	t0 := time.Unix(0, 0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				if g == 0 {
					m.Sample(t0.Add(time.Duration(i)*5*time.Second), uint64(i)*62500, 0)
				} else {
					_ = m.Kbps()
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, Kbps{Recv30s: 100}, m.Kbps())
}
