// Package srt is the SRT server (srt_server): encoders publish MPEG-TS over
// SRT and players read it back, with SRS's streamid conventions (see
// ParseStreamID).
//
// The SRT stack is github.com/datarhei/gosrt. Admission (on_publish,
// on_play, security) runs before the handshake is answered, so a refused
// caller gets an SRT rejection (1403) rather than a connection that drops.
// gosrt's goroutines deliver packets to one goroutine per connection here,
// which feeds the publisher; nothing of it runs on the fan-out path.
package srt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	gosrt "github.com/datarhei/gosrt"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/caster"
	"github.com/cascade-live/cascade/internal/caster/flvconv"
	"github.com/cascade-live/cascade/internal/session"
)

// Defaults.
const (
	DefaultFirstTagTimeout = 20 * time.Second // a publisher that sends no media is closed
	DefaultIdleTimeout     = 10 * time.Second // a publisher that stops is closed
	maxPending             = 64               // handshakes being admitted at once
	chunk                  = 7 * 188          // TS bytes per SRT packet for players
)

// Server is one SRT listener.
type Server struct {
	cfg  config.SRTServer
	host session.Host
	log  *slog.Logger
	ln   gosrt.Listener

	// Timeouts of publishers; tests shorten them.
	FirstTagTimeout time.Duration
	IdleTimeout     time.Duration

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	pending chan struct{}

	mu    sync.Mutex
	conns map[gosrt.Conn]struct{}
}

// Listen opens the SRT listener at addr ("ip:port") with cfg's options.
func Listen(addr string, cfg config.SRTServer, host session.Host, log *slog.Logger) (*Server, error) {
	c := gosrt.DefaultConfig()
	c.ReceiverLatency = cfg.RecvLatency
	c.PeerLatency = cfg.PeerLatency
	c.TSBPDMode = cfg.TSBPDMode
	c.TooLatePacketDrop = cfg.TLPktDrop
	c.MaxBW = cfg.MaxBW
	if cfg.MSS > 0 {
		c.MSS = uint32(cfg.MSS)
	}
	if cfg.PayloadSize > 0 {
		c.PayloadSize = uint32(cfg.PayloadSize)
	}
	if cfg.ConnectTimeout > 0 {
		c.ConnectionTimeout = cfg.ConnectTimeout
	}
	if cfg.PeerIdleTimeout > 0 {
		c.PeerIdleTimeout = cfg.PeerIdleTimeout
	}
	if cfg.Passphrase != "" {
		c.Passphrase = cfg.Passphrase
		if cfg.PBKeyLen > 0 {
			c.PBKeylen = cfg.PBKeyLen
		}
	}
	ln, err := gosrt.Listen("srt", addr, c)
	if err != nil {
		return nil, fmt.Errorf("srt: listen %s: %w", addr, err)
	}
	s := &Server{cfg: cfg, host: host, ln: ln,
		log:             log.With("server", "srt", "listen", ln.Addr().String()),
		FirstTagTimeout: DefaultFirstTagTimeout, IdleTimeout: DefaultIdleTimeout,
		pending: make(chan struct{}, maxPending), conns: map[gosrt.Conn]struct{}{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Addr is the listener's UDP address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Start accepts connections on a goroutine until Close.
func (s *Server) Start() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			req, err := s.ln.Accept2()
			if err != nil {
				if !errors.Is(err, gosrt.ErrListenerClosed) && s.ctx.Err() == nil {
					s.log.Error("srt accept", "err", err)
				}
				return
			}
			select {
			case s.pending <- struct{}{}:
			default:
				s.log.Warn("srt: too many handshakes in admission; rejected", "from", req.RemoteAddr().String())
				req.Reject(gosrt.REJ_BACKLOG)
				continue
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.handle(req)
			}()
		}
	}()
}

// Close closes the listener and every connection.
func (s *Server) Close() error {
	s.cancel()
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) track(c gosrt.Conn, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
}

