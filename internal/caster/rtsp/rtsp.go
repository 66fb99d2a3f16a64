// Package rtsp is the rtsp stream caster: encoders and cameras push with
// ANNOUNCE/SETUP/RECORD (RTP interleaved over TCP or over UDP) to
// rtsp://host:port/app/stream[.sdp][?params], published as the caster's
// output with [app] and [stream] from the path. H.264 (FU-A, STAP-A,
// parameter sets from the SDP and from the stream), H.265, AAC (RFC 3640)
// and MPEG audio are taken. Pull (a camera's URL read natively) is Pull.
//
// RTSP, RTP and SDP are github.com/bluenviron/gortsplib/v4's. Its
// goroutines decode packets and hand frames to the publisher; the live
// core's fan-out runs on its own loops.
//
// Authentication is decided by on_publish: a publish it refuses without
// credentials is answered 401 with Basic and Digest challenges; a client's
// credentials then reach on_publish in the param as rtsp_user and
// rtsp_authorization (the Authorization header, which a Digest checker
// verifies with the password it knows and method ANNOUNCE), and a refusal
// with credentials closes the connection.
package rtsp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/headers"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
	"github.com/pion/rtp"

	"github.com/cascade-live/cascade/internal/caster"
	"github.com/cascade-live/cascade/internal/caster/flvconv"
	"github.com/cascade-live/cascade/internal/session"
)

// Defaults.
const (
	DefaultFirstTagTimeout = 20 * time.Second
	DefaultIdleTimeout     = 10 * time.Second
)

// Config is one rtsp caster.
type Config struct {
	Listen          string // "ip:port" of RTSP (TCP)
	Output          string // rtmp://host/[app]/[stream]
	RTPPort         int    // UDP port of RTP (RTCP on the next); 0: TCP only
	FirstTagTimeout time.Duration
	IdleTimeout     time.Duration
	MaxConnections  int // RTSP connections open at once; 0: no limit
}

// Caster serves one RTSP listener.
type Caster struct {
	cfg  Config
	host session.Host
	log  *slog.Logger
	srv  *gortsplib.Server
	ln   net.Listener
	ctx  context.Context
	stop context.CancelFunc

	mu       sync.Mutex
	sessions map[*gortsplib.ServerSession]*push
	conns    map[*gortsplib.ServerConn]*connState
}

// connState guards a connection until it records: gortsplib sets no read
// deadline before RECORD, so a client that never gets there (garbage, a
// stalled request) is closed after FirstTagTimeout.
type connState struct {
	timer     *time.Timer
	recording bool
}

// push is one publishing session.
type push struct {
	mu     sync.Mutex // gortsplib may call from several goroutines
	pub    session.Publisher
	conv   *flvconv.Converter
	tracks []track
	watch  *caster.Watch
	log    *slog.Logger
	tags   int
	errs   int
	// hasVideo: the session has a video track (audio waits for its first
	// keyframe).
	hasVideo bool
}

// Listen opens the caster's RTSP (and RTP/RTCP) sockets.
func Listen(cfg Config, host session.Host, log *slog.Logger) (*Caster, error) {
	if cfg.FirstTagTimeout <= 0 {
		cfg.FirstTagTimeout = DefaultFirstTagTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if _, err := caster.Target(cfg.Output, "app", "stream", ""); err != nil {
		return nil, err
	}
	c := &Caster{cfg: cfg, host: host, sessions: map[*gortsplib.ServerSession]*push{}, conns: map[*gortsplib.ServerConn]*connState{}}
	c.log = log.With("caster", "rtsp", "listen", cfg.Listen)
	c.srv = &gortsplib.Server{Handler: c, RTSPAddress: cfg.Listen, ReadTimeout: cfg.IdleTimeout,
		Listen: func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err != nil {
				return nil, err
			}
			c.ln = ln // for Addr, with port 0
			return caster.LimitListener(ln, cfg.MaxConnections, c.log), nil
		}}
	if cfg.RTPPort > 0 {
		host, _, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("rtsp: listen %q: %w", cfg.Listen, err)
		}
		c.srv.UDPRTPAddress = net.JoinHostPort(host, strconv.Itoa(cfg.RTPPort))
		c.srv.UDPRTCPAddress = net.JoinHostPort(host, strconv.Itoa(cfg.RTPPort+1))
	}
	c.ctx, c.stop = context.WithCancel(context.Background())
	if err := c.srv.Start(); err != nil {
		return nil, fmt.Errorf("rtsp: listen %s: %w", cfg.Listen, err)
	}
	return c, nil
}

