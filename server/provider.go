package server

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/listen"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/metrics"
)

// ErrKicked closes a client the HTTP API deleted.
var ErrKicked = errors.New("server: kicked by the HTTP API")

// ErrShutdown ends the sessions off the event loops when the server stops.
var ErrShutdown = errors.New("server: shutting down")

// rateInterval is how often the 30 s rate meters are fed.
const rateInterval = 5 * time.Second

// provider answers the HTTP API and the Prometheus exporter from the
// server's counters (atomics and short locks: never an event loop's time).
type provider struct {
	s    *Server
	host *api.HostSampler

	mu       sync.Mutex
	vhostIDs map[string]string
	vhostKb  map[string]*api.KbpsMeter
}

func newProvider(s *Server) *provider {
	return &provider{s: s, host: api.NewHostSampler(Version, time.Now()),
		vhostIDs: make(map[string]string), vhostKb: make(map[string]*api.KbpsMeter)}
}

func (p *provider) vhostID(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	id, ok := p.vhostIDs[name]
	if !ok {
		id = fmt.Sprintf("vid-%08x", len(p.vhostIDs)+1)
		p.vhostIDs[name] = id
	}
	return id
}

func (p *provider) vhostMeter(name string) *api.KbpsMeter {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.vhostKb[name]
	if m == nil {
		m = &api.KbpsMeter{}
		p.vhostKb[name] = m
	}
	return m
}

// sample feeds every rate meter; it runs every rateInterval.
func (p *provider) sample(now time.Time) {
	p.s.sampleRates(now)
	in, out := map[string]uint64{}, map[string]uint64{}
	for _, src := range p.s.reg.Sources() {
		in[src.Vhost] += src.Stats.BytesIn.Load()
		out[src.Vhost] += src.Stats.BytesOut.Load()
	}
	for name := range p.s.Config().Vhosts {
		p.vhostMeter(name).Sample(now, in[name], out[name])
	}
}

func (p *provider) Summary() api.Summary {
	sum := p.host.Sample()
	in, out := p.s.eng.Bytes()
	sum.System.SrsRecvBytes, sum.System.SrsSendBytes = int64(in), int64(out)
	sum.System.SrsSampleTime = time.Now().UnixMilli()
	sum.System.ConnSrs = p.s.eng.Connections()
	for _, st := range p.s.events.Stats() {
		sum.EventSinks = append(sum.EventSinks, api.EventSink{Name: st.Name, Queued: st.Queued,
			Delivered: st.Delivered, Dropped: st.Dropped, Panicked: st.Panicked})
	}
	if k := p.s.kafka.Load(); k != nil {
		st := k.State()
		sum.Kafka = &st
	}
	return sum
}

func (p *provider) Vhosts() []api.Vhost {
	cfg := p.s.Config()
	names := make([]string, 0, len(cfg.Vhosts))
	for n := range cfg.Vhosts {
		names = append(names, n)
	}
	sort.Strings(names)
	streams := p.s.reg.Sources()
	var out []api.Vhost
	for _, n := range names {
		v := cfg.Vhosts[n]
		av := api.Vhost{ID: p.vhostID(n), Name: n, Enabled: v.Enabled, Kbps: p.vhostMeter(n).Kbps()}
		for _, src := range streams {
			if src.Vhost != n {
				continue
			}
			if src.Publishing() {
				av.Streams++
			}
			av.Clients += src.Consumers()
			av.RecvBytes += int64(src.Stats.BytesIn.Load())
			av.SendBytes += int64(src.Stats.BytesOut.Load())
		}
		if hls := p.s.state.Load().vhost(v).hls; hls.Enabled {
			av.HLS.Enabled, av.HLS.Fragment = true, hls.Fragment.Seconds()
		}
		out = append(out, av)
	}
	return out
}

func streamURL(vhost, app, stream string) string {
	if vhost == DefaultVhost {
		return "/" + app + "/" + stream
	}
	return vhost + "/" + app + "/" + stream
}

