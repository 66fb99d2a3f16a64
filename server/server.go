// Package server is cascade: the RTMP and HTTP listeners, the per-connection
// protocol state machines and the live core they share, configured as SRS.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/dvr"
	"github.com/cascade-live/cascade/hds"
	"github.com/cascade-live/cascade/hls"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/admission"
	"github.com/cascade-live/cascade/internal/bandcheck"
	"github.com/cascade-live/cascade/internal/cid"
	"github.com/cascade-live/cascade/internal/console"
	"github.com/cascade-live/cascade/internal/diskpool"
	"github.com/cascade-live/cascade/internal/edge"
	"github.com/cascade-live/cascade/internal/events"
	"github.com/cascade-live/cascade/internal/ffmpeg"
	"github.com/cascade-live/cascade/internal/forward"
	"github.com/cascade-live/cascade/internal/hlsctx"
	"github.com/cascade-live/cascade/internal/httpconn"
	"github.com/cascade-live/cascade/internal/kafka"
	"github.com/cascade-live/cascade/internal/listen"
	"github.com/cascade-live/cascade/internal/supervise"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/metrics"
	"github.com/cascade-live/cascade/netpoll"
	"github.com/cascade-live/cascade/security"
)

// Version is the server's version, reported by -v and the HTTP API.
const Version = "0.1.0"

// diskWorkers is how many static file reads run at once, whatever the
// number of requests.
const diskWorkers = 4

// Server is a running cascade.
type Server struct {
	log *slog.Logger
	reg *live.Registry
	eng *netpoll.Engine

	state atomic.Pointer[state]

	// Timeouts for peers that stall before they are served; tests shorten them.
	HandshakeTimeout   time.Duration // RTMP handshake
	ConnectTimeout     time.Duration // RTMP connect after the handshake
	RequestHeadTimeout time.Duration // an HTTP request head (HTTP port, API, exporter)
	IdleTimeout        time.Duration // an idle keep-alive HTTP connection (HTTP port, API, exporter)
	KafkaStatsInterval time.Duration // per-stream stats events to Kafka; 10 s when 0
	KafkaOptions       kafka.Options // the producer's buffer and drop-log interval; ids and logger are set
	CallbackTimeout    time.Duration // each HTTP callback (0: hooks.DefaultTimeout); read by Start
	StopTimeout        time.Duration // how long Close waits for outputs to finish their files

	// MgmtConnections caps the connections the HTTP API and the exporter
	// each hold open; more are closed at once.
	MgmtConnections int

	serverID, serviceID string

	mu        sync.Mutex
	listeners []*listener
	closed    bool
	done      chan struct{}          // closed by Close
	memFiles  []httpconn.MemoryFiles // outputs' fresh files, served from memory
	hdsStore  *hds.Store
	hlsStore  *hls.Store
	sup       *supervise.Supervisor // every child process
	ff        *ffmpeg.Manager       // transcode, ingest, exec, snapshot
	disk      *diskpool.Pool        // opens and reads static files

	hooks        *hooks.Client       // created by Start
	admission    *admission.Admitter // created by Start
	events       events.Bus          // what happens to clients and streams, for the sinks
	eventCount   metrics.Counters    // the metrics sink's counts, by action
	casterLost   metrics.Counters    // media packets the casters' inputs lost, by client type
	outputs      sync.WaitGroup      // outputs that have not finished their files
	clients      sync.Map            // id → *clientInfo
	clientsTotal atomic.Uint64
	clientErrors atomic.Uint64
	streams      sync.Map // source id → *streamInfo (rates, outputs)
	provider     *provider
	hlsSessions  hlsctx.Sessions
	http         *httpconn.Server        // what the HTTP connections share; made by Start
	casters      casters                 // stream casters and SRT listeners
	mgmt         []*listener             // HTTP API and exporter
	sharedAPI    map[string]net.Listener // the API's side of an HTTP server port it shares, by address
	watching     bool
	startedAt    time.Time
	cluster      *cluster
	nextLoop     atomic.Uint32 // spreads off-loop players over the loops

	kafka       atomic.Pointer[kafka.Producer] // nil unless the kafka block is on
	kafkaStats  chan struct{}                  // closed when the producer's stats loop has ended
	bandLimiter bandcheck.Limiter              // one bandwidth check per client IP per interval
}

// state is one loaded configuration with what is derived from it, swapped
// atomically on reload: the event loops never see half of a reload.
type state struct {
	cfg    *config.Config
	vhosts map[string]*vhostState // by vhost name
	ops    opsConfig
	ff     *ffmpeg.Config
}

