package hooks

import (
	"context"
	"net/url"
	"strings"
	"sync"
)

// A job is one call chain run by a worker.
type job struct {
	run  func(ctx context.Context) error
	done func(error)
}

// pool runs jobs on worker goroutines, with one bounded FIFO queue and at
// most max workers per target (the hosts a call chain posts to), so that a
// callback server that hangs holds its own workers only: calls to other
// servers go on. Targets are bounded too, which bounds the whole. Workers
// start when jobs arrive and exit as soon as their queue is empty, and an
// idle target is forgotten, so an idle pool holds no goroutine.
type pool struct {
	ctx    context.Context // cancelled by close
	cancel context.CancelFunc

	mu         sync.Mutex
	max        int // most workers per target
	queued     int // most jobs waiting per target
	maxTargets int // most targets with work at once
	targets    map[string]*target
	closed     bool
	wg         sync.WaitGroup
}

// target is the queue and workers of one callback target.
type target struct {
	key     string
	queue   []job
	workers int
}

func (p *pool) init(max, queued, targets int) {
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.max, p.queued, p.maxTargets = max, queued, targets
	p.targets = make(map[string]*target)
}

// submit queues run on key's target, or calls done with ErrBusy or
// ErrClosed at once.
func (p *pool) submit(key string, run func(ctx context.Context) error, done func(error)) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		finish(done, ErrClosed)
		return
	}
	t := p.targets[key]
	if t == nil {
		if len(p.targets) >= p.maxTargets {
			p.mu.Unlock()
			finish(done, ErrBusy)
			return
		}
		t = &target{key: key}
		p.targets[key] = t
	}
	if len(t.queue) >= p.queued {
		p.mu.Unlock()
		finish(done, ErrBusy)
		return
	}
	t.queue = append(t.queue, job{run: run, done: done})
	// A worker that finds the queue empty exits under p.mu, so either it
	// sees this job or this sees it gone.
	if t.workers < p.max {
		t.workers++
		p.wg.Add(1)
		go p.work(t)
	}
	p.mu.Unlock()
}

func (p *pool) work(t *target) {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		if len(t.queue) == 0 {
			t.workers--
			if t.workers == 0 {
				delete(p.targets, t.key)
			}
			p.mu.Unlock()
			return
		}
		j := t.queue[0]
		t.queue[0] = job{}
		t.queue = t.queue[1:]
		p.mu.Unlock()
		finish(j.done, j.run(p.ctx))
	}
}

func (p *pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// idle reports whether no job is queued or running.
func (p *pool) idle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.targets) == 0
}

// close cancels queued and running jobs and waits for the workers to exit.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}

// targetOf is the pool key of a call chain: the hosts (with their ports)
// it posts to, in order. A URL that does not parse stands for itself.
func targetOf(urls []string) string {
	var b strings.Builder
	for i, u := range urls {
		if i > 0 {
			b.WriteByte(' ')
		}
		if p, err := url.Parse(u); err == nil && p.Host != "" {
			b.WriteString(p.Scheme)
			b.WriteString("://")
			b.WriteString(p.Host)
		} else {
			b.WriteString(u)
		}
	}
	return b.String()
}
