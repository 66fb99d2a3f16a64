package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-live/cascade/live"
)

// The server's delivery histograms, as cascade's exporter names them.
const (
	metricDeliveryDelay  = "cascade_delivery_delay_seconds"
	metricDeliveryQueued = "cascade_delivery_queued_seconds"
)

// ServerDelayReport is the delay the server measured itself over the
// steady window: from a publisher's message being read to each player's
// write of it returning (sampled), and the part of it before the player's
// loop took the message up. In milliseconds.
type ServerDelayReport struct {
	Writes   uint64  `json:"writes"` // player writes timed
	P50      float64 `json:"p50_ms"`
	P90      float64 `json:"p90_ms"`
	P99      float64 `json:"p99_ms"`
	Mean     float64 `json:"mean_ms"`
	Batches  uint64  `json:"batches"` // batches timed to the loop
	QueueP50 float64 `json:"queued_p50_ms"`
	QueueP99 float64 `json:"queued_p99_ms"`
}

// serverDelays is one scrape of the server's delivery histograms.
type serverDelays struct{ delay, queued live.Delays }

// scrapeDelays reads the delivery histograms at url (a Prometheus text
// exposition).
func scrapeDelays(ctx context.Context, url string) (serverDelays, error) {
	var d serverDelays
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return d, fmt.Errorf("bench: metrics: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return d, fmt.Errorf("bench: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("bench: metrics %s: %s", url, resp.Status)
	}
	err = parseDelays(resp.Body, &d)
	return d, err
}

// parseDelays reads the two histograms' buckets from a text exposition
// into d (cumulative buckets back into per-bucket counts). Buckets whose
// bound is not one of live.DelayBounds are an error: the server and the
// bench disagree.
func parseDelays(r io.Reader, d *serverDelays) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	cum := map[string]*[len(live.DelayBounds) + 1]uint64{
		metricDeliveryDelay: new([len(live.DelayBounds) + 1]uint64), metricDeliveryQueued: new([len(live.DelayBounds) + 1]uint64),
	}
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, "_bucket{le=\"")
		c := cum[name]
		if !ok || c == nil {
			if n, v, ok := strings.Cut(line, "_sum "); ok && cum[n] != nil {
				sum, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return fmt.Errorf("bench: metrics: %q: %w", line, err)
				}
				histOf(d, n).Sum = time.Duration(sum * float64(time.Second))
			}
			continue
		}
		le, count, ok := strings.Cut(rest, "\"} ")
		if !ok {
			return fmt.Errorf("bench: metrics: %q: %w", line, ErrProtocol)
		}
		n, err := strconv.ParseFloat(count, 64)
		if err != nil {
			return fmt.Errorf("bench: metrics: %q: %w", line, err)
		}
		i, err := boundIndex(le)
		if err != nil {
			return fmt.Errorf("bench: metrics: %q: %w", line, err)
		}
		c[i] = uint64(n)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("bench: metrics: %w", err)
	}
	for name, c := range cum {
		h := histOf(d, name)
		var below uint64
		for i, n := range c {
			h.Counts[i] = n - min(below, n)
			below = max(below, n)
		}
	}
	return nil
}

func histOf(d *serverDelays, name string) *live.Delays {
	if name == metricDeliveryQueued {
		return &d.queued
	}
	return &d.delay
}

// boundIndex is the bucket of live.DelayBounds whose bound le is.
func boundIndex(le string) (int, error) {
	if le == "+Inf" {
		return len(live.DelayBounds), nil
	}
	v, err := strconv.ParseFloat(le, 64)
	if err != nil {
		return 0, err
	}
	for i, b := range live.DelayBounds {
		if time.Duration(v*float64(time.Second)+0.5) == b {
			return i, nil
		}
	}
	return 0, fmt.Errorf("bound %s is not one of the server's: %w", le, ErrProtocol)
}

// serverDelayReport summarizes what the server counted between two scrapes.
func serverDelayReport(before, after serverDelays) *ServerDelayReport {
	d, q := after.delay.Sub(before.delay), after.queued.Sub(before.queued)
	ms := func(t time.Duration) float64 { return float64(t) / float64(time.Millisecond) }
	rep := &ServerDelayReport{
		Writes: d.Count(), P50: ms(d.Quantile(0.5)), P90: ms(d.Quantile(0.9)), P99: ms(d.Quantile(0.99)),
		Batches: q.Count(), QueueP50: ms(q.Quantile(0.5)), QueueP99: ms(q.Quantile(0.99)),
	}
	if rep.Writes > 0 {
		rep.Mean = ms(d.Sum / time.Duration(rep.Writes))
	}
	return rep
}
