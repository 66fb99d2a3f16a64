package edge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/caster/rtsp"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/live"
)

// RTSP pull defaults.
const (
	DefaultRTSPIdleTimeout = 10 * time.Second
	DefaultRTSPTimeout     = 5 * time.Second
	// rtspRetryDelay spaces the reconnections of a pull whose camera went
	// away after it had worked.
	rtspRetryDelay = time.Second
)

// RTSPConfig is a vhost's rtsp_pull block, cascade's own:
//
//	rtsp_pull {
//	    enabled      on;
//	    url          rtsp://camera.lan/[app]/[stream];  # [vhost], [app], [stream]
//	    idle_timeout 10;   # seconds the pull outlives its last player
//	    timeout      5;    # seconds to reach the camera (DESCRIBE to PLAY)
//	    transport    tcp;  # tcp, or auto: UDP first, then TCP
//	}
//
// A player (RTMP, HTTP-FLV, or an HLS playlist request) of a stream nobody
// publishes starts one pull of the camera's URL, shared by every later
// player; it stops idle_timeout after the last player left. A camera that
// cannot be reached within timeout ends the stream's players with one log
// line.
type RTSPConfig struct {
	Enabled     bool
	URL         string
	IdleTimeout time.Duration
	Timeout     time.Duration
	TCP         bool
}

// ParseRTSPConfig reads a vhost's rtsp_pull block (nil or off: none).
func ParseRTSPConfig(d *config.Directive) (RTSPConfig, error) {
	c := RTSPConfig{IdleTimeout: DefaultRTSPIdleTimeout, Timeout: DefaultRTSPTimeout, TCP: true}
	if d == nil || d.Get("enabled").Arg0() != "on" {
		return c, nil
	}
	c.Enabled = true
	c.URL = d.Get("url").Arg0()
	if !strings.HasPrefix(c.URL, "rtsp://") && !strings.HasPrefix(c.URL, "rtsps://") {
		return c, badDirective(cmp.Or(d.Get("url"), d), "url %q: want rtsp:// or rtsps://", c.URL)
	}
	for _, f := range []struct {
		name string
		to   *time.Duration
	}{{"idle_timeout", &c.IdleTimeout}, {"timeout", &c.Timeout}} {
		if v := d.Get(f.name); v != nil {
			n, err := strconv.ParseFloat(v.Arg0(), 64)
			if err != nil || n <= 0 || n > 3600 {
				return c, badDirective(v, "%s %q: want seconds, > 0 and ≤ 3600", f.name, v.Arg0())
			}
			*f.to = time.Duration(n * float64(time.Second))
		}
	}
	switch t := d.Get("transport").Arg0(); t {
	case "", "tcp":
	case "auto":
		c.TCP = false
	default:
		return c, badDirective(d.Get("transport"), "transport %q: want tcp or auto", t)
	}
	return c, nil
}

// badDirective is an error of rtsp_pull naming where d is.
func badDirective(d *config.Directive, format string, args ...any) error {
	return fmt.Errorf("%s:%d: rtsp_pull: %s", d.File, d.Line, fmt.Sprintf(format, args...))
}

// CameraURL is the URL st is pulled from.
func (c RTSPConfig) CameraURL(st Stream) string {
	return strings.NewReplacer("[vhost]", st.Vhost, "[app]", st.App, "[stream]", st.Stream).Replace(c.URL)
}

// PullRTSP starts pulling st from its camera (unless a pull runs).
func (e *Edge) PullRTSP(st Stream, cfg RTSPConfig) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.startLocked(&pull{st: st, rtsp: cfg, proto: "rtsp", stopDelay: cfg.IdleTimeout}, e.runRTSP)
}

// HoldRTSP starts pulling st (unless a pull runs) and keeps the pull for
// at least d from now: an HLS player has no connection to watch, so each
// of its playlist requests holds the pull for a while.
func (e *Edge) HoldRTSP(st Stream, cfg RTSPConfig, d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.startLocked(&pull{st: st, rtsp: cfg, proto: "rtsp", stopDelay: cfg.IdleTimeout}, e.runRTSP)
	p.callOffStop()
	e.stopLaterLocked(p, max(d, p.stopDelay))
}

// runRTSP pulls p's camera until ctx ends. A camera that drops a pull that
// worked is reconnected; one that cannot be reached ends the players.
func (e *Edge) runRTSP(ctx context.Context, p *pull) {
	u := p.rtsp.CameraURL(p.st)
	shown := rtsp.Redact(u)
	p.mu.Lock()
	p.upstream = shown
	p.mu.Unlock()
	for {
		h := &publishWatch{Host: e.host.Sessions()}
		req := session.Request{Proto: "rtsp-pull", RemoteAddr: "127.0.0.1:0", Vhost: p.st.Vhost, App: p.st.App, Stream: p.st.Stream}
		err := rtsp.Pull(ctx, u, h, req, rtsp.PullOptions{TCP: p.rtsp.TCP, ConnectTimeout: p.rtsp.Timeout}, e.log)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, live.ErrPublishBusy) {
			e.log.Info("rtsp pull: an encoder publishes the stream; not pulled", "stream", p.st.Key())
			return
		}
		if !h.published.Load() {
			e.log.Warn("rtsp pull: camera unreachable, ending the stream's players", "stream", p.st.Key(), "url", shown, "err", err)
			e.host.DropPlayers(p.st)
			return
		}
		e.log.Warn("rtsp pull: camera stream ended, reconnecting", "stream", p.st.Key(), "url", shown, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(rtspRetryDelay):
		}
	}
}

// publishWatch notes whether a pull got as far as publishing.
type publishWatch struct {
	session.Host
	published atomic.Bool
}

func (h *publishWatch) Publish(ctx context.Context, req session.Request) (session.Publisher, error) {
	pub, err := h.Host.Publish(ctx, req)
	if err == nil {
		h.published.Store(true)
	}
	return pub, err
}
