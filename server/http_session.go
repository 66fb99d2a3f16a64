package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/http1"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
	"github.com/cascade-live/cascade/security"
)

const maxRequestHead = 8 << 10

// maxPipelined bounds the requests a client may send ahead of the
// response it is being sent: they are answered one at a time, each once
// the previous response reached the socket.
const maxPipelined = 8 * maxRequestHead

// errPipelined closes a connection that sent too much ahead.
var errPipelined = errors.New("http: too many pipelined requests")

// httpSession is an HTTP/1.1 connection on the event loop: request heads
// are parsed as they arrive; a stream request turns the connection into a
// player until it closes.
type httpSession struct {
	srv      *Server
	c        *netpoll.Conn
	consumer *live.Consumer
	out      []byte
	busy     bool      // a callback decides, or a pending file is awaited, for this connection
	file     *fileSend // a static file being sent
	client   *clientInfo
	req      StreamRequest // the stream played, for callbacks
	vhost    *config.Vhost
}

func (s *Server) newHTTPSession(c *netpoll.Conn) netpoll.Session {
	c.SetDeadline(time.Now().Add(s.RequestHeadTimeout))
	return &httpSession{srv: s, c: c, client: s.addClient(c)}
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
		if h.busy || h.file != nil || !c.Drained() {
			// The next request waits for the current response (OnDrained).
			if len(buf) > maxPipelined {
				return fmt.Errorf("%w: %d bytes sent ahead of a response", errPipelined, len(buf))
			}
			return nil
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

// OnDrained sends a file's next chunk; netpoll then lets OnTraffic answer
// the next pipelined request.
func (h *httpSession) OnDrained(*netpoll.Conn) error { return h.nextChunk() }

func (h *httpSession) OnClose(c *netpoll.Conn, err error) {
	h.srv.removeClient(c, err)
	if h.file != nil && !h.file.reading {
		h.file.close() // else the disk job's drop closes it
	}
	if h.consumer == nil {
		return
	}
	src := h.consumer.Source()
	h.consumer.Close()
	h.consumer = nil
	hk := h.srv.state.Load().vhost(h.vhost).hooks
	h.srv.notify(h.vhost.Name, hk, hk.OnStop, hooks.OnStop{Conn: hookConn(c, &h.req), TcURL: h.req.TcURL,
		Stream: h.req.Stream, Param: h.req.Param, StreamURL: h.req.StreamURL(), StreamID: src.ID})
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
	if !h.serveStream(st, req) && !h.serveHLS(st, req) {
		if h.serveMemory(req) || h.serveRedirect(req) {
			return nil
		}
		return h.serveDisk(req)
	}
	return nil
}

// serveStream serves an http_remux mount; false when the path is none.
func (h *httpSession) serveStream(st *state, req *http1.Request) bool {
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
	src := h.srv.reg.Lookup(live.Key(v.Name, app, stream))
	if src == nil {
		return false
	}
	sr := StreamRequest{TcURL: "http://" + req.Host + "/" + app, Host: req.Host, Vhost: v.Name, App: app, Stream: stream}
	if req.RawQuery != "" {
		sr.Param = "?" + req.RawQuery
	}
	h.req = sr
	h.vhost = v
	vs := st.vhost(v)
	if ok, rule := vs.security.Check(security.Play, ipOf(h.c)); !ok {
		h.c.Log.Warn("http play refused by security", "stream", sr.StreamURL(), "rule", rule)
		_ = h.errorReply(req, 403)
		return true
	}
	referer := req.Header.Get("Referer")
	if ok, reason := vs.refer.Check(security.Play, referer); !ok {
		h.c.Log.Warn("http play refused by refer", "stream", sr.StreamURL(), "referer", referer, "reason", reason)
		_ = h.errorReply(req, 403)
		return true
	}
	h.client.update(func(cl *clientInfo) { cl.req, cl.pageURL = sr, referer })
	payload := hooks.OnPlay{Conn: hookConn(h.c, &sr), Stream: stream, TcURL: sr.TcURL, Param: sr.Param,
		PageURL: referer, StreamURL: sr.StreamURL()}
	if req.Method == "GET" {
		h.srv.event(v.Name, payload)
	}
	if urls := vs.hooks.OnPlay; vs.hooks.Enabled && len(urls) > 0 && req.Method == "GET" {
		h.busy = true
		h.srv.hooks.Go(urls, payload, func(err error) {
			h.c.Do(func() error {
				h.busy = false
				if err != nil {
					h.c.Log.Warn("http play rejected by on_play", "stream", sr.StreamURL(), "err", err)
					return h.errorReply(req, 403)
				}
				h.startStream(st, v, req, src)
				return nil
			})
		})
		return true
	}
	h.startStream(st, v, req, src)
	return true
}

// startStream answers a stream request and makes the connection a player.
func (h *httpSession) startStream(st *state, v *config.Vhost, req *http1.Request, src *live.Source) {
	form, ctype, typ := live.FormFLV, "video/x-flv", api.ClientFLVPlay
	switch remuxOf(v.HTTPRemux.Mount) {
	case live.RemuxTS:
		form, ctype, typ = live.FormRemux, "video/mp2t", api.ClientFLVPlay
	case live.RemuxAAC:
		form, ctype, typ = live.FormRemux, "audio/aac", api.ClientFLVPlay
	case live.RemuxMP3:
		form, ctype, typ = live.FormRemux, "audio/mpeg", api.ClientFLVPlay
	}
	b := http1.AppendStatusLine(h.out[:0], 200)
	b = http1.AppendHeader(b, "Content-Type", ctype)
	b = http1.AppendHeader(b, "Server", "cascade/"+Version)
	b = http1.AppendHeader(b, "Cache-Control", "no-cache")
	if st.cfg.HTTPServer.Crossdomain {
		b = http1.AppendCORS(b)
	}
	if req.Method == "HEAD" {
		b = append(b, "\r\n"...)
		h.out = b[:0]
		_, _ = h.c.Write(b)
		return
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
	h.consumer = h.srv.reg.Play(h.c.Loop(), v.Name, h.req.App, h.req.Stream, st.live(v), h.c,
		live.JoinOptions{Form: form})
	h.c.SetDeadline(time.Time{})
	h.client.update(func(cl *clientInfo) { cl.src, cl.typ = h.consumer.Source(), typ })
	h.c.Log.Info("http stream play", "url", req.Path, "vhost", v.Name, "remote", h.c.RemoteAddr().String(),
		"source_cid", src.PublisherID())
}
