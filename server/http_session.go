package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/http1"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
)

const maxRequestHead = 8 << 10

// ErrBadRequest ends an HTTP connection after an error response.
var ErrBadRequest = errors.New("server: bad http request")

// httpSession is an HTTP/1.1 connection on the event loop: request heads
// are parsed as they arrive; a stream request turns the connection into a
// player until it closes.
type httpSession struct {
	srv      *Server
	c        *netpoll.Conn
	consumer *live.Consumer
	out      []byte
	busy     bool // a file is being read from disk for this connection
}

func (s *Server) newHTTPSession(c *netpoll.Conn) netpoll.Session {
	c.SetDeadline(time.Now().Add(s.RequestHeadTimeout))
	return &httpSession{srv: s, c: c}
}

func (h *httpSession) OnTraffic(c *netpoll.Conn) error {
	for {
		buf := c.PeekAll()
		if len(buf) == 0 {
			return nil
		}
		if h.consumer != nil {
			// A player has nothing more to say; ignore what it sends.
			_, _ = c.Discard(len(buf))
			return nil
		}
		if h.busy {
			return nil // the next request waits for the current response
		}
		req, n, err := http1.ParseRequest(buf, maxRequestHead)
		if errors.Is(err, http1.ErrIncomplete) {
			return nil
		}
		if err != nil {
			_, _ = c.Write(http1.AppendError(h.out[:0], http1.StatusForError(err), false))
			return fmt.Errorf("http: %w", err)
		}
		_, _ = c.Discard(n)
		if err := h.serve(req); err != nil {
			return err
		}
		if h.consumer != nil {
			c.SetDeadline(time.Time{})
		} else {
			c.SetDeadline(time.Now().Add(h.srv.IdleTimeout))
		}
	}
}

func (h *httpSession) OnClose(c *netpoll.Conn, err error) {
	if h.consumer != nil {
		h.consumer.Close()
		h.consumer = nil
	}
}

// errorReply answers with an error status; the connection stays open only
// for keep-alive requests without a body.
func (h *httpSession) errorReply(req *http1.Request, status int) error {
	keep := req.KeepAlive && req.ContentLength == 0 && !req.Chunked
	b := http1.AppendError(h.out[:0], status, keep)
	if req.Method == "HEAD" {
		b = b[:len(b)-len(http1.StatusText(status))]
	}
	h.out = b[:0]
	_, _ = h.c.Write(b)
	if !keep {
		h.c.CloseGracefully()
	}
	return nil
}

func (h *httpSession) serve(req *http1.Request) error {
	st := h.srv.state.Load()
	cors := st.cfg.HTTPServer.Crossdomain
	switch req.Method {
	case "GET", "HEAD":
	case "OPTIONS":
		b := http1.AppendStatusLine(h.out[:0], 200)
		if cors {
			b = http1.AppendCORS(b)
		}
		b = append(b, "Content-Length: 0\r\n\r\n"...)
		h.out = b[:0]
		_, _ = h.c.Write(b)
		return nil
	default:
		return h.errorReply(req, 405)
	}
	if !h.serveStream(st, req) {
		if h.serveMemory(req) {
			return nil
		}
		return h.serveDisk(req)
	}
	return nil
}

// serveStream serves an http_remux mount; false when the path is none.
func (h *httpSession) serveStream(st *state, req *http1.Request) bool {
	cors := st.cfg.HTTPServer.Crossdomain
	vhostName := req.Host
	if q := req.Query("vhost"); q != "" {
		vhostName = q
	} else if q := req.Query("domain"); q != "" {
		vhostName = q
	}
	v := st.cfg.Vhost(vhostName)
	if v == nil || !v.Enabled || !v.HTTPRemux.Enabled {
		return false
	}
	app, stream, ok := matchMount(v.HTTPRemux.Mount, req.Path)
	if !ok {
		return false
	}
	form, ctype := live.FormFLV, "video/x-flv"
	switch remuxOf(v.HTTPRemux.Mount) {
	case live.RemuxTS:
		form, ctype = live.FormRemux, "video/mp2t"
	case live.RemuxAAC:
		form, ctype = live.FormRemux, "audio/aac"
	case live.RemuxMP3:
		form, ctype = live.FormRemux, "audio/mpeg"
	}
	src := h.srv.reg.Lookup(live.Key(v.Name, app, stream))
	if src == nil {
		return false
	}
	b := http1.AppendStatusLine(h.out[:0], 200)
	b = http1.AppendHeader(b, "Content-Type", ctype)
	b = http1.AppendHeader(b, "Server", "cascade/"+Version)
	b = http1.AppendHeader(b, "Cache-Control", "no-cache")
	if cors {
		b = http1.AppendCORS(b)
	}
	if req.Method == "HEAD" {
		b = append(b, "\r\n"...)
		h.out = b[:0]
		_, _ = h.c.Write(b)
		return true
	}
	b = append(b, "Connection: close\r\n\r\n"...)
	if form == live.FormFLV {
		hasAudio, hasVideo := src.HasAudio(), src.HasVideo()
		if !hasAudio && !hasVideo {
			hasAudio, hasVideo = true, true
		}
		b = flv.AppendHeader(b, hasAudio, hasVideo)
	}
	h.out = b[:0]
	_, _ = h.c.Write(b)
	h.consumer = h.srv.reg.Play(h.c.Loop(), v.Name, app, stream, st.live(v), h.c,
		live.JoinOptions{Form: form})
	h.c.Log.Info("http stream play", "url", req.Path, "vhost", v.Name, "remote", h.c.RemoteAddr().String(),
		"source_cid", src.PublisherID())
	return true
}
