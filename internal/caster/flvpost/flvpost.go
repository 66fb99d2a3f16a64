// Package flvpost is the flv stream caster: encoders publish by POSTing an
// FLV stream, chunked or with a Content-Length, to
// http://host:port/app/stream.flv[?params] (ffmpeg -method POST -f flv).
// The body is parsed incrementally as it arrives and published as the
// caster's output with [app] and [stream] from the path.
package flvpost

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/caster"
	"github.com/cascade-live/cascade/internal/session"
)

// Defaults.
const (
	DefaultFirstTagTimeout = 20 * time.Second // SRS firstpkt_timeout
	DefaultIdleTimeout     = 5 * time.Second  // SRS normal_timeout
	DefaultMaxTagSize      = 8 << 20
	readSize               = 64 << 10
)

// Config is one flv caster.
type Config struct {
	Listen          string // "ip:port" or ":port"
	Output          string // rtmp://host/[app]/[stream]
	FirstTagTimeout time.Duration
	IdleTimeout     time.Duration
	MaxTagSize      int
	MaxConnections  int // connections open at once; 0: no limit
}

// Caster serves one HTTP listener.
type Caster struct {
	cfg  Config
	host session.Host
	log  *slog.Logger
	ln   net.Listener
	srv  *http.Server
}

// Listen opens the caster's TCP listener; Start serves it.
func Listen(cfg Config, host session.Host, log *slog.Logger) (*Caster, error) {
	if cfg.FirstTagTimeout <= 0 {
		cfg.FirstTagTimeout = DefaultFirstTagTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxTagSize <= 0 {
		cfg.MaxTagSize = DefaultMaxTagSize
	}
	if _, err := caster.Target(cfg.Output, "app", "stream", ""); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("flvpost: listen %s: %w", cfg.Listen, err)
	}
	c := &Caster{cfg: cfg, host: host, ln: ln,
		log: log.With("caster", "flv", "listen", ln.Addr().String())}
	c.srv = &http.Server{
		Handler:           c,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(c.log.Handler(), slog.LevelDebug),
	}
	return c, nil
}

// Addr is the listener's address.
func (c *Caster) Addr() net.Addr { return c.ln.Addr() }

// Start serves on a goroutine until Close.
func (c *Caster) Start() {
	ln := caster.LimitListener(c.ln, c.cfg.MaxConnections, c.log)
	go func() { _ = c.srv.Serve(ln) }()
}

// Close closes the listener and every publish. The listener is closed here
// too, in case Serve has not started yet.
func (c *Caster) Close() error {
	_ = c.ln.Close()
	return c.srv.Close()
}

// ServeHTTP publishes one POSTed FLV stream.
func (c *Caster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an FLV stream", http.StatusMethodNotAllowed)
		return
	}
	app, stream, ok := caster.SplitPath(r.URL.Path)
	if !ok || !strings.HasSuffix(r.URL.Path, ".flv") {
		http.Error(w, "want /app/stream.flv", http.StatusNotFound)
		return
	}
	param := ""
	if r.URL.RawQuery != "" {
		param = "?" + r.URL.RawQuery
	}
	req, err := caster.Target(c.cfg.Output, app, stream, param)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req.Proto, req.RemoteAddr = "flv-post", r.RemoteAddr
	log := c.log.With("from", r.RemoteAddr, "stream", req.App+"/"+req.Stream)
	pub, err := c.host.Publish(r.Context(), req)
	if err != nil {
		log.Warn("flv-post publish refused", "err", err)
		code := http.StatusServiceUnavailable
		if errors.Is(err, session.ErrRejected) {
			code = http.StatusForbidden
		}
		http.Error(w, "publish refused", code)
		return
	}
	log.Info("flv-post publish")
	tags, n, err := c.receive(w, r, pub)
	_ = pub.Close()
	log.Info("flv-post unpublish", "tags", tags, "bytes", n, "why", err)
	if errors.Is(err, io.EOF) {
		w.WriteHeader(http.StatusOK)
		return
	}
	// Not all of the body was read: answer and close rather than drain it
	// (net/http would wait for the rest of a chunked body).
	w.Header().Set("Connection", "close")
	http.Error(w, "publish ended", http.StatusBadRequest)
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// receive reads the body into pub until it ends (io.EOF), fails, times
// out or the server ends pub, and returns the tags and bytes read.
func (c *Caster) receive(w http.ResponseWriter, r *http.Request, pub session.Publisher) (tags int, n int64, err error) {
	// A blocked read is woken by moving the connection's read deadline.
	rc := http.NewResponseController(w)
	watch := caster.NewWatch(pub, c.cfg.FirstTagTimeout, c.cfg.IdleTimeout, func() { _ = rc.SetReadDeadline(time.Now()) })
	defer watch.Close()
	p := flv.Parser{MaxDataSize: c.cfg.MaxTagSize}
	write := func(t *flv.Tag) error {
		tags++
		return pub.WriteTag(t.Type, t.Timestamp, t.Data)
	}
	buf := make([]byte, readSize)
	for {
		m, rerr := r.Body.Read(buf)
		n += int64(m)
		if m > 0 {
			before := tags
			if err := p.Feed(buf[:m], write); err != nil {
				return tags, n, err
			}
			if tags > before {
				watch.Media()
			}
		}
		if err := watch.Err(); err != nil {
			return tags, n, err
		}
		if rerr == io.EOF {
			return tags, n, cmp.Or(p.Close(), io.EOF)
		}
		if rerr != nil {
			return tags, n, rerr
		}
	}
}
