package bench

import (
	"context"
	"time"
)

// lagProbeEvery is how often the lag probe asks to wake.
const lagProbeEvery = 10 * time.Millisecond

// toolLagWarn is the probe's p99 over which the report warns that the tool
// is late itself.
const toolLagWarn = 50 * time.Millisecond

// lagProbe measures how late the load tool's own goroutines get to run: it
// asks to wake every lagProbeEvery and counts by how much it overslept,
// while hist.on is set (the steady window). When the tool's core is busy
// (with its own publishers and players, or with other processes), what it
// measures (delivery latency, publishers behind real time) is late by as
// much without the server being at fault.
type lagProbe struct {
	hist latencyHist
}

func (lp *lagProbe) run(ctx context.Context) {
	t := time.NewTimer(lagProbeEvery)
	defer t.Stop()
	due := time.Now().Add(lagProbeEvery)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			lp.hist.add(now.Sub(due))
			due = now.Add(lagProbeEvery)
			t.Reset(lagProbeEvery)
		}
	}
}
