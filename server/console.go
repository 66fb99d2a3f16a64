package server

import (
	"net"
	"strings"

	"github.com/cascade-live/cascade/internal/console"
)

// consoleInfo tells the console's pages what the HTTP API does not: ports
// and each vhost's play URL templates.
func (s *Server) consoleInfo() console.Info {
	st := s.state.Load()
	cfg := st.cfg
	info := console.Info{
		API:    portOf(s.MgmtAddr("api")),
		RTMP:   portOf(s.RTMPAddr()),
		Auth:   cfg.HTTPAPI.Auth.Enabled,
		Reload: cfg.HTTPAPI.Enabled && cfg.HTTPAPI.RawAPI.Enabled && cfg.HTTPAPI.RawAPI.AllowReload,
	}
	for name, v := range cfg.Vhosts {
		if !v.Enabled {
			continue
		}
		out := console.VhostOutput{Name: name}
		if v.HTTPRemux.Enabled {
			out.Remux = "/" + strings.TrimPrefix(strings.TrimPrefix(v.HTTPRemux.Mount, "[vhost]"), "/")
		}
		vs := st.vhost(v)
		if vs.hls.Enabled {
			out.HLS = "/" + strings.TrimPrefix(vs.hls.M3U8File, "/")
		}
		if vs.hds.Enabled {
			out.HDS = "/[app]/[stream].f4m"
		}
		if v.Block.Get("snapshot").Get("enabled").Arg0() == "on" {
			out.Snapshot = "/[app]/[stream].jpg"
		}
		info.Vhosts = append(info.Vhosts, out)
	}
	return info
}

func portOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	_, port, _ := net.SplitHostPort(a.String())
	return port
}
