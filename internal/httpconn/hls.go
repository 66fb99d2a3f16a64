package httpconn

import (
	"bytes"
	"strings"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/hls"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/http1"
	"github.com/cascade-live/cascade/internal/admission"
	"github.com/cascade-live/cascade/internal/cid"
	"github.com/cascade-live/cascade/internal/edge"
	"github.com/cascade-live/cascade/internal/hlsctx"
	"github.com/cascade-live/cascade/internal/streamreq"
)

// serveHLS handles playlist and segment requests of vhosts with hls_ctx
// on. It reports false for requests it leaves to the file handlers.
func (h *conn) serveHLS(st State, req *http1.Request) bool {
	isPlaylist := strings.HasSuffix(req.Path, ".m3u8")
	if !isPlaylist && !strings.HasSuffix(req.Path, ".ts") {
		return false
	}
	v := st.Config().Vhost(req.Host)
	if v == nil {
		return false
	}
	vs := st.Vhost(v)
	if !vs.HLS.Enabled || !vs.HLS.Ctx {
		return false
	}
	id := req.Query("hls_ctx")
	if !isPlaylist {
		if hs := h.srv.HLSSessions.Get(id); hs != nil {
			hs.Touch(time.Now())
		}
		return false
	}
	app, stream, ok := matchMount(vs.HLS.M3U8File, req.Path)
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
		if st.Config().HTTPServer.Crossdomain {
			b = http1.AppendCORS(b)
		}
		b = append(b, "\r\n"...)
		h.out = b[:0]
		_, _ = h.c.Write(b)
		return true
	}
	es := edge.Stream{Vhost: v.Name, App: app, Stream: stream}
	playlist := func() error {
		h.servePlaylist(req, id, vs.HLS.TSCtx)
		return nil
	}
	if hs := h.srv.HLSSessions.Get(id); hs != nil {
		hs.Touch(time.Now())
		_ = h.awaitPlaylist(vs, es, req, playlist)
		return true
	}
	sr := streamreq.Request{TcURL: "http://" + req.Host + "/" + app, Host: req.Host, Vhost: v.Name, App: app, Stream: stream,
		Param: "?" + req.RawQuery}
	referer := req.Header.Get("Referer")
	idle := max(3*vs.HLS.Fragment, 5*time.Second) // players refresh every target duration
	ip := streamreq.ClientIP(h.c)
	hs := &hlsctx.Session{ID: id, Req: sr, Idle: idle, Started: time.Now(),
		Conn: hooks.Conn{ClientID: id, IP: ip.String(), Vhost: v.Name, App: app}}
	hs.Touch(time.Now())
	ar := admission.Request{Action: admission.Play, Proto: "hls", ClientID: id, IP: ip, Vhost: v.Name,
		App: app, Stream: stream, Param: sr.Param, TcURL: sr.TcURL, PageURL: referer}
	h.admitPlay(req, ar, func() {
		h.srv.HLSSessions.Add(hs)
		h.c.Log.Info("hls play", "hls_ctx", id, "stream", sr.StreamURL())
		h.srv.Host.Emit(v.Name, streamreq.PlayEvent(hs.Conn, &sr, referer, ""))
		_ = h.awaitPlaylist(vs, es, req, playlist)
	})
	return true
}

// servePlaylist answers with the playlist from memory, its segment URIs
// carrying the session id when hls_ts_ctx is on, or else from disk.
func (h *conn) servePlaylist(req *http1.Request, id string, tsCtx bool) {
	b, ctype, ok := h.srv.Playlists.Get(req.Path)
	if !ok {
		// An ended stream's files leave memory but may stay on disk.
		_ = h.serveDisk(req)
		return
	}
	if tsCtx {
		// The session's own copy, from the pool: a player fetches it
		// every target duration.
		grow := (bytes.Count(b.B, []byte{'\n'}) + 1) * (len("?hls_ctx=") + len(id))
		withCtx := buffer.GetSize(len(b.B) + grow)
		withCtx.B = hls.AppendWithQuery(withCtx.B[:0], b.B, "hls_ctx", id)
		b.Release()
		b = withCtx
	}
	head := h.srv.appendFileHead(h.out[:0], req, fileHead{status: 200, ctype: ctype, length: int64(len(b.B)), size: -1})
	h.sendBody(req, head, b.B, b)
}
