package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Defaults and bounds of Options.
const (
	// DefaultTimeout bounds each URL's call, as SRS_HTTP_CLIENT_TIMEOUT does.
	DefaultTimeout = 30 * time.Second
	// MaxTimeout is the longest Options.Timeout honoured.
	MaxTimeout = 5 * time.Minute
	// DefaultMaxConcurrent is how many calls Go and Notify make at once
	// to one callback target.
	DefaultMaxConcurrent = 64
	// DefaultMaxQueued is how many calls to one target wait for a worker.
	DefaultMaxQueued = 1024
	// DefaultMaxTargets is how many callback targets may have calls in
	// flight or queued at once.
	DefaultMaxTargets = 64
	// MaxResponseBody bounds the body read from a hook's answer; a longer
	// body rejects.
	MaxResponseBody = 64 << 10
	// DefaultUserAgent is sent when Options.UserAgent is empty.
	DefaultUserAgent = "cascade"
)

// Options configures a Client. The zero value is usable.
type Options struct {
	// Timeout bounds each URL's call, from connecting to reading the body.
	// 0 means DefaultTimeout; more than MaxTimeout means MaxTimeout.
	Timeout time.Duration
	// MaxConcurrent bounds the calls Go and Notify have in flight to one
	// target (the hosts a call chain posts to); 0 means
	// DefaultMaxConcurrent.
	MaxConcurrent int
	// MaxQueued bounds the calls to one target waiting for a worker; 0
	// means DefaultMaxQueued.
	MaxQueued int
	// MaxTargets bounds the targets with calls in flight or queued; 0
	// means DefaultMaxTargets. With the bounds above it bounds the whole:
	// MaxTargets*MaxConcurrent workers.
	MaxTargets int
	// ServerID and ServiceID fill every body's server_id and service_id,
	// and the [server_id] and [service_id] of on_hls_notify.
	ServerID  string
	ServiceID string
	// UserAgent is the User-Agent header; "" means DefaultUserAgent.
	UserAgent string
	// HTTPClient makes the requests; nil means a client of this package
	// with keep-alive connections. Redirects are never followed, as SRS
	// does not follow them: a 3xx answer rejects.
	HTTPClient *http.Client
}

// A Client calls hooks. Its methods may be called from several goroutines.
type Client struct {
	http      *http.Client
	timeout   time.Duration
	serverID  string
	serviceID string
	userAgent string

	pool pool
}

// NewClient returns a Client configured by opts.
func NewClient(opts Options) *Client {
	timeout := opts.Timeout
	switch {
	case timeout <= 0:
		timeout = DefaultTimeout
	case timeout > MaxTimeout:
		timeout = MaxTimeout
	}
	workers := opts.MaxConcurrent
	if workers <= 0 {
		workers = DefaultMaxConcurrent
	}
	queued := opts.MaxQueued
	if queued <= 0 {
		queued = DefaultMaxQueued
	}
	targets := opts.MaxTargets
	if targets <= 0 {
		targets = DefaultMaxTargets
	}
	ua := opts.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	var hc http.Client
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient
	} else {
		hc.Transport = newTransport(timeout, workers, targets)
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	c := &Client{
		http:      &hc,
		timeout:   timeout,
		serverID:  opts.ServerID,
		serviceID: opts.ServiceID,
		userAgent: ua,
	}
	c.pool.init(workers, queued, targets)
	return c
}

// newTransport returns a transport that keeps a connection per worker, and
// ignores HTTP_PROXY and the like, as SRS does.
func newTransport(timeout time.Duration, workers, targets int) *http.Transport {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:         dialer.DialContext,
		MaxIdleConns:        min(workers*targets, 1024),
		MaxIdleConnsPerHost: workers,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: timeout,
	}
}

// Call posts p to each of urls in order, on the caller's goroutine, and
// returns nil when every URL accepts. The first that does not ends the
// chain with an *Error wrapping ErrRejected. No URLs accept.
func (c *Client) Call(ctx context.Context, urls []string, p Payload) error {
	if c.pool.isClosed() {
		return ErrClosed
	}
	if len(urls) == 0 {
		return nil
	}
	body, err := c.marshal(p)
	if err != nil {
		return err
	}
	return c.postAll(ctx, p.Action(), urls, body)
}

// Go is Call on the worker pool, for callers that must not block: it
// returns at once, and done, if not nil, gets Call's result on the worker's
// goroutine. When nothing needs a worker (no URLs, a payload that cannot be
// marshalled) or none can be had (ErrBusy, ErrClosed), done is called
// before Go returns, on the caller's goroutine. done must not block for
// long: it holds a worker.
//
// With a nil done, Go is fire-and-forget, for hooks whose result SRS
// ignores (on_close, on_unpublish, on_stop) or logs (on_dvr, on_hls).
func (c *Client) Go(urls []string, p Payload, done func(error)) {
	if len(urls) == 0 {
		finish(done, nil)
		return
	}
	body, err := c.marshal(p)
	if err != nil {
		finish(done, err)
		return
	}
	action := p.Action()
	urls = append([]string(nil), urls...) // the caller may reuse its slice
	c.pool.submit(targetOf(urls), func(ctx context.Context) error {
		return c.postAll(ctx, action, urls, body)
	}, done)
}

// Close stops the Client: calls queued or in flight on the pool are
// cancelled (their done gets the error), later calls fail with ErrClosed,
// and idle connections are closed. Close returns when no worker is left.
func (c *Client) Close() error {
	c.pool.close()
	c.http.CloseIdleConnections()
	return nil
}

// Shutdown lets the calls queued or in flight on the pool finish until ctx
// ends, then closes the Client as Close does. Calls made meanwhile are
// still taken.
func (c *Client) Shutdown(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !c.pool.idle() {
		select {
		case <-ctx.Done():
			c.Close()
			return ctx.Err()
		case <-t.C:
		}
	}
	return c.Close()
}

// marshal returns p's JSON body with the header filled in.
func (c *Client) marshal(p Payload) ([]byte, error) {
	return Marshal(p, c.serverID, c.serviceID)
}

// Marshal returns the JSON body SRS would post for p, with the header
// (server_id, service_id, action) filled in. Like SRS, it leaves <, > and &
// alone. Other event sinks (Kafka) send the same bodies.
func Marshal(p Payload, serverID, serviceID string) ([]byte, error) {
	if p == nil {
		return nil, errors.New("hooks: nil payload")
	}
	v := p.stamped(header{ServerID: serverID, ServiceID: serviceID, Action: p.Action()})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("hooks: %s payload: %w", p.Action(), err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// finish calls done, if any, with err.
func finish(done func(error), err error) {
	if done != nil {
		done(err)
	}
}

// Post makes the callbacks SRS fires and forgets for p (on_close,
// on_unpublish, on_stop, on_dvr, and on_hls with its on_hls_notify) to
// cfg's URLs, on the worker pool. Failures are not reported, as SRS only
// logs them. The callbacks that decide (on_connect, on_publish, on_play)
// are not posted: admission makes them.
func (c *Client) Post(cfg *Config, p Payload) {
	if p == nil || !cfg.Enabled {
		return
	}
	switch a := p.Action(); a {
	case ActionConnect, ActionPublish, ActionPlay:
		return
	default:
		if urls := cfg.URLs(a); len(urls) > 0 {
			c.Go(urls, p, nil)
		}
	}
	if h, ok := p.(OnHLS); ok && len(cfg.OnHLSNotify) > 0 {
		c.Notify(cfg.OnHLSNotify, HLSNotify{App: h.App, Stream: h.Stream, Param: h.Param, TSURL: h.URL}, nil)
	}
}
