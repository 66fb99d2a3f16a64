// Package forward pushes every stream published on a vhost to other RTMP
// servers, as SRS's vhost forward block does: to each configured
// destination with the same app and stream, or to the URLs an HTTP backend
// names for the stream. A destination that fails is retried with backoff
// without disturbing the source or the other destinations; each (re)connect
// starts with the stream's metadata, sequence headers and GOP cache.
package forward

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/upstream"
)

// Config is a vhost's forward block.
type Config struct {
	Enabled      bool
	Destinations []string // host[:port], default port 1935
	Backend      string   // URL called at publish time for the destinations
}

// ParseConfig reads a vhost's forward block (nil: disabled).
func ParseConfig(d *config.Directive) (Config, error) {
	var c Config
	if d == nil || d.Get("enabled").Arg0() != "on" {
		return c, nil
	}
	c.Enabled = true
	for _, dst := range d.All("destination") {
		for _, a := range dst.Args {
			c.Destinations = append(c.Destinations, withPort(a))
		}
	}
	c.Backend = d.Get("backend").Arg0()
	if c.Backend != "" {
		if u, err := url.Parse(c.Backend); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return c, fmt.Errorf("forward: backend %q is not an http(s) URL", c.Backend)
		}
	}
	return c, nil
}

func withPort(hostport string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	if !strings.Contains(hostport, ":") {
		return net.JoinHostPort(hostport, "1935")
	}
	return hostport
}

// Stream is the published stream being forwarded.
type Stream struct {
	Vhost, App, Stream, Param string
	TcURL                     string
	ClientID, IP              string // the publisher, for the backend
}

// Source opens a reader of the local stream (metadata, sequence headers
// and GOP cache first, then live); each destination reads its own.
type Source func(ctx context.Context) (TagReader, error)

// TagReader reads a local stream's tags.
type TagReader interface {
	ReadTag(ctx context.Context) (upstream.Tag, error)
	Close() error
}

// Retry is the pause before reconnecting a failed destination; SRS waits
// 3 s (SRS_FORWARDER_CIMS).
var Retry = 3 * time.Second

// Forwarder forwards one published stream; Stop ends it.
type Forwarder struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start forwards st to targets (each a full RTMP URL or host:port) until
// Stop. log gets one line per connect and per failure.
func Start(log *slog.Logger, st Stream, targets []string, open Source) *Forwarder {
	ctx, cancel := context.WithCancel(context.Background())
	f := &Forwarder{cancel: cancel}
	for _, t := range targets {
		tgt, err := targetOf(t, st)
		if err != nil {
			log.Warn("forward: bad destination", "destination", t, "err", err)
			continue
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			run(ctx, log, tgt, open)
		}()
	}
	return f
}

// Stop ends every destination's push and waits for them.
func (f *Forwarder) Stop() {
	f.cancel()
	f.wg.Wait()
}

// targetOf turns a destination into a Target: host:port takes the
// stream's vhost, app and stream; an rtmp:// URL (from a backend) names
// everything.
func targetOf(dst string, st Stream) (upstream.Target, error) {
	if !strings.HasPrefix(dst, "rtmp://") {
		return upstream.Target{Server: withPort(dst), Vhost: st.Vhost, App: st.App, Stream: st.Stream, Param: st.Param}, nil
	}
	u, err := url.Parse(dst)
	if err != nil {
		return upstream.Target{}, err
	}
	path := strings.Trim(u.Path, "/")
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return upstream.Target{}, errors.New("forward: URL needs /app/stream")
	}
	t := upstream.Target{Server: withPort(u.Host), App: path[:i], Stream: path[i+1:]}
	if u.RawQuery != "" {
		t.Param = "?" + u.RawQuery
		t.Vhost = u.Query().Get("vhost")
	}
	return t, nil
}

// run pushes to one destination until ctx ends, reconnecting after Retry.
func run(ctx context.Context, log *slog.Logger, t upstream.Target, open Source) {
	for ctx.Err() == nil {
		err := Push(ctx, log, t, open)
		if ctx.Err() != nil {
			return
		}
		log.Warn("forward: destination failed, retrying", "to", t.String(), "err", err, "retry", Retry)
		select {
		case <-ctx.Done():
			return
		case <-time.After(Retry):
		}
	}
}

// Push publishes what open reads to t until ctx ends or either side fails,
// and says why it stopped.
func Push(ctx context.Context, log *slog.Logger, t upstream.Target, open Source) error {
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	p, err := upstream.DialPush(dialCtx, t)
	cancel()
	if err != nil {
		return err
	}
	defer p.Close()
	src, err := open(ctx)
	if err != nil {
		return fmt.Errorf("forward: read local stream: %w", err)
	}
	defer src.Close()
	// A destination that closes ends the reader too.
	stop := context.AfterFunc(ctx, func() { src.Close() })
	defer stop()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-p.Done():
			src.Close()
		case <-done:
		}
	}()
	log.Info("forward: pushing", "to", t.String(), "server", p.Server())
	for {
		tag, err := src.ReadTag(ctx)
		if err != nil {
			if perr := p.Err(); perr != nil {
				return perr
			}
			return err
		}
		if err := p.WriteTag(tag.Type, tag.Timestamp, tag.Payload); err != nil {
			return err
		}
	}
}
