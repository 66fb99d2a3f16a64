package server

import (
	"strings"
	"sync"
	"time"

	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/http1"
	"github.com/cascade-live/cascade/internal/admission"
	"github.com/cascade-live/cascade/internal/cid"
	"github.com/cascade-live/cascade/internal/edge"
)

// hlsSession is one HLS player, tracked as SRS's hls_ctx does: the first
// playlist request is redirected to carry a session id, on_play decides on
// it once, and on_stop follows when its requests stop.
type hlsSession struct {
	id       string
	req      StreamRequest
	conn     hooks.Conn
	idle     time.Duration
	started  time.Time
	mu       sync.Mutex
	lastSeen time.Time
}

func (hs *hlsSession) touch(now time.Time) {
	hs.mu.Lock()
	hs.lastSeen = now
	hs.mu.Unlock()
}

// hlsSessions holds the live HLS sessions by id.
type hlsSessions struct {
	mu sync.Mutex
	m  map[string]*hlsSession
}

func (s *hlsSessions) get(id string) *hlsSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

func (s *hlsSessions) add(hs *hlsSession) {
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[string]*hlsSession)
	}
	s.m[hs.id] = hs
	s.mu.Unlock()
}

// expire removes the sessions idle for longer than their timeout.
func (s *hlsSessions) expire(now time.Time) []*hlsSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*hlsSession
	for id, hs := range s.m {
		hs.mu.Lock()
		idle := now.Sub(hs.lastSeen) > hs.idle
		hs.mu.Unlock()
		if idle {
			delete(s.m, id)
			out = append(out, hs)
		}
	}
	return out
}

// list returns the live sessions.
func (s *hlsSessions) list() []*hlsSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*hlsSession, 0, len(s.m))
	for _, hs := range s.m {
		out = append(out, hs)
	}
	return out
}

// count is the number of HLS players of vhost/app/stream.
func (s *hlsSessions) count(vhost, app, stream string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, hs := range s.m {
		if hs.req.Vhost == vhost && hs.req.App == app && hs.req.Stream == stream {
			n++
		}
	}
	return n
}

// expireHLS fires on_stop for HLS players that went away.
func (s *Server) expireHLS(now time.Time) {
	for _, hs := range s.hlsSessions.expire(now) {
		s.log.Info("hls play stopped", "hls_ctx", hs.id, "stream", hs.req.StreamURL())
		s.emit(hs.req.Vhost, hooks.OnStop(streamEvent(hs.conn, &hs.req, "")))
	}
}

// serveHLS handles playlist and segment requests of vhosts with hls_ctx
// on. It reports false for requests it leaves to the file handlers.
func (h *httpSession) serveHLS(st *state, req *http1.Request) bool {
	isPlaylist := strings.HasSuffix(req.Path, ".m3u8")
	if !isPlaylist && !strings.HasSuffix(req.Path, ".ts") {
		return false
	}
	v := st.cfg.Vhost(req.Host)
	if v == nil {
		return false
	}
	vs := st.vhost(v)
	if !vs.hls.Enabled || !vs.hls.Ctx {
		return false
	}
	id := req.Query("hls_ctx")
	if !isPlaylist {
		if hs := h.srv.hlsSessions.get(id); hs != nil {
			hs.touch(time.Now())
		}
		return false
	}
	app, stream, ok := matchMount(vs.hls.M3U8File, req.Path)
	if !ok {
		return false
	}
	if id == "" {
		// Give the player a session: SRS redirects with hls_ctx.
		loc := req.Path + "?hls_ctx=" + cid.New()
		if req.RawQuery != "" {
			loc += "&" + req.RawQuery
		}
		b := http1.AppendStatusLine(h.out[:0], 302)
		b = http1.AppendHeader(b, "Location", loc)
		b = http1.AppendHeader(b, "Content-Length", "0")
		if st.cfg.HTTPServer.Crossdomain {
			b = http1.AppendCORS(b)
		}
		b = append(b, "\r\n"...)
		h.out = b[:0]
		_, _ = h.c.Write(b)
		return true
	}
	es := edge.Stream{Vhost: v.Name, App: app, Stream: stream}
	playlist := func() error {
		h.servePlaylist(req, id, vs.hls.TSCtx)
		return nil
	}
	if hs := h.srv.hlsSessions.get(id); hs != nil {
		hs.touch(time.Now())
		_ = h.awaitPlaylist(vs, es, req, playlist)
		return true
	}
	sr := StreamRequest{TcURL: "http://" + req.Host + "/" + app, Host: req.Host, Vhost: v.Name, App: app, Stream: stream,
		Param: "?" + req.RawQuery}
	referer := req.Header.Get("Referer")
	idle := max(3*vs.hls.Fragment, 5*time.Second) // players refresh every target duration
	ip := ipOf(h.c)
	hs := &hlsSession{id: id, req: sr, idle: idle, lastSeen: time.Now(), started: time.Now(),
		conn: hooks.Conn{ClientID: id, IP: ip.String(), Vhost: v.Name, App: app}}
	ar := admission.Request{Action: admission.Play, Proto: "hls", ClientID: id, IP: ip, Vhost: v.Name,
		App: app, Stream: stream, Param: sr.Param, TcURL: sr.TcURL, PageURL: referer}
	h.admitPlay(req, ar, func() {
		h.srv.hlsSessions.add(hs)
		h.c.Log.Info("hls play", "hls_ctx", id, "stream", sr.StreamURL())
		h.srv.emit(v.Name, playEvent(hs.conn, &sr, referer, ""))
		_ = h.awaitPlaylist(vs, es, req, playlist)
	})
	return true
}

// servePlaylist answers with the playlist from memory, its segment URIs
// carrying the session id when hls_ts_ctx is on, or else from disk.
func (h *httpSession) servePlaylist(req *http1.Request, id string, tsCtx bool) {
	b, ctype, ok := h.srv.hlsStore.Get(req.Path)
	if !ok {
		// An ended stream's files leave memory but may stay on disk.
		_ = h.serveDisk(req)
		return
	}
	body := b.B
	if tsCtx {
		var out []byte
		for _, line := range strings.SplitAfter(string(body), "\n") {
			trimmed := strings.TrimRight(line, "\r\n")
			if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
				sep := "?"
				if strings.Contains(trimmed, "?") {
					sep = "&"
				}
				line = trimmed + sep + "hls_ctx=" + id + line[len(trimmed):]
			}
			out = append(out, line...)
		}
		body = out
	}
	head := h.srv.appendFileHead(h.out[:0], req, fileHead{status: 200, ctype: ctype, length: int64(len(body)), size: -1})
	if tsCtx {
		b.Release()
		h.sendBody(req, head, body, nil)
		return
	}
	h.sendBody(req, head, body, b)
}
