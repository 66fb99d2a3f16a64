package server

import (
	"strings"
	"time"

	"github.com/cascade-live/cascade/http1"
	"github.com/cascade-live/cascade/internal/edge"
)

// RTSP pulls on demand (a vhost's rtsp_pull) are the edge's: RTMP and
// HTTP-FLV players start them through the registry's FirstPlayer event
// (cluster.StreamEvent). An HLS player is no consumer of the registry, so
// each of its playlist requests holds the pull here.

// holdRTSPForHLS holds the pull of a playlist's stream on an rtsp_pull
// vhost. Until the playlist exists the request waits for it (at most the
// pull's timeout and three fragments), then is answered as any other, or
// 404 when the camera could not be reached. It reports whether it took the
// request.
func (h *httpSession) holdRTSPForHLS(st *state, req *http1.Request) bool {
	if h.pullWaited || !strings.HasSuffix(req.Path, ".m3u8") {
		return false
	}
	v := st.cfg.Vhost(req.Host)
	if v == nil {
		return false
	}
	vs := st.vhost(v)
	if !vs.rtsp.Enabled || vs.cluster.Remote || !vs.hls.Enabled {
		return false
	}
	app, stream, ok := matchMount(vs.hls.M3U8File, req.Path)
	if !ok {
		return false
	}
	es := edge.Stream{Vhost: v.Name, App: app, Stream: stream}
	pulls := h.srv.cluster.edge
	if !pulls.Pulling(es.Key()) && h.srv.cluster.publishing(es.Vhost, es.App, es.Stream) {
		return false // published by an encoder
	}
	hold := max(3*vs.hls.Fragment, vs.rtsp.IdleTimeout) // players refresh every target duration
	if b, _, ok := h.srv.hlsStore.Get(req.Path); ok {
		b.Release()
		pulls.HoldRTSP(es, vs.rtsp, hold)
		return false
	}
	wait := vs.rtsp.Timeout + 3*vs.hls.Fragment
	pulls.HoldRTSP(es, vs.rtsp, wait+hold) // outlives the wait
	h.busy = true
	go func() {
		deadline := time.Now().Add(wait)
		found := false
		for !found && pulls.Pulling(es.Key()) && time.Now().Before(deadline) {
			select {
			case <-h.srv.done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			var b interface{ Release() }
			if b, _, found = h.srv.hlsStore.Get(req.Path); found {
				b.Release()
			}
		}
		h.c.Do(func() error {
			h.busy = false
			if !found {
				h.c.Log.Info("hls play: the stream's RTSP pull has no playlist", "vhost", v.Name, "url", req.Path)
				return h.errorReply(req, 404)
			}
			h.pullWaited = true
			defer func() { h.pullWaited = false }()
			return h.serve(req)
		})
	}()
	return true
}