// Addr is the RTSP listener's address.
func (c *Caster) Addr() net.Addr { return c.ln.Addr() }

// Close stops the caster and its publishes.
func (c *Caster) Close() error {
	c.stop()
	c.srv.Close()
	return nil
}

// OnConnOpen starts the connection's guard.
func (c *Caster) OnConnOpen(ctx *gortsplib.ServerHandlerOnConnOpenCtx) {
	conn := ctx.Conn
	st := &connState{}
	c.mu.Lock()
	c.conns[conn] = st
	c.mu.Unlock()
	st.timer = time.AfterFunc(c.cfg.FirstTagTimeout, func() {
		c.mu.Lock()
		recording := st.recording
		c.mu.Unlock()
		if !recording {
			c.log.Warn("rtsp: no RECORD in time; closing", "from", conn.NetConn().RemoteAddr().String())
			conn.Close()
		}
	})
}

// OnConnClose logs why a connection ended: one line per client.
func (c *Caster) OnConnClose(ctx *gortsplib.ServerHandlerOnConnCloseCtx) {
	c.mu.Lock()
	if st := c.conns[ctx.Conn]; st != nil {
		st.timer.Stop()
	}
	delete(c.conns, ctx.Conn)
	c.mu.Unlock()
	c.log.Info("rtsp conn closed", "from", ctx.Conn.NetConn().RemoteAddr().String(), "why", ctx.Error)
}

// OnSessionClose unpublishes.
func (c *Caster) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	c.mu.Lock()
	p := c.sessions[ctx.Session]
	delete(c.sessions, ctx.Session)
	c.mu.Unlock()
	if p == nil {
		return
	}
	p.watch.Close()
	why := ctx.Error
	if err := p.watch.Err(); err != nil {
		why = err
	}
	_ = p.pub.Close()
	p.log.Info("rtsp unpublish", "tags", p.tags, "dropped", p.errs, "why", why)
}

// OnPacketsLost counts RTP sequence gaps as the publisher's loss.
func (c *Caster) OnPacketsLost(ctx *gortsplib.ServerHandlerOnPacketsLostCtx) {
	c.mu.Lock()
	p := c.sessions[ctx.Session]
	c.mu.Unlock()
	if p != nil {
		p.pub.CountLost(ctx.Lost)
	}
}

// OnDescribe refuses: this caster takes pushes only.
func (c *Caster) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusNotFound}, nil, errors.New("rtsp: the caster takes ANNOUNCE/RECORD only")
}

