package hooks

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// holdingReceiver answers only when released (or when the caller gives
// up), and counts the calls it holds.
type holdingReceiver struct {
	*receiver
	release  chan struct{}
	arrived  chan struct{}
	inflight atomic.Int32
	peak     atomic.Int32
}

func newHoldingReceiver(t *testing.T) *holdingReceiver {
	h := &holdingReceiver{release: make(chan struct{}), arrived: make(chan struct{}, 1024)}
	h.receiver = newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		n := h.inflight.Add(1)
		for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
		}
		h.arrived <- struct{}{}
		select {
		case <-h.release:
			io.WriteString(w, "0")
		case <-r.Context().Done():
		}
		h.inflight.Add(-1)
	})
	// Registered after the server's Close, so it runs first and lets the
	// held handlers return.
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release)
		}
	})
	return h
}

// waitArrivals waits for n calls to reach the receiver.
func (h *holdingReceiver) waitArrivals(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-h.arrived:
		case <-time.After(5 * time.Second):
			t.Fatalf("calls did not arrive")
		}
	}
}

func collect(t *testing.T, results <-chan error, n int) []error {
	t.Helper()
	var errs []error
	for range n {
		select {
		case err := <-results:
			errs = append(errs, err)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d results of %d", len(errs), n)
		}
	}
	return errs
}

func TestGoConcurrencyBound(t *testing.T) {
	h := newHoldingReceiver(t)
	urls := []string{h.URL}
	c := NewClient(Options{MaxConcurrent: 2, MaxQueued: 3, Timeout: 10 * time.Second})
	defer c.Close()
	results := make(chan error, 10)
	done := func(err error) { results <- err }

	for range 2 {
		c.Go(urls, OnPlay{}, done)
	}
	h.waitArrivals(t, 2)
	for range 3 {
		c.Go(urls, OnPlay{}, done) // queued
	}

	// Two in flight and three queued: one more is refused before Go returns.
	var busy error
	called := false
	start := time.Now()
	c.Go(urls, OnPlay{}, func(err error) { busy, called = err, true })
	require.True(t, called, "done is called before Go returns")
	assert.ErrorIs(t, busy, ErrBusy)
	assert.Less(t, time.Since(start), 100*time.Millisecond)

	// Give a pool that ignores its bound the time to start more calls.
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, int32(2), h.inflight.Load())
	assert.Empty(t, results, "nothing answered yet")

	close(h.release)
	for _, err := range collect(t, results, 5) {
		assert.NoError(t, err)
	}
	assert.Equal(t, int32(2), h.peak.Load())
	assert.Len(t, h.requests(), 5)
}

func TestGoNoGoroutinePerCall(t *testing.T) {
	h := newHoldingReceiver(t)
	c := NewClient(Options{MaxConcurrent: 2, MaxQueued: 500, Timeout: 10 * time.Second})
	base := runtime.NumGoroutine()
	for range 500 {
		c.Go([]string{h.URL}, OnStop{}, nil)
	}
	h.waitArrivals(t, 2)
	assert.Less(t, runtime.NumGoroutine()-base, 30, "goroutines grow with workers, not with queued calls")

	start := time.Now()
	require.NoError(t, c.Close())
	assert.Less(t, time.Since(start), 5*time.Second, "Close cancels held and queued calls")
	assert.LessOrEqual(t, len(h.requests()), 3)
}

func TestGoFireAndForgetNeverBlocks(t *testing.T) {
	h := newHoldingReceiver(t)
	c := NewClient(Options{MaxConcurrent: 1, MaxQueued: 1, Timeout: time.Minute})
	defer c.Close()
	start := time.Now()
	for range 1000 {
		c.Go([]string{h.URL}, OnClose{}, nil)
		c.Go([]string{h.URL}, OnUnpublish{}, nil)
		c.Notify([]string{h.URL}, HLSNotify{}, nil)
	}
	assert.Less(t, time.Since(start), time.Second)
}

func TestGoResult(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/no" {
			io.WriteString(w, `{"code":1}`)
			return
		}
		io.WriteString(w, "0")
	})
	c := NewClient(Options{})
	defer c.Close()
	results := make(chan error, 1)

	c.Go([]string{rc.URL + "/yes", rc.URL + "/no", rc.URL + "/never"}, OnPublish{}, func(err error) { results <- err })
	err := collect(t, results, 1)[0]
	var he *Error
	require.True(t, errors.As(err, &he), "error %v", err)
	assert.Equal(t, rc.URL+"/no", he.URL)
	assert.Equal(t, []string{"/yes", "/no"}, rc.paths())

	c.Go([]string{rc.URL + "/yes"}, OnPlay{}, func(err error) { results <- err })
	assert.NoError(t, collect(t, results, 1)[0])

	// The caller may reuse its slice once Go returns.
	urls := []string{rc.URL + "/first"}
	c.Go(urls, OnPlay{}, func(err error) { results <- err })
	urls[0] = rc.URL + "/changed"
	assert.NoError(t, collect(t, results, 1)[0])
	assert.Equal(t, "/first", rc.paths()[len(rc.paths())-1])
}

func TestGoNoURLs(t *testing.T) {
	c := NewClient(Options{})
	defer c.Close()
	called := false
	c.Go(nil, OnPublish{}, func(err error) {
		assert.NoError(t, err)
		called = true
	})
	assert.True(t, called)
}

