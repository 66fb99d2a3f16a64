package netpoll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"

	"github.com/cascade-live/cascade/internal/cid"
	"github.com/cascade-live/cascade/live"
)

// TickInterval is how often each loop runs its periodic work (batch
// latency, consumer retries, deadlines).
const TickInterval = 50 * time.Millisecond

// DefaultMaxOutbound bounds the bytes copied for one connection that its
// peer has not read yet (protocol replies, response heads). Shared bytes
// queued by reference (Conn.Send with an owner, players' packets) are
// bounded by their own queues.
const DefaultMaxOutbound = 1 << 20

// Options configure an Engine.
type Options struct {
	EventLoops     int // 0: GOMAXPROCS
	MaxConnections int // 0: unlimited
	MaxOutbound    int // 0: DefaultMaxOutbound
	TCPNoDelay     bool
	Logger         *slog.Logger
}

// Engine owns the event loops and the listeners feeding them.
type Engine struct {
	opts     Options
	cli      *gnet.Client
	writable *writable
	log      *slog.Logger
	maxCon   atomic.Int64
	conns    atomic.Int64

	bytesIn, bytesOut atomic.Uint64 // of closed connections plus open ones' so far

	mu        sync.Mutex
	loops     map[gnet.EventLoop]*loopState
	loopList  []*loopState
	listeners map[net.Listener]struct{}
	closed    bool

	stop     chan struct{}
	tickDone chan struct{}
	accepts  sync.WaitGroup
}

// loopState is netpoll's per-event-loop state; used on that loop only,
// except for the fields set when it is created.
type loopState struct {
	el      gnet.EventLoop
	log     *slog.Logger
	live    *live.Loop
	iov     []unix.Iovec
	bufs    [][]byte  // scratch for writing a connection's queue
	pair    [2][]byte // scratch for Send
	timed   []*Conn
	tickRun tickTask

	draining, drainSpare []*Conn // connections with output the socket has not taken
}

type tickTask struct{ ls *loopState }

func (t *tickTask) Run(context.Context) error {
	// A panic here is no one connection's: log it and keep the loop.
	if err := guard(func() error { t.ls.tick(); return nil }); err != nil {
		t.ls.log.Error("panic in the loop's tick", "err", err, "stack", string(stackOf(err)))
	}
	return nil
}

type loopExecutor struct{ el gnet.EventLoop }

func (x loopExecutor) Execute(ctx context.Context, r live.Runnable) error {
	return x.el.Execute(ctx, r)
}