// handle admits one handshake and serves the connection.
func (s *Server) handle(req gosrt.ConnRequest) {
	from := req.RemoteAddr().String()
	defer func() {
		if r := recover(); r != nil { // a bug must not take the server down
			s.log.Error("srt: panic serving a connection", "from", from, "panic", r)
		}
	}()
	sid := req.StreamId()
	if sid == "" {
		sid = s.cfg.DefaultStreamID
	}
	id, err := ParseStreamID(sid, s.cfg.DefaultApp, s.cfg.DefaultMode)
	if err != nil {
		<-s.pending
		s.log.Warn("srt: bad streamid; rejected", "from", from, "err", err)
		req.Reject(gosrt.REJX_BAD_REQUEST)
		return
	}
	if req.IsEncrypted() {
		if err := req.SetPassphrase(s.cfg.Passphrase); err != nil {
			<-s.pending
			s.log.Warn("srt: wrong passphrase; rejected", "from", from)
			req.Reject(gosrt.REJ_BADSECRET)
			return
		}
	}
	r := session.Request{Proto: "srt", RemoteAddr: from, Vhost: id.Vhost, App: id.App, Stream: id.Stream, Param: id.Param}
	if r.Vhost != "" {
		r.TcURL = "srt://" + r.Vhost + "/" + r.App
	}
	log := s.log.With("from", from, "stream", id.App+"/"+id.Stream, "mode", id.Mode)
	var pub session.Publisher
	var player session.TSPlayer
	if id.Mode == ModePublish {
		pub, err = s.host.Publish(s.ctx, r)
	} else {
		r.Proto = "srt-play"
		player, err = s.host.PlayTS(s.ctx, r)
	}
	<-s.pending
	if err != nil {
		reason := gosrt.REJX_FORBIDDEN
		if !errors.Is(err, session.ErrRejected) {
			reason = gosrt.REJX_CONFLICT
		}
		log.Warn("srt: refused", "err", err)
		req.Reject(reason)
		return
	}
	conn, err := req.Accept()
	if err != nil {
		log.Warn("srt: accept", "err", err)
		if pub != nil {
			_ = pub.Close()
		} else {
			_ = player.Close()
		}
		return
	}
	s.track(conn, true)
	defer s.track(conn, false)
	defer conn.Close()
	if pub != nil {
		log.Info("srt publish")
		n, err := s.publish(conn, pub)
		_ = pub.Close()
		log.Info("srt unpublish", "bytes", n, "why", err)
		return
	}
	log.Info("srt play")
	n, err := s.play(conn, player)
	_ = player.Close()
	log.Info("srt play ended", "bytes", n, "why", err)
}

// publish reads MPEG-TS from conn into pub until either ends.
func (s *Server) publish(conn gosrt.Conn, pub session.Publisher) (int64, error) {
	// gosrt has no read deadlines: closing the connection wakes the read.
	watch := caster.NewWatch(pub, s.FirstTagTimeout, s.IdleTimeout, func() { _ = conn.Close() })
	defer watch.Close()
	counter := &tagCounter{w: pub}
	in := flvconv.NewTS(counter)
	buf := make([]byte, 1500)
	var n int64
	loss := lossCounter{conn: conn, pub: pub}
	defer loss.count()
	for {
		m, err := conn.Read(buf)
		n += int64(m)
		loss.tick()
		if m > 0 {
			before := counter.n
			if err := in.Feed(buf[:m]); err != nil {
				return n, err
			}
			if counter.n > before {
				watch.Media()
			}
		}
		if err != nil {
			return n, cmp.Or(watch.Err(), err)
		}
	}
}

// lossCounter tells a publisher of the packets gosrt found missing,
// about once a second.
type lossCounter struct {
	conn gosrt.Conn
	pub  session.Publisher
	told uint64
	next time.Time
}

func (l *lossCounter) tick() {
	if now := time.Now(); now.After(l.next) {
		l.next = now.Add(time.Second)
		l.count()
	}
}

func (l *lossCounter) count() {
	var st gosrt.Statistics
	l.conn.Stats(&st)
	if lost := st.Accumulated.PktRecvLoss; lost > l.told {
		l.pub.CountLost(lost - l.told)
		l.told = lost
	}
}

// tagCounter counts the tags written through it.
type tagCounter struct {
	w flvconv.TagWriter
	n int
}

func (c *tagCounter) WriteTag(typ uint8, t uint32, b []byte) error {
	c.n++
	return c.w.WriteTag(typ, t, b)
}

// play writes the player's stream to conn: the shared MPEG-TS form, seven
// TS packets to an SRT packet as SRT players expect.
func (s *Server) play(conn gosrt.Conn, player session.TSPlayer) (int64, error) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	// A closed connection ends the read of the player.
	go func() {
		b := make([]byte, 1500)
		for {
			if _, err := conn.Read(b); err != nil {
				cancel()
				return
			}
		}
	}()
	w := chunkWriter{w: conn}
	for {
		b, err := player.ReadTS(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return w.n, io.EOF
			}
			return w.n, err
		}
		if err := w.write(b); err != nil {
			return w.n, fmt.Errorf("srt: write (player too slow or gone): %w", err)
		}
	}
}

// chunkWriter writes a byte stream to w in chunk-byte writes, keeping the
// rest for the next.
type chunkWriter struct {
	w    io.Writer
	buf  [chunk]byte
	held int
	n    int64 // bytes written
}

func (c *chunkWriter) write(b []byte) error {
	if c.held > 0 {
		k := copy(c.buf[c.held:], b)
		c.held += k
		b = b[k:]
		if c.held < chunk {
			return nil
		}
		c.held = 0
		if err := c.send(c.buf[:]); err != nil {
			return err
		}
	}
	for ; len(b) >= chunk; b = b[chunk:] {
		if err := c.send(b[:chunk]); err != nil {
			return err
		}
	}
	c.held = copy(c.buf[:], b)
	return nil
}

func (c *chunkWriter) send(b []byte) error {
	if _, err := c.w.Write(b); err != nil {
		return err
	}
	c.n += int64(len(b))
	return nil
}
