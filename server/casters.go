package server

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/caster/flvpost"
	"github.com/cascade-live/cascade/internal/caster/rtsp"
	"github.com/cascade-live/cascade/internal/caster/srt"
	"github.com/cascade-live/cascade/internal/caster/udpts"
)

// casters are the running stream casters (stream_caster blocks) and SRT
// listeners (srt_server), each publishing through s as a session.Host.
type casters struct {
	mu  sync.Mutex
	run map[string]runningCaster // by the settings that made it
}

type runningCaster struct {
	kind  string // config.Caster* or "srt"
	addr  net.Addr
	close func() error
}

// wantedCasters lists the casters cfg asks for, by their settings, with
// how to start each.
func (s *Server) wantedCasters(cfg *config.Config) map[string]func() (runningCaster, error) {
	want := map[string]func() (runningCaster, error){}
	for _, sc := range cfg.StreamCasters {
		key := fmt.Sprintf("%s %s %s %d-%d", sc.Caster, sc.Listen, sc.Output, sc.RTPPortMin, sc.RTPPortMax)
		want[key] = func() (runningCaster, error) { return s.startCaster(sc) }
	}
	if srv := cfg.SRTServer; srv.Enabled {
		for _, addr := range srv.Listen {
			want[fmt.Sprintf("srt %s %+v", addr, srv)] = func() (runningCaster, error) {
				l, err := srt.Listen(addr, srv, s, s.log)
				if err != nil {
					return runningCaster{}, err
				}
				if v := cfg.Vhost(config.DefaultVhost); v != nil {
					l.FirstTagTimeout, l.IdleTimeout = v.Publish.FirstPktTimeout, max(v.Publish.NormalTimeout, srv.PeerIdleTimeout)
				}
				l.Start()
				return runningCaster{"srt", l.Addr(), l.Close}, nil
			}
		}
	}
	return want
}

// publishTimeouts are the firstpkt_timeout and normal_timeout of the vhost
// a caster's output names (the default vhost's for a name no vhost has).
func publishTimeouts(cfg *config.Config, output string) (first, normal time.Duration) {
	vhost := ""
	if u, err := url.Parse(strings.NewReplacer("[app]", "a", "[stream]", "s").Replace(output)); err == nil {
		vhost = cmp.Or(u.Query().Get("vhost"), u.Hostname())
	}
	if v := cfg.Vhost(vhost); v != nil {
		return v.Publish.FirstPktTimeout, v.Publish.NormalTimeout
	}
	return 0, 0
}

func (s *Server) startCaster(sc config.StreamCaster) (runningCaster, error) {
	first, normal := publishTimeouts(s.Config(), sc.Output)
	switch sc.Caster {
	case config.CasterMPEGTSOverUDP:
		c, err := udpts.Listen(udpts.Config{Listen: sc.Listen, Output: sc.Output, Timeout: normal}, s, s.log)
		if err != nil {
			return runningCaster{}, err
		}
		c.Start()
		return runningCaster{sc.Caster, c.Addr(), c.Close}, nil
	case config.CasterFLV:
		c, err := flvpost.Listen(flvpost.Config{Listen: sc.Listen, Output: sc.Output, FirstTagTimeout: first, IdleTimeout: normal, MaxConnections: s.Config().MaxConnections}, s, s.log)
		if err != nil {
			return runningCaster{}, err
		}
		c.Start()
		return runningCaster{sc.Caster, c.Addr(), c.Close}, nil
	case config.CasterRTSP:
		c, err := rtsp.Listen(rtsp.Config{Listen: sc.Listen, Output: sc.Output, RTPPort: sc.RTPPortMin, FirstTagTimeout: first, IdleTimeout: normal,
			MaxConnections: s.Config().MaxConnections}, s, s.log)
		if err != nil {
			return runningCaster{}, err
		}
		return runningCaster{sc.Caster, c.Addr(), c.Close}, nil
	}
	return runningCaster{}, fmt.Errorf("server: stream_caster %s at %s: not served", sc.Caster, sc.Where)
}

// syncCasters starts the casters cfg wants that do not run and stops those
// it no longer wants (their publishers end).
func (s *Server) syncCasters(cfg *config.Config) error {
	want := s.wantedCasters(cfg)
	s.casters.mu.Lock()
	defer s.casters.mu.Unlock()
	if s.casters.run == nil {
		s.casters.run = map[string]runningCaster{}
	}
	for key, r := range s.casters.run {
		if _, ok := want[key]; !ok {
			_ = r.close()
			delete(s.casters.run, key)
			s.log.Info(r.kind+" caster closed", "addr", r.addr.String())
		}
	}
	keys := make([]string, 0, len(want))
	for key := range want {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if _, ok := s.casters.run[key]; ok {
			continue
		}
		r, err := want[key]()
		if err != nil {
			return err
		}
		s.casters.run[key] = r
		s.log.Info(r.kind+" caster listening", "addr", r.addr.String())
	}
	return nil
}

// closeCasters stops every caster.
func (s *Server) closeCasters() {
	s.casters.mu.Lock()
	defer s.casters.mu.Unlock()
	for key, r := range s.casters.run {
		_ = r.close()
		delete(s.casters.run, key)
	}
}

// CasterAddrs returns the addresses of the running casters of kind
// (config.CasterMPEGTSOverUDP, config.CasterFLV, config.CasterRTSP or
// "srt"), in no particular order.
func (s *Server) CasterAddrs(kind string) []net.Addr {
	s.casters.mu.Lock()
	defer s.casters.mu.Unlock()
	var out []net.Addr
	for _, r := range s.casters.run {
		if r.kind == kind {
			out = append(out, r.addr)
		}
	}
	return out
}
