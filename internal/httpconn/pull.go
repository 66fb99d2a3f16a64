package httpconn

import (
	"strings"
	"time"

	"github.com/cascade-live/cascade/http1"
	"github.com/cascade-live/cascade/internal/edge"
)

// RTSP pulls on demand (a vhost's rtsp_pull) are the edge's: a player that
// joins the registry starts one through the FirstPlayer event
// (cluster.StreamEvent), and its leaving stops it. The HTTP players wait
// here, once admitted, for the pull to deliver, so that a camera that
// cannot be reached is answered 404: HTTP-FLV for the stream to be
// published, HLS for its playlist. An HLS player is no consumer of the
// registry, so each of its playlist requests also holds the pull.

// awaitPull runs then at once unless the stream st of v is to be pulled
// from a camera and is not ready yet: then it holds the pull (starting it)
// and runs then once ready reports true, or answers 404 after wait or when
// the pull failed. hold, when positive, keeps the pull that long after
// this request.
func (h *conn) awaitPull(vs Vhost, st edge.Stream, req *http1.Request, ready func() bool,
	wait, hold time.Duration, then func() error) error {
	pulls := h.srv.Edge
	if !vs.RTSP.Enabled || vs.Cluster.Remote || !pulls.Pulling(st.Key()) && h.srv.Host.Publishing(st.Vhost, st.App, st.Stream) {
		return then() // not pulled, or published by an encoder
	}
	if ready() {
		if hold > 0 {
			pulls.HoldRTSP(st, *vs.RTSP, hold)
		}
		return then()
	}
	pulls.HoldRTSP(st, *vs.RTSP, wait+hold) // outlives the wait
	h.busy = true
	go func() {
		deadline := time.Now().Add(wait)
		found := false
		for !found && pulls.Pulling(st.Key()) && time.Now().Before(deadline) {
			select {
			case <-h.srv.Done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			found = ready()
		}
		h.c.Do(func() error {
			h.busy = false
			if !found {
				h.c.Log.Info("http play: the stream's camera gave nothing to play", "stream", st.Key(), "url", req.Path)
				return h.errorReply(req, 404)
			}
			return then()
		})
	}()
	return nil
}

// awaitFLV waits for an HTTP-FLV play's stream to be published.
func (h *conn) awaitFLV(vs Vhost, st edge.Stream, req *http1.Request, then func() error) error {
	ready := func() bool { return h.srv.Host.Publishing(st.Vhost, st.App, st.Stream) }
	return h.awaitPull(vs, st, req, ready, vs.RTSP.Timeout+time.Second, 0, then)
}

// awaitPlaylist waits for the playlist of an HLS play, holding the pull
// for three fragments (players refresh every target duration) or
// idle_timeout, whichever is longer.
func (h *conn) awaitPlaylist(vs Vhost, st edge.Stream, req *http1.Request, then func() error) error {
	ready := func() bool {
		b, _, ok := h.srv.Playlists.Get(req.Path)
		if ok {
			b.Release()
		}
		return ok
	}
	return h.awaitPull(vs, st, req, ready, vs.RTSP.Timeout+3*vs.HLS.Fragment, max(3*vs.HLS.Fragment, vs.RTSP.IdleTimeout), then)
}

// playlistStream names the stream of a playlist request (hls_ctx off) on a
// vhost with rtsp_pull; ok is false for any other request.
func (h *conn) playlistStream(st State, req *http1.Request) (vs Vhost, es edge.Stream, ok bool) {
	if !strings.HasSuffix(req.Path, ".m3u8") {
		return Vhost{}, es, false
	}
	v := st.Config().Vhost(req.Host)
	if v == nil {
		return Vhost{}, es, false
	}
	vs = st.Vhost(v)
	if !vs.RTSP.Enabled || !vs.HLS.Enabled {
		return Vhost{}, es, false
	}
	app, stream, ok := matchMount(vs.HLS.M3U8File, req.Path)
	return vs, edge.Stream{Vhost: v.Name, App: app, Stream: stream}, ok
}