func TestClose(t *testing.T) {
	h := newHoldingReceiver(t)
	c := NewClient(Options{MaxConcurrent: 1, Timeout: time.Minute})
	results := make(chan error, 2)
	c.Go([]string{h.URL}, OnPlay{}, func(err error) { results <- err })
	h.waitArrivals(t, 1)
	c.Go([]string{h.URL}, OnPlay{}, func(err error) { results <- err }) // queued

	require.NoError(t, c.Close())
	for _, err := range collect(t, results, 2) {
		assert.ErrorIs(t, err, ErrRejected)
		assert.ErrorIs(t, err, context.Canceled)
	}

	var after error
	c.Go([]string{h.URL}, OnPlay{}, func(err error) { after = err })
	assert.ErrorIs(t, after, ErrClosed)
	assert.ErrorIs(t, c.Call(context.Background(), []string{h.URL}, OnPlay{}), ErrClosed)
	assert.Len(t, h.requests(), 1)
}

func TestOptionsBounds(t *testing.T) {
	tests := []struct {
		opts           Options
		timeout        time.Duration
		workers, queue int
	}{
		{Options{}, DefaultTimeout, DefaultMaxConcurrent, DefaultMaxQueued},
		{Options{Timeout: -1, MaxConcurrent: -1, MaxQueued: -1}, DefaultTimeout, DefaultMaxConcurrent, DefaultMaxQueued},
		{Options{Timeout: time.Hour}, MaxTimeout, DefaultMaxConcurrent, DefaultMaxQueued},
		{Options{Timeout: time.Second, MaxConcurrent: 3, MaxQueued: 7}, time.Second, 3, 7},
	}
	for _, tt := range tests {
		c := NewClient(tt.opts)
		assert.Equal(t, tt.timeout, c.timeout)
		assert.Equal(t, tt.workers, c.pool.max)
		assert.Equal(t, tt.queue, c.pool.queued)
		c.Close()
	}
}

// TestTargetsDoNotStallEachOther: a callback server that hangs with many
// calls queued on it does not delay a call to another server.
func TestTargetsDoNotStallEachOther(t *testing.T) {
	bad := newHoldingReceiver(t)
	good := newReceiver(t, nil)
	c := NewClient(Options{Timeout: time.Minute})
	defer c.Close()
	for range 300 {
		c.Go([]string{bad.URL + "/play"}, OnPlay{}, nil)
	}
	bad.waitArrivals(t, DefaultMaxConcurrent)

	results := make(chan error, 1)
	start := time.Now()
	c.Go([]string{good.URL + "/play"}, OnPlay{}, func(err error) { results <- err })
	select {
	case err := <-results:
		assert.NoError(t, err)
		assert.Less(t, time.Since(start), time.Second)
	case <-time.After(5 * time.Second):
		t.Fatal("the call to the healthy server waits behind the hanging one")
	}
	assert.LessOrEqual(t, bad.peak.Load(), int32(DefaultMaxConcurrent), "each target is bounded")
}

func TestTargetsBounded(t *testing.T) {
	h := newHoldingReceiver(t)
	other := newHoldingReceiver(t)
	c := NewClient(Options{MaxTargets: 1, Timeout: time.Minute})
	defer c.Close()
	c.Go([]string{h.URL}, OnPlay{}, nil)
	h.waitArrivals(t, 1)
	var busy error
	c.Go([]string{other.URL}, OnPlay{}, func(err error) { busy = err })
	assert.ErrorIs(t, busy, ErrBusy, "a second target is over the bound")

	// Once the first target is idle, it is forgotten and another may come.
	close(h.release)
	require.Eventually(t, func() bool {
		c.pool.mu.Lock()
		defer c.pool.mu.Unlock()
		return len(c.pool.targets) == 0
	}, 5*time.Second, 10*time.Millisecond)
	c.Go([]string{other.URL}, OnPlay{}, nil)
	other.waitArrivals(t, 1)
}

func TestTargetOf(t *testing.T) {
	assert.Equal(t, "http://a:80", targetOf([]string{"http://a:80/x?y"}))
	assert.Equal(t, "http://a https://b:8443", targetOf([]string{"http://a/1", "https://b:8443/2"}))
	assert.Equal(t, "http://[::1", targetOf([]string{"http://[::1"}))
}

func TestShutdown(t *testing.T) {
	h := newHoldingReceiver(t)
	c := NewClient(Options{Timeout: time.Minute})
	results := make(chan error, 2)
	c.Go([]string{h.URL}, OnDVR{}, func(err error) { results <- err })
	h.waitArrivals(t, 1)

	// A call that finishes within the grace is delivered.
	time.AfterFunc(50*time.Millisecond, func() { close(h.release) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Shutdown(ctx))
	assert.NoError(t, collect(t, results, 1)[0])
	c.Go([]string{h.URL}, OnDVR{}, func(err error) { results <- err })
	assert.ErrorIs(t, collect(t, results, 1)[0], ErrClosed)

	// One that does not is cancelled when the grace ends.
	hang := newHoldingReceiver(t)
	c = NewClient(Options{Timeout: time.Minute})
	c.Go([]string{hang.URL}, OnDVR{}, func(err error) { results <- err })
	hang.waitArrivals(t, 1)
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, c.Shutdown(ctx), context.DeadlineExceeded)
	assert.ErrorIs(t, collect(t, results, 1)[0], context.Canceled)
}