// New returns an engine; Start runs its loops.
func New(opts Options) (*Engine, error) {
	if opts.EventLoops <= 0 {
		opts.EventLoops = runtime.GOMAXPROCS(0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxOutbound <= 0 {
		opts.MaxOutbound = DefaultMaxOutbound
	}
	e := &Engine{
		opts:      opts,
		log:       opts.Logger,
		loops:     make(map[gnet.EventLoop]*loopState),
		listeners: make(map[net.Listener]struct{}),
		stop:      make(chan struct{}),
		tickDone:  make(chan struct{}),
	}
	e.maxCon.Store(int64(opts.MaxConnections))
	w, err := newWritable()
	if err != nil {
		return nil, err
	}
	e.writable = w
	nodelay := gnet.TCPDelay
	if opts.TCPNoDelay {
		nodelay = gnet.TCPNoDelay
	}
	cli, err := gnet.NewClient(&handler{e: e},
		gnet.WithMulticore(opts.EventLoops > 1),
		gnet.WithNumEventLoop(opts.EventLoops),
		gnet.WithTCPNoDelay(nodelay),
		gnet.WithLogger(gnetLogger{opts.Logger}),
		gnet.WithLoadBalancing(gnet.LeastConnections),
	)
	if err != nil {
		w.close()
		return nil, fmt.Errorf("netpoll: new engine: %w", err)
	}
	e.cli = cli
	return e, nil
}

// Start runs the event loops and the ticker.
func (e *Engine) Start() error {
	if err := e.cli.Start(); err != nil {
		return fmt.Errorf("netpoll: start: %w", err)
	}
	go e.ticker()
	e.writable.start()
	return nil
}

// SetMaxConnections changes the connection limit (reload).
func (e *Engine) SetMaxConnections(n int) { e.maxCon.Store(int64(n)) }

// Bytes are what every connection received and sent so far.
func (e *Engine) Bytes() (in, out uint64) { return e.bytesIn.Load(), e.bytesOut.Load() }

// Connections is the number of open connections.
func (e *Engine) Connections() int { return int(e.conns.Load()) }

// Loops returns the live core's loops seen so far.
func (e *Engine) Loops() []*live.Loop {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*live.Loop, len(e.loopList))
	for i, ls := range e.loopList {
		out[i] = ls.live
	}
	return out
}

// Serve accepts connections from ln on its own goroutine and gives each a
// Session from newSession (called on the connection's loop). It returns at
// once; closing ln (or Stop) ends it.
func (e *Engine) Serve(ln net.Listener, name string, newSession func(c *Conn) Session) {
	e.mu.Lock()
	e.listeners[ln] = struct{}{}
	e.mu.Unlock()
	e.accepts.Add(1)
	go func() {
		defer e.accepts.Done()
		defer func() {
			e.mu.Lock()
			delete(e.listeners, ln)
			e.mu.Unlock()
		}()
		var delay time.Duration
		enrolling := make(chan struct{}, maxEnrolling)
		for {
			nc, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				// Out of file descriptors and the like: back off, go on.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				e.log.Warn("accept failed", "listener", name, "addr", ln.Addr().String(), "err", err)
				time.Sleep(delay)
				continue
			}
			delay = 0
			// The slot is taken here, not in OnOpen, so that listeners
			// accepting at the same time cannot overshoot the limit.
			if n, max := e.conns.Add(1), e.maxCon.Load(); max > 0 && n > max {
				e.conns.Add(-1)
				e.log.Warn("connection refused: max_connections reached", "listener", name,
					"remote", nc.RemoteAddr().String(), "max_connections", max)
				_ = nc.Close()
				continue
			}
			c := &Conn{ID: cid.New(), Listener: name, Accepted: time.Now(), engine: e}
			c.Log = connLogger(e.log, c.ID)
			c.session = pendingSession{newSession}
			// EnrollContext returns once the loop has opened the
			// connection, at the end of its current round: enrolling one
			// at a time would accept one connection per round, and in a
			// join storm the kernel's accept queue grows to thousands.
			enrolling <- struct{}{}
			e.accepts.Add(1)
			go func() {
				defer e.accepts.Done()
				defer func() { <-enrolling }()
				if _, err := e.cli.EnrollContext(nc, c); err != nil {
					e.log.Warn("enroll failed", "listener", name, "err", err)
					_ = nc.Close()
				}
				if c.Conn == nil {
					e.conns.Add(-1) // never opened (EnrollContext returns after OnOpen)
				}
			}()
		}
	}()
}

// maxEnrolling bounds the connections of one listener waiting for their
// loop to open them.
const maxEnrolling = 256

// pendingSession creates the real session on the loop at OnOpen.
type pendingSession struct{ new func(c *Conn) Session }

func (pendingSession) OnTraffic(*Conn) error { return nil }
func (pendingSession) OnClose(*Conn, error)  {}

// CloseListener stops accepting on ln; its connections stay.
func (e *Engine) CloseListener(ln net.Listener) error { return ln.Close() }

// Stop closes the listeners and every connection, and ends the loops.
func (e *Engine) Stop() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	for ln := range e.listeners {
		_ = ln.Close()
	}
	e.mu.Unlock()
	e.accepts.Wait()
	close(e.stop)
	<-e.tickDone
	err := e.cli.Stop()
	e.writable.stop()
	return err
}

// Drain waits until every connection closed or ctx ends (graceful stop
// after the listeners closed).
func (e *Engine) Drain(ctx context.Context) error {
	e.mu.Lock()
	for ln := range e.listeners {
		_ = ln.Close()
	}
	e.mu.Unlock()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for e.conns.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// Each runs fn on every loop (and waits), e.g. to close all players.
func (e *Engine) Each(fn func(l *live.Loop)) {
	e.mu.Lock()
	list := append([]*loopState(nil), e.loopList...)
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, ls := range list {
		wg.Add(1)
		ls := ls
		err := ls.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			defer wg.Done()
			fn(ls.live)
			return nil
		}))
		if err != nil {
			wg.Done()
		}
	}
	wg.Wait()
}

func (e *Engine) ticker() {
	defer close(e.tickDone)
	t := time.NewTicker(TickInterval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
		e.mu.Lock()
		for _, ls := range e.loopList {
			_ = ls.el.Execute(context.Background(), &ls.tickRun)
		}
		e.mu.Unlock()
	}
}

