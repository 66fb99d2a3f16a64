// Package caster holds what the stream casters share: the output URL a
// stream_caster publishes to. Each caster lives in its own package below
// (udpts, flvpost, rtsp, srt) and publishes through session.Host, so
// admission, the API and the outputs are those of an RTMP publish.
package caster

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/internal/session"
)

// ErrBadOutput reports an output URL that names no stream.
var ErrBadOutput = errors.New("caster: output URL names no app/stream")

// Target returns the request publishing to output, an rtmp:// URL in which
// [app] and [stream] are replaced with app and stream, as SRS does. The
// vhost is the URL's vhost parameter, else its host. param, the client's
// own query ("?a=b" or ""), is added to the URL's for on_publish.
func Target(output, app, stream, param string) (session.Request, error) {
	s := strings.NewReplacer("[app]", app, "[stream]", stream).Replace(output)
	u, err := url.Parse(s)
	if err != nil {
		return session.Request{}, fmt.Errorf("caster: output %q: %w", s, err)
	}
	p := strings.Trim(u.Path, "/")
	i := strings.LastIndexByte(p, '/')
	if i <= 0 || i == len(p)-1 {
		return session.Request{}, fmt.Errorf("caster: output %q: %w", s, ErrBadOutput)
	}
	req := session.Request{App: p[:i], Stream: p[i+1:], Vhost: u.Hostname()}
	q := u.Query()
	if v := q.Get("vhost"); v != "" {
		req.Vhost = v
	}
	req.TcURL = "rtmp://" + u.Host + "/" + req.App
	query := u.RawQuery
	if extra := strings.TrimPrefix(param, "?"); extra != "" {
		if query != "" {
			query += "&"
		}
		query += extra
	}
	if query != "" {
		req.Param = "?" + query
	}
	return req, nil
}

// SplitPath splits a request path "/app/stream.ext" into app and stream
// (without the extension); app may hold slashes.
func SplitPath(p string) (app, stream string, ok bool) {
	p = strings.Trim(p, "/")
	i := strings.LastIndexByte(p, '/')
	if i <= 0 || i == len(p)-1 {
		return "", "", false
	}
	app, stream = p[:i], p[i+1:]
	if j := strings.LastIndexByte(stream, '.'); j > 0 {
		stream = stream[:j]
	}
	return app, stream, true
}

// Reasons a Watch ends a publish.
var (
	ErrNoMedia = errors.New("caster: no media in time")
	ErrKicked  = errors.New("caster: ended by the server")
)

// Watch ends a publish whose sender sends no media for a while, or that
// the server ends (API kick, shutdown): it calls stop, which must wake the
// goroutine reading the sender (close its connection, move a deadline),
// once, and keeps the reason for Err.
type Watch struct {
	timer *time.Timer
	idle  time.Duration
	why   atomic.Pointer[error]
	done  chan struct{}
	stop  func()
}

// NewWatch watches pub: first is how long the first media may take, idle
// how long media may pause after that.
func NewWatch(pub session.Publisher, first, idle time.Duration, stop func()) *Watch {
	w := &Watch{idle: idle, done: make(chan struct{}), stop: stop}
	w.timer = time.AfterFunc(first, func() { w.end(ErrNoMedia) })
	go func() {
		select {
		case <-pub.Done():
			w.end(ErrKicked)
		case <-w.done:
		}
	}()
	return w
}

func (w *Watch) end(err error) {
	if w.why.CompareAndSwap(nil, &err) {
		w.stop()
	}
}

// Media reports that media arrived.
func (w *Watch) Media() { w.timer.Reset(w.idle) }

// Err returns why the watch ended the publish, or nil.
func (w *Watch) Err() error {
	if e := w.why.Load(); e != nil {
		return *e
	}
	return nil
}

// Close stops watching.
func (w *Watch) Close() {
	w.timer.Stop()
	close(w.done)
}