// vhostState is a vhost's configuration, parsed once per load.
type vhostState struct {
	live    *live.Config
	policy  admission.Policy // security, refer and http_hooks
	dvr     dvr.Config
	hds     hds.Config
	hls     hls.Config
	cluster edge.Config
	rtsp    edge.RTSPConfig // rtsp_pull: streams pulled from cameras on demand
	forward forward.Config
	bwcheck bandcheck.Config // bandcheck: SRS's bandwidth test
}

func newState(cfg *config.Config) (*state, error) {
	ff, err := ffmpeg.ParseConfig(cfg)
	if err != nil {
		return nil, err
	}
	st := &state{cfg: cfg, vhosts: make(map[string]*vhostState), ff: ff}
	if st.ops, err = parseOps(cfg.Root); err != nil {
		return nil, err
	}
	for name, v := range cfg.Vhosts {
		vs := &vhostState{live: liveConfig(cfg, v)}
		var err error
		if vs.policy.Security, err = security.ParseSecurity(v.Block.Get("security")); err != nil {
			return nil, err
		}
		if vs.policy.Refer, err = security.ParseRefer(v.Block.Get("refer")); err != nil {
			return nil, err
		}
		if vs.policy.Hooks, err = hooks.ParseConfig(v.Block.Get("http_hooks")); err != nil {
			return nil, err
		}
		if vs.dvr, err = dvr.ParseConfig(v.Block.Get("dvr")); err != nil {
			return nil, err
		}
		if vs.hds, err = hds.ParseConfig(v.Block.Get("hds")); err != nil {
			return nil, err
		}
		if vs.hls, err = hls.ParseConfig(v.Block.Get("hls")); err != nil {
			return nil, err
		}
		if vs.cluster, err = edge.ParseConfig(v.Block.Get("cluster")); err != nil {
			return nil, fmt.Errorf("vhost %s: %w", name, err)
		}
		if vs.rtsp, err = edge.ParseRTSPConfig(v.Block.Get("rtsp_pull")); err != nil {
			return nil, fmt.Errorf("vhost %s: %w", name, err)
		}
		if vs.forward, err = forward.ParseConfig(v.Block.Get("forward")); err != nil {
			return nil, fmt.Errorf("vhost %s: %w", name, err)
		}
		if vs.bwcheck, err = bandcheck.ParseConfig(v.Block.Get("bandcheck")); err != nil {
			return nil, err
		}
		st.vhosts[name] = vs
	}
	return st, nil
}

// vhost returns the parsed state of vhost v (an empty one if unknown).
func (st *state) vhost(v *config.Vhost) *vhostState {
	if vs := st.vhosts[v.Name]; vs != nil {
		return vs
	}
	return &vhostState{live: liveConfig(st.cfg, v)}
}

// live returns the live core's configuration of vhost v.
func (st *state) live(v *config.Vhost) *live.Config { return st.vhost(v).live }

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
	if v.HTTPRemux.Enabled {
		lc.Remux = remuxOf(v.HTTPRemux.Mount)
	}
	if lc.QueueLength <= 0 {
		lc.QueueLength = 10 * time.Second
	}
	return lc
}

// remuxOf picks the remux form from a mount's extension, as SRS does.
func remuxOf(mount string) live.Remux {
	switch strings.ToLower(path.Ext(mount)) {
	case ".ts":
		return live.RemuxTS
	case ".aac":
		return live.RemuxAAC
	case ".mp3":
		return live.RemuxMP3
	}
	return live.RemuxNone
}

