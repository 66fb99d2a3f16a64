package netpoll

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// writable tells the loops when a socket whose output waits can take more.
// gnet has no writable callback, so a second epoll instance watches just
// those sockets (EPOLLOUT, one shot each time output waits) from one
// goroutine, which hands each event to the connection's loop. The loop's
// tick stays as a fallback.
type writable struct {
	epfd int
	wake int // eventfd that ends run

	mu      sync.Mutex
	conns   map[int32]*Conn // by watch id
	next    int32
	running bool
	closed  bool
}

func newWritable() (*writable, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("netpoll: epoll_create1: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		_ = unix.Close(epfd)
		return nil, fmt.Errorf("netpoll: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: 0}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &ev); err != nil {
		_ = unix.Close(epfd)
		_ = unix.Close(wake)
		return nil, fmt.Errorf("netpoll: epoll_ctl: %w", err)
	}
	return &writable{epfd: epfd, wake: wake, conns: make(map[int32]*Conn)}, nil
}

// watch arms a one-shot writable event for c, unless one is armed. It
// runs on c's loop.
func (w *writable) watch(c *Conn) {
	if c.armed {
		return
	}
	if c.watchID == 0 {
		w.mu.Lock()
		for {
			w.next++
			if w.next <= 0 {
				w.next = 1
			}
			if w.conns[w.next] == nil {
				break
			}
		}
		c.watchID = w.next
		w.conns[c.watchID] = c
		w.mu.Unlock()
		c.drainRun.c = c
	}
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLONESHOT, Fd: c.watchID}
	err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_MOD, c.Fd(), &ev)
	if errors.Is(err, unix.ENOENT) {
		err = unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, c.Fd(), &ev)
	}
	if err != nil {
		c.Log.Debug("netpoll: writable watch", "err", err) // the tick still drains it
		return
	}
	c.armed = true
}

// forget drops c (closing); the kernel drops its socket from the epoll set
// when gnet closes it.
func (w *writable) forget(c *Conn) {
	if c.watchID == 0 {
		return
	}
	w.mu.Lock()
	delete(w.conns, c.watchID)
	w.mu.Unlock()
	_ = unix.EpollCtl(w.epfd, unix.EPOLL_CTL_DEL, c.Fd(), nil)
	c.watchID = 0
}

// start runs the goroutine that hands events to the loops.
func (w *writable) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running || w.closed {
		return
	}
	w.running = true
	go w.run()
}

// close releases the descriptors (once run has ended, or never started).
func (w *writable) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true
	_ = unix.Close(w.epfd)
	_ = unix.Close(w.wake)
}

// run hands writable events to the loops until stop.
func (w *writable) run() {
	defer w.close()
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(w.epfd, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range events[:n] {
			if ev.Fd == 0 {
				return // stop
			}
			w.mu.Lock()
			c := w.conns[ev.Fd]
			w.mu.Unlock()
			if c != nil {
				_ = c.loop.el.Execute(context.Background(), &c.drainRun)
			}
		}
	}
}

// stop ends run, or releases the descriptors if it never started.
func (w *writable) stop() {
	w.mu.Lock()
	running := w.running && !w.closed
	if running {
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		_, _ = unix.Write(w.wake, one[:])
	}
	w.mu.Unlock()
	if !running {
		w.close()
	}
}

// drainTask runs a connection's drain on its loop after a writable event.
type drainTask struct{ c *Conn }

func (t *drainTask) Run(context.Context) error {
	c := t.c
	c.armed = false // the one shot fired
	if !c.closed && !c.closing && c.draining {
		c.drainNow()
	}
	return nil
}
