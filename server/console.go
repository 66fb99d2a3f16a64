package server

import (
	"net"
	"strings"

	"github.com/cascade-live/cascade/http1"
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

// serveRedirect sends "/console" and "/players" to their folders.
func (h *httpSession) serveRedirect(req *http1.Request) bool {
	loc, ok := console.Redirect(req.Path)
	if !ok || req.Path == "/" {
		return false // "/" is the site's when http_server.dir has an index: see notFound
	}
	h.redirect(req, loc)
	return true
}

// notFound answers a path no file matched: "/" leads to the console (the
// site has no index page), anything else is 404.
func (h *httpSession) notFound(req *http1.Request) error {
	if loc, ok := console.Redirect(req.Path); ok {
		h.redirect(req, loc)
		return nil
	}
	return h.errorReply(req, 404)
}

// redirect answers 302 to loc, keeping the request's query.
func (h *httpSession) redirect(req *http1.Request, loc string) {
	if req.RawQuery != "" {
		loc += "?" + req.RawQuery
	}
	b := http1.AppendStatusLine(h.out[:0], 302)
	b = http1.AppendHeader(b, "Location", loc)
	b = http1.AppendHeader(b, "Server", "cascade/"+Version)
	b = http1.AppendHeader(b, "Content-Length", "0")
	if !req.KeepAlive {
		b = http1.AppendHeader(b, "Connection", "close")
	}
	b = append(b, "\r\n"...)
	h.out = b[:0]
	_, _ = h.c.Write(b)
	if !req.KeepAlive {
		h.c.CloseGracefully()
	}
}
