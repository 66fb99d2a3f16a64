// Package server is cascade: the RTMP and HTTP listeners, the per-connection
// protocol state machines and the live core they share, configured as SRS.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
)

// Version is the server's version, reported by -v and the HTTP API.
const Version = "0.1.0"

// Server is a running cascade.
type Server struct {
	log *slog.Logger
	reg *live.Registry
	eng *netpoll.Engine

	state atomic.Pointer[state]

	// Timeouts for peers that stall before they are served; tests shorten them.
	HandshakeTimeout   time.Duration // RTMP handshake
	ConnectTimeout     time.Duration // RTMP connect after the handshake
	RequestHeadTimeout time.Duration // an HTTP request head
	IdleTimeout        time.Duration // an idle keep-alive HTTP connection

	mu        sync.Mutex
	rtmpLns   []net.Listener
	httpLns   []net.Listener
	closed    bool
	startedAt time.Time
}

// state is one loaded configuration with what is derived from it, swapped
// atomically on reload.
type state struct {
	cfg   *config.Config
	lives map[string]*live.Config // by vhost name
}

func newState(cfg *config.Config) *state {
	st := &state{cfg: cfg, lives: make(map[string]*live.Config)}
	for name, v := range cfg.Vhosts {
		st.lives[name] = liveConfig(cfg, v)
	}
	return st
}

// live returns the live core's configuration of vhost v.
func (st *state) live(v *config.Vhost) *live.Config {
	if lc := st.lives[v.Name]; lc != nil {
		return lc
	}
	return liveConfig(st.cfg, v)
}

func liveConfig(cfg *config.Config, v *config.Vhost) *live.Config {
	p := v.Play
	lc := &live.Config{
		GopCache:          p.GopCache,
		GopCacheMaxFrames: p.GopCacheMaxFrames,
		QueueLength:       p.QueueLength,
		MwLatency:         p.MwLatency,
		MwMsgs:            p.MwMsgs,
		MinLatency:        v.MinLatency,
		TimeJitter:        live.ParseJitter(p.TimeJitter),
		ChunkSize:         cfg.ChunkSize,
	}
	if v.ChunkSize > 0 {
		lc.ChunkSize = v.ChunkSize
	}
	if lc.QueueLength <= 0 {
		lc.QueueLength = 10 * time.Second
	}
	return lc
}

// New prepares a server for cfg; Start opens its listeners.
func New(cfg *config.Config, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{log: log, reg: live.NewRegistry(),
		HandshakeTimeout: 10 * time.Second, ConnectTimeout: 30 * time.Second,
		RequestHeadTimeout: 15 * time.Second, IdleTimeout: 60 * time.Second}
	s.state.Store(newState(cfg))
	eng, err := netpoll.New(netpoll.Options{
		MaxConnections: cfg.MaxConnections,
		TCPNoDelay:     anyNoDelay(cfg),
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	s.eng = eng
	return s, nil
}

// anyNoDelay: tcp_nodelay is per vhost in SRS but a socket option here, set
// when the connection opens; on when any vhost asks for it.
func anyNoDelay(cfg *config.Config) bool {
	for _, v := range cfg.Vhosts {
		if v.TCPNoDelay {
			return true
		}
	}
	return false
}

// Config returns the configuration in force.
func (s *Server) Config() *config.Config { return s.state.Load().cfg }

// Registry returns the live core's sources.
func (s *Server) Registry() *live.Registry { return s.reg }

// Engine returns the event loops.
func (s *Server) Engine() *netpoll.Engine { return s.eng }

// Start opens the listeners and runs the event loops.
func (s *Server) Start() error {
	cfg := s.Config()
	if err := s.eng.Start(); err != nil {
		return err
	}
	s.startedAt = time.Now()
	for _, addr := range cfg.Listen {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.Close()
			return fmt.Errorf("server: rtmp listen %s: %w", addr, err)
		}
		s.rtmpLns = append(s.rtmpLns, ln)
		s.log.Info("rtmp listening", "addr", ln.Addr().String())
		s.eng.Serve(ln, "rtmp", s.newRTMPSession)
	}
	if cfg.HTTPServer.Enabled {
		for _, addr := range cfg.HTTPServer.Listen {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				s.Close()
				return fmt.Errorf("server: http listen %s: %w", addr, err)
			}
			s.httpLns = append(s.httpLns, ln)
			s.log.Info("http listening", "addr", ln.Addr().String())
			s.eng.Serve(ln, "http", s.newHTTPSession)
		}
	}
	return nil
}

// RTMPAddr is the first RTMP listener's address (useful with port 0).
func (s *Server) RTMPAddr() net.Addr { return firstAddr(s.rtmpLns) }

// HTTPAddr is the first HTTP listener's address.
func (s *Server) HTTPAddr() net.Addr { return firstAddr(s.httpLns) }

func firstAddr(lns []net.Listener) net.Addr {
	if len(lns) == 0 {
		return nil
	}
	return lns[0].Addr()
}

// Close stops at once: listeners and connections close.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	return s.eng.Stop()
}

// Shutdown stops gracefully: listeners close, publishers are told to stop,
// what was queued for players is written, then connections close (or ctx
// ends and the rest are closed).
func (s *Server) Shutdown(ctx context.Context) error {
	for _, ln := range append(append([]net.Listener(nil), s.rtmpLns...), s.httpLns...) {
		_ = ln.Close()
	}
	// Let players drain what they hold, then close every connection.
	deadline := time.Now().Add(2 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for time.Now().Before(deadline) && s.pendingBytes() > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	err := s.Close()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	return err
}

// pendingBytes is what players still have queued, across loops.
func (s *Server) pendingBytes() int {
	var total atomic.Int64
	s.eng.Each(func(l *live.Loop) { total.Add(int64(l.PendingBytes())) })
	return int(total.Load())
}
