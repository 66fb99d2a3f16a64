package hooks

import (
	"context"
	"sync"
)

// A job is one call chain run by a worker.
type job struct {
	run  func(ctx context.Context) error
	done func(error)
}

// pool runs jobs on at most max worker goroutines, with a bounded FIFO
// queue in front of them. Workers are started when jobs arrive and exit as
// soon as the queue is empty, so an idle pool holds no goroutine.
type pool struct {
	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	queue  chan job

	mu      sync.Mutex
	max     int // most workers at once
	workers int // workers running
	closed  bool
	wg      sync.WaitGroup
}

func (p *pool) init(max, queued int) {
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.queue = make(chan job, queued)
	p.max = max
}

// submit queues run, or calls done with ErrBusy or ErrClosed at once.
func (p *pool) submit(run func(ctx context.Context) error, done func(error)) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		finish(done, ErrClosed)
		return
	}
	select {
	case p.queue <- job{run: run, done: done}:
	default:
		p.mu.Unlock()
		finish(done, ErrBusy)
		return
	}
	// A worker that finds the queue empty exits under p.mu, so either it
	// sees this job or this sees it gone.
	if p.workers < p.max {
		p.workers++
		p.wg.Add(1)
		go p.work()
	}
	p.mu.Unlock()
}

func (p *pool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		var j job
		select {
		case j = <-p.queue:
		default:
			p.workers--
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		finish(j.done, j.run(p.ctx))
	}
}

func (p *pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// close cancels queued and running jobs and waits for the workers to exit.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}
