package server

import (
	"log/slog"
	"os"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/dvr"
	"github.com/cascade-live/cascade/hds"
	"github.com/cascade-live/cascade/hls"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/live"
)

// streamInfo is what the server keeps beside a live source: its rate meter
// and the outputs (HLS, HDS, DVR) of its current publish.
type streamInfo struct {
	kbps    api.KbpsMeter
	outputs []outputCloser
}

// outputCloser is a live.Output that has a goroutine to stop; Close
// returns at once and the output finishes its files on its own.
type outputCloser interface {
	live.Output
	Close()
}

func (s *Server) streamOf(src *live.Source) *streamInfo {
	v, _ := s.streams.LoadOrStore(src.ID, &streamInfo{})
	return v.(*streamInfo)
}

func (s *Server) streamMeter(src *live.Source) *api.KbpsMeter { return &s.streamOf(src).kbps }

func (s *Server) streamBytesOut(src *live.Source) uint64 { return src.Stats.BytesOut.Load() }

// attachOutputs starts the vhost's outputs for a new publish.
func (s *Server) attachOutputs(src *live.Source, v *config.Vhost, req *StreamRequest, log *slog.Logger, conn hooks.Conn) {
	si := s.streamOf(src)
	for _, o := range s.newOutputs(src, v, req, log, conn) {
		si.outputs = append(si.outputs, o)
		src.AddOutput(o)
	}
}

// detachOutputs stops a publish's outputs (they finish their files on
// their own goroutines).
func (s *Server) detachOutputs(src *live.Source) {
	v, ok := s.streams.Load(src.ID)
	if !ok {
		return
	}
	si := v.(*streamInfo)
	for _, o := range si.outputs {
		src.RemoveOutput(o)
		o.Unpublish()
		o.Close()
	}
	si.outputs = nil
}

// newOutputs creates the outputs the vhost configures for a publish.
func (s *Server) newOutputs(src *live.Source, v *config.Vhost, req *StreamRequest, log *slog.Logger, conn hooks.Conn) []outputCloser {
	vs := s.state.Load().vhost(v)
	var outs []outputCloser
	if vs.dvr.Enabled && vs.dvr.Applies(v.Name, req.App, req.Stream) {
		ev := &dvrEvents{srv: s, vs: vs, conn: conn, req: *req, streamID: src.ID}
		rec, err := dvr.NewRecorder(vs.dvr, dvr.StreamID{Vhost: v.Name, App: req.App, Stream: req.Stream}, ev)
		if err != nil {
			log.Error("dvr: cannot record", "stream", req.StreamURL(), "err", err)
		} else {
			outs = append(outs, rec)
		}
	}
	if vs.hls.Enabled {
		ev := &hlsEvents{srv: s, vs: vs, conn: conn, req: *req, streamID: src.ID}
		m, err := hls.NewMuxer(vs.hls, hls.StreamID{Vhost: v.Name, App: req.App, Stream: req.Stream}, s.hlsStore, ev)
		if err != nil {
			log.Error("hls: cannot segment", "stream", req.StreamURL(), "err", err)
		} else {
			outs = append(outs, hlsOutput{m})
		}
	}
	if vs.hds.Enabled {
		outs = append(outs, hds.NewMuxer(vs.hds, hds.StreamID{Vhost: v.Name, App: req.App, Stream: req.Stream}, s.hdsStore))
	}
	return outs
}

// hlsOutput adapts hls.Muxer's Close to outputCloser.
type hlsOutput struct{ *hls.Muxer }

func (o hlsOutput) Close() { go o.Muxer.Close() }

// hlsEvents calls on_hls (and on_hls_notify) for each new segment.
type hlsEvents struct {
	srv      *Server
	vs       *vhostState
	conn     hooks.Conn
	req      StreamRequest
	streamID string
}

func (e *hlsEvents) OnHLS(seg hls.SegmentInfo) {
	h := e.vs.hooks
	cwd, _ := os.Getwd()
	e.srv.notify(e.conn.Vhost, h, h.OnHLS, hooks.OnHLS{Conn: e.conn, TcURL: e.req.TcURL, Stream: e.req.Stream, Param: e.req.Param,
		Duration: hooks.Seconds(seg.Duration.Seconds()), Cwd: cwd, File: seg.File, URL: seg.URL, M3U8: seg.M3U8,
		M3U8URL: seg.M3U8URL, SeqNo: seg.SeqNo, StreamURL: e.req.StreamURL(), StreamID: e.streamID})
	if h.Enabled && len(h.OnHLSNotify) > 0 {
		e.srv.hooks.Notify(h.OnHLSNotify, hooks.HLSNotify{App: e.req.App, Stream: e.req.Stream, Param: e.req.Param,
			TSURL: seg.URL}, nil)
	}
}

// dvrEvents calls on_dvr when a recording closes.
type dvrEvents struct {
	srv      *Server
	vs       *vhostState
	conn     hooks.Conn
	req      StreamRequest
	streamID string
}

func (e *dvrEvents) OnDVR(f dvr.FileInfo) {
	e.srv.log.Info("dvr file closed", "stream", e.req.StreamURL(), "file", f.Path, "duration", f.Duration)
	e.srv.notify(e.conn.Vhost, e.vs.hooks, e.vs.hooks.OnDVR, hooks.OnDVR{Conn: e.conn, TcURL: e.req.TcURL, Stream: e.req.Stream,
		Param: e.req.Param, Cwd: f.Cwd, File: f.Path, StreamURL: e.req.StreamURL(), StreamID: e.streamID})
}