// loopOf returns the state of c's loop, creating it on first sight.
func (e *Engine) loopOf(el gnet.EventLoop) *loopState {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ls := e.loops[el]; ls != nil {
		return ls
	}
	ls := &loopState{el: el, log: e.log, iov: make([]unix.Iovec, 0, maxIov)}
	ls.live = live.NewLoop(len(e.loopList), loopExecutor{el})
	ls.tickRun.ls = ls
	e.loops[el] = ls
	e.loopList = append(e.loopList, ls)
	return ls
}

func (ls *loopState) tick() {
	ls.live.Tick()
	ls.drain()
	if len(ls.timed) == 0 {
		return
	}
	now := ls.live.Now()
	kept := ls.timed[:0]
	for _, c := range ls.timed {
		switch {
		case c.closing || c.deadline.IsZero():
			c.timed = false
		case now.After(c.deadline):
			c.timed = false
			c.Fail(ErrTimeout)
		default:
			kept = append(kept, c)
		}
	}
	clear(ls.timed[len(kept):])
	ls.timed = kept
}

// drain writes the queues of connections whose socket was full, and tells
// the sessions of those that drained: the fallback for writable events.
func (ls *loopState) drain() {
	if len(ls.draining) == 0 {
		return
	}
	list := ls.draining
	ls.draining = ls.drainSpare[:0]
	for _, c := range list {
		if !c.closing && c.draining {
			c.drainNow() // may queue more (OnDrained)
		}
		if c.closing || !c.draining {
			c.inList = false
			continue
		}
		ls.draining = append(ls.draining, c)
	}
	clear(list)
	ls.drainSpare = list[:0]
}

// handler adapts gnet's callbacks to Sessions.
type handler struct {
	gnet.BuiltinEventEngine
	e *Engine
}

func (h *handler) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return nil, gnet.Close
	}
	c.Conn = gc
	c.loop = h.e.loopOf(gc.EventLoop())
	if p, ok := c.session.(pendingSession); ok {
		err := guard(func() error {
			c.session = p.new(c)
			return nil
		})
		if err != nil {
			c.closing = true
			c.closeErr = err
			return nil, gnet.Close
		}
	}
	return nil, gnet.None
}

func (h *handler) OnTraffic(gc gnet.Conn) gnet.Action {
	c := gc.Context().(*Conn)
	if c.closing || c.ending {
		_, _ = gc.Discard(gc.InboundBuffered())
		return gnet.None
	}
	c.loop.live.Touch()
	if err := c.traffic(); err != nil {
		c.closing = true
		c.closeErr = err
		return gnet.Close
	}
	return gnet.None
}

func (h *handler) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.None
	}
	h.e.conns.Add(-1)
	c.closing, c.closed = true, true
	c.dropQueue()
	h.e.writable.forget(c)
	if c.closeErr != nil {
		err = c.closeErr
	}
	switch {
	case stackOf(err) != nil:
		c.Log.Error("connection closed", "listener", c.Listener, "remote", gc.RemoteAddr().String(),
			"in", c.BytesIn.Load(), "out", c.BytesOut.Load(), "err", err, "stack", string(stackOf(err)))
	case !IsNormalClose(err):
		c.Log.Warn("connection closed", "listener", c.Listener, "remote", gc.RemoteAddr().String(),
			"in", c.BytesIn.Load(), "out", c.BytesOut.Load(), "err", err)
	default:
		c.Log.Info("connection closed", "listener", c.Listener, "remote", gc.RemoteAddr().String(),
			"in", c.BytesIn.Load(), "out", c.BytesOut.Load())
	}
	if perr := guard(func() error { c.session.OnClose(c, err); return nil }); perr != nil {
		c.Log.Error("panic closing the connection", "err", perr, "stack", string(stackOf(perr)))
	}
	return gnet.None
}

// gnetLogger routes gnet's own logs into slog.
type gnetLogger struct{ l *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debug(fmt.Sprintf(f, a...), "from", "gnet") }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Debug(fmt.Sprintf(f, a...), "from", "gnet") }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warn(fmt.Sprintf(f, a...), "from", "gnet") }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Error(fmt.Sprintf(f, a...), "from", "gnet") }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Error(fmt.Sprintf(f, a...), "from", "gnet") }