// New prepares a server for cfg; Start opens its listeners.
func New(cfg *config.Config, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{log: log, reg: live.NewRegistry(),
		HandshakeTimeout: 10 * time.Second, ConnectTimeout: 30 * time.Second,
		RequestHeadTimeout: 15 * time.Second, IdleTimeout: 60 * time.Second, StopTimeout: 5 * time.Second,
		MgmtConnections: 256}
	s.done = make(chan struct{})
	s.sharedAPI = make(map[string]net.Listener)
	s.serverID = cfg.ServerID
	if s.serverID == "" {
		s.serverID = "vid-" + cid.New()
	}
	s.serviceID = cid.New()
	s.hdsStore = hds.NewStore()
	s.hlsStore = hls.NewStore()
	s.sup = supervise.New(log)
	s.ff = ffmpeg.NewManager(ffmpeg.Options{Supervisor: s.sup, Log: log, Resolve: s.resolveRTMPURL, Pull: s.pullRTSP})
	s.disk = diskpool.New(diskWorkers)
	s.memFiles = append(s.memFiles, s.hlsStore, s.hdsStore, s.ff.Snapshots(), console.New(s.consoleInfo))
	st, err := newState(cfg)
	if err != nil {
		return nil, err
	}
	s.state.Store(st)
	// What the server keeps beside a source goes with it.
	s.reg.AddObserver(live.ObserverFunc(func(src *live.Source, e live.StreamEvent) {
		if e == live.Removed {
			s.streams.Delete(src.ID)
		}
	}))
	eng, err := netpoll.New(netpoll.Options{
		MaxConnections: cfg.MaxConnections,
		TCPNoDelay:     anyNoDelay(cfg),
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	s.eng = eng
	if s.cluster, err = newCluster(s, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// CheckConfig checks what New would refuse in cfg: the values of every
// block the server reads (dvr, hls, hds, http_hooks, security, refer), each
// error naming the file and line. It is what -t runs.
func CheckConfig(cfg *config.Config) error {
	_, err := newState(cfg)
	return err
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

// ServerID is the server's id: server_id, or one made up at start.
func (s *Server) ServerID() string { return s.serverID }

// Config returns the configuration in force.
func (s *Server) Config() *config.Config { return s.state.Load().cfg }

// Registry returns the live core's sources.
func (s *Server) Registry() *live.Registry { return s.reg }

// Engine returns the event loops.
func (s *Server) Engine() *netpoll.Engine { return s.eng }

// Start opens the listeners and runs the event loops.
func (s *Server) Start() error {
	s.startEvents()
	s.http = s.httpServer()
	if err := s.eng.Start(); err != nil {
		return err
	}
	s.startedAt = time.Now()
	if err := s.syncListeners(s.Config()); err != nil {
		s.Close()
		return err
	}
	if err := s.syncCasters(s.Config()); err != nil {
		s.Close()
		return err
	}
	if err := s.startManagement(); err != nil {
		s.Close()
		return err
	}
	s.applyFFmpeg()
	s.startWatching()
	return nil
}

// startWatching starts the config watcher when inotify_auto_reload is on.
func (s *Server) startWatching() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watching || s.closed || !s.autoReload() {
		return
	}
	s.watching = true
	go func() {
		s.watchConfig()
		s.mu.Lock()
		s.watching = false
		s.mu.Unlock()
	}()
}

// listener is one open listening socket and what it serves.
type listener struct {
	proto string // "rtmp" or "http"
	addr  string // as configured, e.g. ":1935" or "127.0.0.1:0"
	ln    net.Listener
}

// wantedListeners lists the (proto, addr) pairs cfg asks for.
func wantedListeners(cfg *config.Config) []listener {
	var out []listener
	for _, a := range cfg.Listen {
		out = append(out, listener{proto: "rtmp", addr: a})
	}
	if cfg.HTTPServer.Enabled {
		for _, a := range cfg.HTTPServer.Listen {
			out = append(out, listener{proto: "http", addr: a})
		}
	}
	return out
}

// apiPrefixes are the paths the HTTP API answers on a port it shares with
// the HTTP server, as SRS routes them.
var apiPrefixes = []string{"/api/", "/rtc/"}

// sharesAPI reports whether the HTTP API is on and listens on addr, an
// HTTP server endpoint. Port 0 is never shared: each asks for a new port.
func sharesAPI(cfg *config.Config, addr string) bool {
	if !cfg.HTTPAPI.Enabled || strings.HasSuffix(addr, ":0") {
		return false
	}
	return slices.ContainsFunc(cfg.HTTPAPI.Listen, func(a string) bool { return endpointKey(a) == endpointKey(addr) })
}

// endpointKey names the socket an endpoint opens: "8080" and
// "0.0.0.0:8080" are the same one.
func endpointKey(addr string) string {
	if host, port, err := net.SplitHostPort(addr); err == nil && host == "0.0.0.0" {
		return ":" + port
	}
	return addr
}

// endpoints lists every TCP endpoint cfg opens, so that IPv4 and IPv6
// sockets on one port are opened to coexist.
func endpoints(cfg *config.Config) []string {
	out := slices.Clone(cfg.Listen)
	if cfg.HTTPServer.Enabled {
		out = append(out, cfg.HTTPServer.Listen...)
	}
	if cfg.HTTPAPI.Enabled { // an endpoint the HTTP server shares appears twice, which is harmless
		out = append(out, cfg.HTTPAPI.Listen...)
	}
	return out
}

// syncListeners opens the listeners cfg wants that are not open and closes
// those it no longer wants; connections accepted on a closed listener stay.
// On error, what was opened in this call is closed again.
func (s *Server) syncListeners(cfg *config.Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := wantedListeners(cfg)
	has := func(l listener, in []*listener) bool {
		for _, x := range in {
			if x.proto == l.proto && x.addr == l.addr {
				return true
			}
		}
		return false
	}
	var opened []*listener
	for _, w := range want {
		if has(w, s.listeners) || has(w, opened) {
			continue
		}
		ln, err := listen.TCP(w.addr, endpoints(cfg))
		if err != nil {
			for _, o := range opened {
				_ = o.ln.Close()
			}
			return fmt.Errorf("server: %s listen %s: %w", w.proto, w.addr, err)
		}
		if w.proto == "http" && sharesAPI(cfg, w.addr) && s.sharedAPI[endpointKey(w.addr)] == nil {
			// SRS serves its HTTP API and HTTP server on one port.
			d := listen.NewDemux(ln, apiPrefixes, s.RequestHeadTimeout)
			ln = d.Rest()
			s.sharedAPI[endpointKey(w.addr)] = d.Matched()
		}
		opened = append(opened, &listener{proto: w.proto, addr: w.addr, ln: ln})
	}
	kept := s.listeners[:0]
	for _, l := range s.listeners {
		wanted := false
		for _, w := range want {
			wanted = wanted || (w.proto == l.proto && w.addr == l.addr)
		}
		if wanted {
			kept = append(kept, l)
			continue
		}
		s.log.Info(l.proto+" listener closed", "addr", l.ln.Addr().String())
		_ = l.ln.Close()
	}
	s.listeners = kept
	for _, l := range opened {
		s.listeners = append(s.listeners, l)
		s.log.Info(l.proto+" listening", "addr", l.ln.Addr().String())
		if l.proto == "rtmp" {
			s.eng.Serve(l.ln, l.proto, s.newRTMPSession)
		} else {
			s.eng.Serve(l.ln, l.proto, s.newHTTPSession)
		}
	}
	return nil
}

// Addrs returns the addresses of the open listeners of proto ("rtmp", "http").
func (s *Server) Addrs(proto string) []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []net.Addr
	for _, l := range s.listeners {
		if l.proto == proto {
			out = append(out, l.ln.Addr())
		}
	}
	return out
}

// MgmtAddr is the address of the HTTP API ("api") or the exporter
// ("exporter"), or nil.
func (s *Server) MgmtAddr(name string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.mgmt {
		if l.proto == name {
			return l.ln.Addr()
		}
	}
	return nil
}

// RTMPAddr is the first RTMP listener's address (useful with port 0).
func (s *Server) RTMPAddr() net.Addr { return firstAddr(s.Addrs("rtmp")) }

// HTTPAddr is the first HTTP listener's address.
func (s *Server) HTTPAddr() net.Addr { return firstAddr(s.Addrs("http")) }

func firstAddr(addrs []net.Addr) net.Addr {
	if len(addrs) == 0 {
		return nil
	}
	return addrs[0]
}

// Close stops: listeners and connections close, then the outputs finish
// their files (DVR recordings renamed and indexed, HLS playlists and last
// segments written), waiting at most StopTimeout for them.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.closeCasters()
	// Sessions off the event loops end with the server.
	s.clients.Range(func(_, v any) bool {
		if o, ok := v.(*clientInfo).peer.(*offloop); ok {
			o.Kick(ErrShutdown)
		}
		return true
	})
	err := s.eng.Stop()
	s.ff.Close()
	s.sup.Close()
	s.disk.Close()
	// The connections' OnClose ended their publishes; recordings and
	// playlists are finished before the process may exit.
	start := time.Now()
	if !s.finishOutputs(s.StopTimeout) {
		s.log.Error("outputs not finished in time", "timeout", s.StopTimeout)
	} else if d := time.Since(start); d > 100*time.Millisecond {
		s.log.Info("outputs finished", "took", d.Round(time.Millisecond))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	s.stopEvents(ctx)
	cancel()
	s.stopKafka()
	s.hlsStore.Close()
	s.cluster.close()
	return err
}

// Shutdown stops gracefully: listeners close, publishers are told to stop,
// what was queued for players is written, then connections close (or ctx
// ends and the rest are closed).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	for _, l := range s.listeners {
		_ = l.ln.Close()
	}
	s.mu.Unlock()
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
