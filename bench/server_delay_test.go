package bench

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/live"
)

// exposition writes a histogram as Prometheus's text format does:
// cumulative buckets at the server's bounds.
func exposition(name string, counts []uint64, sum float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# TYPE %s histogram\n", name)
	var n uint64
	for i, c := range counts {
		n += c
		le := "+Inf"
		if i < len(live.DelayBounds) {
			le = strconv.FormatFloat(live.DelayBounds[i].Seconds(), 'g', -1, 64)
		}
		fmt.Fprintf(&b, "%s_bucket{le=%q} %d\n", name, le, n)
	}
	fmt.Fprintf(&b, "%s_sum %g\n%s_count %d\n", name, sum, name, n)
	return b.String()
}

func TestParseDelays(t *testing.T) {
	counts := make([]uint64, len(live.DelayBounds)+1)
	counts[0], counts[8], counts[len(counts)-1] = 50, 49, 1 // ≤100µs, ≤5ms, +Inf
	queued := make([]uint64, len(live.DelayBounds)+1)
	queued[3] = 7
	text := "srs_streams 1\n" + exposition(metricDeliveryDelay, counts, 0.25) + exposition(metricDeliveryQueued, queued, 0.001)
	var d serverDelays
	require.NoError(t, parseDelays(strings.NewReader(text), &d))
	assert.Equal(t, counts, d.delay.Counts[:])
	assert.Equal(t, 250*time.Millisecond, d.delay.Sum)
	assert.Equal(t, uint64(7), d.queued.Count())

	rep := serverDelayReport(serverDelays{}, d)
	assert.Equal(t, uint64(100), rep.Writes)
	assert.InDelta(t, 0.1, rep.P50, 0.001, "half are at most 100 µs")
	assert.InDelta(t, 5, rep.P99, 0.001, "the 99th is the last of the ≤5 ms bucket")
	assert.InDelta(t, 2.5, rep.Mean, 0.001)
	assert.Equal(t, uint64(7), rep.Batches)

	err := parseDelays(strings.NewReader(metricDeliveryDelay+"_bucket{le=\"0.0042\"} 3\n"), &d)
	assert.ErrorIs(t, err, ErrProtocol, "a bound the bench does not know")
}