func (p *provider) Streams() []api.Stream {
	var out []api.Stream
	for _, src := range p.s.reg.Sources() {
		st := api.Stream{
			ID: src.ID, Name: src.Stream, Vhost: p.vhostID(src.Vhost), App: src.App,
			URL:       streamURL(src.Vhost, src.App, src.Stream),
			Clients:   src.Consumers(),
			Frames:    int64(src.Stats.Frames.Load()),
			SendBytes: int64(src.Stats.BytesOut.Load()), RecvBytes: int64(src.Stats.BytesIn.Load()),
			Kbps: p.s.streamMeter(src).Kbps(),
		}
		if since := src.Stats.Since.Load(); since > 0 {
			st.LiveMs = since
		}
		if src.Publishing() {
			st.Clients++
			st.Publish = api.StreamPublish{Active: true, CID: src.PublisherID()}
			if cl, ok := p.s.clients.Load(src.PublisherID()); ok {
				ci := cl.(*clientInfo)
				ci.mu.Lock()
				st.TcURL = ci.req.TcURL
				ci.mu.Unlock()
			}
		}
		st.Video, st.Audio = codecInfo(src)
		st.Upstream = p.s.cluster.edge.Upstream(live.Key(src.Vhost, src.App, src.Stream))
		out = append(out, st)
	}
	return out
}

// codecInfo describes a stream's codecs from its sequence headers.
func codecInfo(src *live.Source) (*api.StreamVideo, *api.StreamAudio) {
	ash, vsh := src.SequenceHeaders()
	var video *api.StreamVideo
	var audio *api.StreamAudio
	if h, err := flv.ParseVideoTagHeader(vsh); err == nil && h.HeaderLen <= len(vsh) {
		cfg := vsh[h.HeaderLen:]
		var info flv.VideoInfo
		var perr error
		switch h.Codec {
		case flv.VideoCodecAVC:
			if c, err := flv.ParseAVCConfig(cfg); err == nil && len(c.SPS) > 0 {
				info, perr = flv.ParseH264SPS(c.SPS[0])
			}
		case flv.VideoCodecHEVC:
			if c, err := flv.ParseHEVCConfig(cfg); err == nil && len(c.SPS) > 0 {
				info, perr = flv.ParseH265SPS(c.SPS[0])
			}
		}
		if perr == nil && info.Codec != "" {
			video = &api.StreamVideo{Codec: info.Codec, Profile: info.Profile, Level: info.Level, Width: info.Width, Height: info.Height,
				FPS: math.Round(info.FrameRate*100) / 100}
		}
	}
	if h, err := flv.ParseAudioTagHeader(ash); err == nil && h.HeaderLen <= len(ash) {
		if c, err := flv.ParseAudioSpecificConfig(ash[h.HeaderLen:]); err == nil {
			profile := "LC"
			switch c.ObjectType {
			case 1:
				profile = "Main"
			case 5:
				profile = "HE"
			case 29:
				profile = "HEv2"
			}
			audio = &api.StreamAudio{Codec: "AAC", SampleRate: c.SampleRate, Channel: c.Channels, Profile: profile}
		}
	}
	return video, audio
}

