// Package diskpool runs disk work (opening and reading files) on a fixed
// number of goroutines, so that the event loops never wait for a disk and
// a request for a file never costs a goroutine of its own.
package diskpool

import "sync"

// Pool runs jobs in the order given on its workers. Its queue is not
// bounded by itself: a caller keeps at most one job per connection in it,
// so the connection limit bounds it.
type Pool struct {
	mu     sync.Mutex
	cond   sync.Cond
	jobs   []func()
	closed bool
	wg     sync.WaitGroup
}

// New starts a pool of workers goroutines (at least 1).
func New(workers int) *Pool {
	p := &Pool{}
	p.cond.L = &p.mu
	workers = max(workers, 1)
	p.wg.Add(workers)
	for range workers {
		go p.work()
	}
	return p
}

// Go queues job. After Close, job runs on the caller's goroutine, so
// that what it would free (a file, a buffer) is freed all the same.
func (p *Pool) Go(job func()) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		job()
		return
	}
	p.jobs = append(p.jobs, job)
	p.mu.Unlock()
	p.cond.Signal()
}

// Queued is the number of jobs waiting for a worker.
func (p *Pool) Queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.jobs)
}

// Close runs the jobs already queued, then stops the workers.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Broadcast()
	p.wg.Wait()
}

func (p *Pool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for len(p.jobs) == 0 && !p.closed {
			p.cond.Wait()
		}
		if len(p.jobs) == 0 {
			p.mu.Unlock()
			return
		}
		job := p.jobs[0]
		p.jobs[0] = nil
		p.jobs = p.jobs[1:]
		if len(p.jobs) == 0 {
			p.jobs = p.jobs[:0:0] // let the backing array go
		}
		p.mu.Unlock()
		job()
	}
}
