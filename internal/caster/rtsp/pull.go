package rtsp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/pion/rtp"

	"github.com/cascade-live/cascade/internal/caster"
	"github.com/cascade-live/cascade/internal/caster/flvconv"
	"github.com/cascade-live/cascade/internal/session"
)

// PullOptions tune Pull.
type PullOptions struct {
	// TCP asks for RTP interleaved over the RTSP connection; otherwise
	// gortsplib tries UDP first and falls back to TCP.
	TCP bool
	// FirstTagTimeout and IdleTimeout end a pull whose source sends no
	// media (DefaultFirstTagTimeout, DefaultIdleTimeout when zero).
	FirstTagTimeout, IdleTimeout time.Duration
	// ConnectTimeout bounds DESCRIBE, SETUP, the publish and PLAY
	// together (30 s when zero).
	ConnectTimeout time.Duration
}

// maxConnectTimeout bounds DESCRIBE to PLAY when PullOptions say nothing.
const maxConnectTimeout = 30 * time.Second

var errConnectTimeout = errors.New("timed out")

// Pull reads the RTSP stream at rawURL (a camera: DESCRIBE, SETUP, PLAY)
// natively, without FFmpeg, and publishes it through host as req until ctx
// ends, the source stops or the server ends the publisher. It is what an
// ingest of an rtsp:// URL or an on-demand pull calls. The returned error
// says why it ended (nil when ctx ended it).
func Pull(ctx context.Context, rawURL string, host session.Host, req session.Request, opts PullOptions, log *slog.Logger) error {
	u, err := base.ParseURL(rawURL)
	if err != nil {
		return fmt.Errorf("rtsp: pull: %w", err)
	}
	shown := Redact(rawURL) // the camera's password stays out of logs and errors
	p := &push{log: log.With("pull", shown)}
	c := &gortsplib.Client{OnPacketsLost: p.countLost}
	if opts.TCP {
		tr := gortsplib.TransportTCP
		c.Transport = &tr
	}
	if err := c.Start(u.Scheme, u.Host); err != nil {
		return fmt.Errorf("rtsp: pull %s: %w", u.Host, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, c.Close)
	defer stop()
	var slow atomic.Bool
	connecting := time.AfterFunc(cmp.Or(opts.ConnectTimeout, maxConnectTimeout), func() { slow.Store(true); c.Close() })
	defer connecting.Stop()
	fail := func(what string, err error) error {
		if slow.Load() {
			err = fmt.Errorf("no answer within %v: %w", cmp.Or(opts.ConnectTimeout, maxConnectTimeout), err)
		}
		return fmt.Errorf("rtsp: pull %s: %s: %w", shown, what, err)
	}
	desc, _, err := c.Describe(u)
	if err != nil {
		return fail("describe", err)
	}
	p.conv = flvconv.New(&tagCounter{p: p})
	if err = p.setTracks(desc); err != nil {
		return fmt.Errorf("rtsp: pull %s: %w", shown, err)
	}
	for _, tr := range p.tracks {
		if _, err := c.Setup(desc.BaseURL, tr.media, 0, 0); err != nil {
			return fail("setup", err)
		}
	}
	if req.Proto == "" {
		req.Proto = "rtsp-pull"
	}
	pub, err := host.Publish(ctx, req)
	if err != nil {
		return fmt.Errorf("rtsp: pull %s: publish: %w", shown, err)
	}
	p.mu.Lock()
	p.pub = pub
	p.mu.Unlock()
	defer pub.Close()
	p.watch = caster.NewWatch(pub, cmp.Or(opts.FirstTagTimeout, DefaultFirstTagTimeout), cmp.Or(opts.IdleTimeout, DefaultIdleTimeout), c.Close)
	defer p.watch.Close()
	for _, tr := range p.tracks {
		c.OnPacketRTP(tr.media, tr.format, func(pkt *rtp.Packet) {
			if pts, ok := c.PacketPTS2(tr.media, pkt); ok {
				p.packet(tr, pkt, pts, c.Close)
			}
		})
	}
	if _, err := c.Play(nil); err != nil {
		return fail("play", err)
	}
	if !connecting.Stop() {
		return fail("play", errConnectTimeout)
	}
	p.log.Info("rtsp pull", "stream", req.App+"/"+req.Stream, "tracks", len(p.tracks))
	err = c.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log.Info("rtsp pull ended", "tags", p.tags, "dropped", p.errs, "why", cmp.Or(p.watch.Err(), err))
	if ctx.Err() != nil {
		return nil
	}
	return cmp.Or(p.watch.Err(), err)
}

// Redact returns rawURL with its password, if any, masked.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(bad URL)"
	}
	return u.Redacted()
}

// countLost counts RTP sequence gaps as the publisher's loss.
func (p *push) countLost(n uint64) {
	p.mu.Lock()
	pub := p.pub
	p.mu.Unlock()
	if pub != nil {
		pub.CountLost(n)
	}
}
