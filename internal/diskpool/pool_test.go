package diskpool

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestWorkersBoundedAndAllJobsRun: however many jobs wait, no more than the
// pool's workers run at once, and every job runs, including those given
// after Close.
func TestWorkersBoundedAndAllJobsRun(t *testing.T) {
	const workers, jobs = 3, 200
	p := New(workers)
	var running, peak, done atomic.Int32
	var wg sync.WaitGroup
	release := make(chan struct{})
	wg.Add(jobs)
	for range jobs {
		p.Go(func() {
			defer wg.Done()
			n := running.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			<-release
			running.Add(-1)
			done.Add(1)
		})
	}
	close(release)
	wg.Wait()
	p.Close()
	assert.Equal(t, int32(jobs), done.Load())
	assert.LessOrEqual(t, peak.Load(), int32(workers))
	ran := false
	p.Go(func() { ran = true })
	assert.True(t, ran, "a job given after Close runs at once")
}