func (p *provider) Clients() []api.Client {
	var out []api.Client
	now := time.Now()
	p.s.clients.Range(func(_, v any) bool {
		ci := v.(*clientInfo)
		ci.mu.Lock()
		recv, sent := ci.peer.Bytes()
		c := api.Client{
			ID: ci.peer.ClientID(), Vhost: p.vhostID(ci.req.Vhost), IP: ci.peer.RemoteIP().String(),
			PageURL: ci.pageURL, SwfURL: ci.swfURL, TcURL: ci.req.TcURL, Name: ci.req.Stream,
			Type: ci.typ, Publish: ci.publish, Alive: now.Sub(ci.peer.Since()).Seconds(),
			SendBytes: int64(sent), RecvBytes: int64(recv),
			Kbps: ci.kbps.Kbps(),
		}
		if ci.req.Stream != "" {
			c.URL = streamURL(ci.req.Vhost, ci.req.App, ci.req.Stream)
		}
		if ci.src != nil {
			c.Stream = ci.src.ID
		}
		if lp, ok := ci.peer.(lossPeer); ok && ci.publish {
			lost := lp.LostPackets()
			c.LostPackets = &lost
		}
		ci.mu.Unlock()
		if c.Type == "" {
			return true // not yet playing or publishing (SRS lists these later too)
		}
		out = append(out, c)
		return true
	})
	// HLS players are sessions, not connections (SRS lists them too).
	for _, hs := range p.s.hlsSessions.List() {
		c := api.Client{ID: hs.ID, Vhost: p.vhostID(hs.Req.Vhost), IP: hs.Conn.IP, TcURL: hs.Req.TcURL,
			URL: streamURL(hs.Req.Vhost, hs.Req.App, hs.Req.Stream), Name: hs.Req.Stream, Type: api.ClientHLSPlay,
			Alive: now.Sub(hs.Started).Seconds()}
		if src := p.s.reg.Lookup(live.Key(hs.Req.Vhost, hs.Req.App, hs.Req.Stream)); src != nil {
			c.Stream = src.ID
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (p *provider) Kick(id string) bool {
	v, ok := p.s.clients.Load(id)
	if !ok {
		return false
	}
	v.(*clientInfo).peer.Kick(ErrKicked)
	return true
}

func (p *provider) Reload() error { return p.s.Reload() }

// Server and Streams feed the Prometheus collector.
func (p *provider) Server() metrics.Server {
	sum := p.host.Sample()
	in, out := p.s.eng.Bytes()
	n := 0
	p.s.clients.Range(func(_, _ any) bool { n++; return true })
	ms := metrics.Server{
		CPUPercent: sum.Self.CPUPercent * 100, MemoryKbyte: sum.Self.RSSKbyte,
		SendBytes: out, RecvBytes: in, Streams: len(p.s.reg.Sources()), Clients: n,
		ClientsTotal: p.s.clientsTotal.Load(), ClientsErrors: p.s.clientErrors.Load(),
		Events: p.s.eventCount.Snapshot(), CasterLost: p.s.casterLost.Snapshot(),
	}
	var delay, queued live.Delays
	for _, l := range p.s.eng.Loops() {
		l.Delivered.AddTo(&delay)
		l.Queued.AddTo(&queued)
	}
	ms.DeliveryDelay, ms.DeliveryQueued = delayHistogram(delay), delayHistogram(queued)
	for _, st := range p.s.events.Stats() {
		ms.EventSinks = append(ms.EventSinks, metrics.EventSink{Name: st.Name, Delivered: st.Delivered, Dropped: st.Dropped})
	}
	return ms
}

// delayHistogram is d in seconds, for the exporter.
func delayHistogram(d live.Delays) metrics.Histogram {
	h := metrics.Histogram{Counts: d.Counts[:], Sum: d.Sum.Seconds()}
	for _, b := range live.DelayBounds {
		h.Bounds = append(h.Bounds, b.Seconds())
	}
	return h
}

func (p *provider) MetricsStreams() []metrics.Stream {
	var out []metrics.Stream
	now := time.Now()
	for _, src := range p.s.reg.Sources() {
		k := p.s.streamMeter(src).Kbps()
		ms := metrics.Stream{
			Vhost: src.Vhost, App: src.App, Stream: src.Stream,
			PlayersByProtocol: map[string]int{
				"rtmp": src.ConsumersOf(live.FormRTMP), "flv": src.ConsumersOf(live.FormFLV),
				"remux": src.ConsumersOf(live.FormRemux), "ts": src.ConsumersOf(live.FormTS),
				"hls": p.s.hlsSessions.Count(src.Vhost, src.App, src.Stream),
			},
			BytesIn: src.Stats.BytesIn.Load(), BytesOut: src.Stats.BytesOut.Load(),
			FramesIn: src.Stats.Frames.Load(), FramesDropped: src.Dropped(),
			KbpsIn: float64(k.Recv30s), KbpsOut: float64(k.Send30s),
			GOPFrames: src.GOPFrames(), Uptime: now.Sub(src.Created()),
		}
		if src.Publishing() {
			ms.Publishers = 1
		}
		out = append(out, ms)
	}
	return out
}

// metricsSource adapts the provider to metrics.Source (whose Streams
// differs from the API's).
type metricsSource struct{ p *provider }

func (m metricsSource) Server() metrics.Server    { return m.p.Server() }
func (m metricsSource) Streams() []metrics.Stream { return m.p.MetricsStreams() }

// startManagement opens the HTTP API and the exporter when configured,
// and feeds the rate meters. They run on net/http, off the event loops.
func (s *Server) startManagement() error {
	cfg := s.Config()
	p := newProvider(s)
	s.provider = p
	if err := s.startOps(p); err != nil {
		return err
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		p.sample(time.Now())
		last := time.Now()
		for {
			select {
			case <-s.done:
				return
			case now := <-t.C:
				s.expireHLS(now)
				if now.Sub(last) >= rateInterval {
					p.sample(now)
					last = now
				}
			}
		}
	}()
	if cfg.HTTPAPI.Enabled {
		opts := api.Options{Crossdomain: cfg.HTTPAPI.Crossdomain, RawAPI: cfg.HTTPAPI.RawAPI.Enabled,
			AllowReload: cfg.HTTPAPI.RawAPI.AllowReload, ServerID: s.serverID, ServiceID: s.serviceID, Version: Version,
			Lists: s.ffAPI()}
		if cfg.HTTPAPI.Auth.Enabled {
			opts.Auth = &api.BasicAuth{Username: cfg.HTTPAPI.Auth.Username, Password: cfg.HTTPAPI.Auth.Password}
		}
		h := api.NewHandler(p, opts)
		for _, addr := range cfg.HTTPAPI.Listen {
			if err := s.serveHTTP("api", addr, h); err != nil {
				return err
			}
		}
	}
	if ex := metrics.ExporterConfig(cfg.Root); ex.Enabled {
		reg := prometheus.NewRegistry()
		reg.MustRegister(metrics.NewCollector(metricsSource{p}, metrics.Options{Label: ex.Label, Tag: ex.Tag,
			Version: Version, ServerID: s.serverID, ServiceID: s.serviceID}))
		reg.MustRegister(s.kafkaCollectors()...)
		if err := s.serveHTTP("exporter", ex.Listen, metrics.Handler(reg)); err != nil {
			return err
		}
	}
	return nil
}

// mgmtWriteTimeout bounds writing one answer of the API or the exporter.
const mgmtWriteTimeout = 30 * time.Second

// serveHTTP runs a net/http server on addr until the server closes.
func (s *Server) serveHTTP(name, addr string, h http.Handler) error {
	if !strings.Contains(addr, ":") {
		addr = ":" + addr
	}
	s.mu.Lock()
	ln := s.sharedAPI[endpointKey(addr)]
	s.mu.Unlock()
	if name != "api" || ln == nil {
		var err error
		if ln, err = listen.TCP(addr, endpoints(s.Config())); err != nil {
			return fmt.Errorf("server: %s listen %s: %w", name, addr, err)
		}
	}
	ln = api.LimitListener(ln, s.MgmtConnections, func(c net.Conn) {
		s.log.Warn(name+" connection refused: too many connections", "remote", c.RemoteAddr().String(),
			"max", s.MgmtConnections)
	})
	// Slow or idle clients must not hold connections (and goroutines)
	// forever: the head, the whole request and an idle keep-alive are timed.
	hs := &http.Server{Handler: h, ReadHeaderTimeout: s.RequestHeadTimeout, ReadTimeout: 2 * s.RequestHeadTimeout,
		WriteTimeout: mgmtWriteTimeout, IdleTimeout: s.IdleTimeout, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.mu.Lock()
	s.mgmt = append(s.mgmt, &listener{proto: name, addr: addr, ln: ln})
	s.mu.Unlock()
	s.log.Info(name+" listening", "addr", ln.Addr().String())
	go func() {
		<-s.done
		_ = hs.Close()
	}()
	go func() { _ = hs.Serve(ln) }()
	return nil
}
