package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRSSPerPlayer(t *testing.T) {
	for _, tc := range []struct {
		name        string
		before, end int64
		players     int
		want        float64
		warns       bool
	}{
		{"fresh server", 20 << 20, 52 << 20, 4000, float64(32<<20) / 4000, false},
		{"no growth", 40 << 20, 40 << 20, 100, 0, true},
		// The FLV run after the RTMP run on one server: the RTMP players'
		// memory was freed and reused (a run at 8000 players).
		{"shrunk after earlier players", 77008896, 61100032, 8000, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warn := rssPerPlayer(tc.before, tc.end, tc.players)
			assert.InDelta(t, tc.want, got, 1e-9)
			if tc.warns {
				assert.Contains(t, warn, "did not grow")
			} else {
				assert.Empty(t, warn)
			}
		})
	}
}

// TestServerCPUMaxSkipsShortSamples: a sample over a short interval (one
// clock tick reads as hundreds of percent) is not the window's maximum.
func TestServerCPUMaxSkipsShortSamples(t *testing.T) {
	tests := []struct {
		name    string
		samples []float64 // cpu of each sample
		cpuMax  []bool    // whether each is long enough to count
		want    float64
	}{
		{"all long", []float64{40, 60, 55}, []bool{true, true, true}, 60},
		{"short spike ignored", []float64{40, 391, 55}, []bool{true, false, true}, 55},
		{"only short", []float64{391}, []bool{false}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := window{opened: true}
			for i, cpu := range tt.samples {
				w.observeServer(ProcSample{RSS: 1}, cpu, tt.cpuMax[i])
			}
			if w.srvMaxCPU != tt.want {
				t.Errorf("max CPU %.1f, want %.1f", w.srvMaxCPU, tt.want)
			}
		})
	}
}