// OnAnnounce admits the publish through the host (on_publish) and prepares
// the tracks of its SDP.
func (c *Caster) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	from := ctx.Conn.NetConn().RemoteAddr().String()
	app, stream, ok := caster.SplitPath("/" + strings.TrimPrefix(ctx.Path, "/"))
	if !ok {
		return &base.Response{StatusCode: base.StatusBadRequest}, fmt.Errorf("rtsp: path %q names no app/stream", ctx.Path)
	}
	param := ctx.Query
	user, authz := credentials(ctx.Request)
	if authz != "" {
		param = strings.TrimPrefix(param+"&rtsp_user="+url.QueryEscape(user)+"&rtsp_authorization="+url.QueryEscape(authz), "&")
	}
	if param != "" {
		param = "?" + param
	}
	req, err := caster.Target(c.cfg.Output, app, stream, param)
	if err != nil {
		return &base.Response{StatusCode: base.StatusBadRequest}, err
	}
	req.Proto, req.RemoteAddr = "rtsp", from
	log := c.log.With("from", from, "stream", req.App+"/"+req.Stream)

	p := &push{log: log}
	p.conv = flvconv.New(&tagCounter{p: p})
	err = p.setTracks(ctx.Description)
	if err != nil {
		log.Warn("rtsp announce refused", "err", err)
		return &base.Response{StatusCode: base.StatusUnsupportedMediaType}, err
	}
	pub, err := c.host.Publish(c.ctx, req)
	if err != nil {
		log.Warn("rtsp publish refused", "err", err)
		if !errors.Is(err, session.ErrRejected) {
			return &base.Response{StatusCode: base.StatusServiceUnavailable}, err
		}
		if authz == "" {
			// Ask for credentials: gortsplib adds the challenges. Its
			// Digest nonce is made by VerifyCredentials, which no user
			// passes.
			ctx.Conn.VerifyCredentials(ctx.Request, "\x00", "")
		}
		return &base.Response{StatusCode: base.StatusUnauthorized}, liberrors.ErrServerAuth{}
	}
	p.pub = pub
	sess := ctx.Session
	p.watch = caster.NewWatch(pub, c.cfg.FirstTagTimeout, c.cfg.IdleTimeout, sess.Close)
	c.mu.Lock()
	c.sessions[sess] = p
	c.mu.Unlock()
	log.Info("rtsp publish", "tracks", len(p.tracks))
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// credentials returns the user and the Authorization header of req, if any.
func credentials(req *base.Request) (user, authz string) {
	v, ok := req.Header["Authorization"]
	if !ok || len(v) == 0 {
		return "", ""
	}
	var h headers.Authorization
	if err := h.Unmarshal(v); err == nil {
		user = h.Username
		if h.Method == headers.AuthMethodBasic {
			user = h.BasicUser
		}
	}
	return user, v[0]
}

// OnSetup accepts the tracks of an announced session.
func (c *Caster) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	c.mu.Lock()
	_, ok := c.sessions[ctx.Session]
	c.mu.Unlock()
	if !ok {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, errors.New("rtsp: SETUP without ANNOUNCE")
	}
	return &base.Response{StatusCode: base.StatusOK}, nil, nil
}

// OnRecord starts taking the session's packets.
func (c *Caster) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	c.mu.Lock()
	p := c.sessions[ctx.Session]
	if st := c.conns[ctx.Conn]; st != nil && p != nil {
		st.recording = true
	}
	c.mu.Unlock()
	if p == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, errors.New("rtsp: RECORD without ANNOUNCE")
	}
	sess := ctx.Session
	for _, tr := range p.tracks {
		tr := tr
		sess.OnPacketRTP(tr.media, tr.format, func(pkt *rtp.Packet) {
			if pts, ok := sess.PacketPTS2(tr.media, pkt); ok {
				p.packet(tr, pkt, pts, sess.Close)
			}
		})
	}
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// setTracks takes the tracks of desc.
func (p *push) setTracks(desc *description.Session) error {
	var err error
	if p.tracks, err = tracks(desc, p.conv); err != nil {
		return err
	}
	for _, tr := range p.tracks {
		p.hasVideo = p.hasVideo || tr.media.Type == description.MediaTypeVideo
	}
	return nil
}

// packet decodes one RTP packet of tr at pts; end ends the session (from
// another goroutine: gortsplib's Close must not run inside its callback).
func (p *push) packet(tr track, pkt *rtp.Packet, pts int64, end func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer func() {
		if r := recover(); r != nil { // a bug must not take the server down
			p.log.Error("rtsp: panic decoding a packet; closing", "panic", r)
			go end()
		}
	}()
	if p.hasVideo && tr.media.Type != description.MediaTypeVideo && !p.conv.VideoStarted() {
		// A stream with video starts at its first keyframe, audio too:
		// players and HLS then see both tracks from the start.
		return
	}
	err := tr.decode(p.conv, pkt, pts)
	switch {
	case errors.Is(err, session.ErrClosed):
		go end()
	case err != nil:
		if p.errs == 0 {
			p.log.Warn("rtsp: dropping bad packets", "err", err)
		}
		p.errs++
	}
}

// tagCounter writes a push's tags to its publisher, counting them and
// telling the watch that media flows.
type tagCounter struct{ p *push }

func (t *tagCounter) WriteTag(typ uint8, ts uint32, b []byte) error {
	t.p.tags++
	t.p.watch.Media()
	return t.p.pub.WriteTag(typ, ts, b)
}
