package httpconn

import (
	"context"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/http1"
	"github.com/cascade-live/cascade/internal/console"
	"github.com/cascade-live/cascade/internal/streamreq"
)

// redirectFLV answers an HTTP-FLV play of a stream this origin does not
// publish, in an origin cluster, with a 302 to the origin that does (or a
// 404). It reports whether it took the request.
func (h *conn) redirectFLV(vs Vhost, v *config.Vhost, req *http1.Request, app, stream string) bool {
	if !vs.Cluster.OriginCluster || h.srv.Host.Publishing(v.Name, app, stream) {
		return false
	}
	h.busy = true
	host := streamreq.HostOnly(req.Host)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		loc, ok := h.srv.Host.Locate(ctx, vs.Cluster, v.Name, host, app, stream)
		h.c.Do(func() error {
			h.busy = false
			if !ok || loc == "" {
				h.c.Log.Info("http play: no origin of the cluster publishes the stream", "vhost", v.Name, "url", req.Path)
				return h.errorReply(req, 404)
			}
			to := "http://" + loc + req.Path
			if req.RawQuery != "" {
				to += "?" + req.RawQuery
			}
			b := http1.AppendStatusLine(h.out[:0], 302)
			b = http1.AppendHeader(b, "Location", to)
			b = http1.AppendHeader(b, "Server", h.srv.Software)
			b = append(b, "Content-Length: 0\r\n\r\n"...)
			h.out = b[:0]
			_, _ = h.c.Write(b)
			h.c.Log.Info("http play redirected to the origin of the stream", "vhost", v.Name, "url", req.Path, "to", to)
			if !req.KeepAlive {
				h.c.CloseGracefully()
			}
			return nil
		})
	}()
	return true
}

// serveRedirect sends "/console" and "/players" to their folders.
func (h *conn) serveRedirect(req *http1.Request) bool {
	loc, ok := console.Redirect(req.Path)
	if !ok || req.Path == "/" {
		return false // "/" is the site's when http_server.dir has an index: see notFound
	}
	h.redirect(req, loc)
	return true
}

// notFound answers a path no file matched: "/" leads to the console (the
// site has no index page), anything else is 404.
func (h *conn) notFound(req *http1.Request) error {
	if loc, ok := console.Redirect(req.Path); ok {
		h.redirect(req, loc)
		return nil
	}
	return h.errorReply(req, 404)
}

// redirect answers 302 to loc, keeping the request's query.
func (h *conn) redirect(req *http1.Request, loc string) {
	if req.RawQuery != "" {
		loc += "?" + req.RawQuery
	}
	b := http1.AppendStatusLine(h.out[:0], 302)
	b = http1.AppendHeader(b, "Location", loc)
	b = http1.AppendHeader(b, "Server", h.srv.Software)
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
