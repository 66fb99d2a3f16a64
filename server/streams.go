package server

import (
	"log/slog"
	"os"
	"sync"
	"time"

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
	mu      sync.Mutex // outputs: the publisher's goroutine or loop, and Close
	outputs []outputCloser
}

// outputCloser is a live.Output that has a goroutine to stop; Close
// returns at once and the output finishes its files on its own, then
// closes Done.
type outputCloser interface {
	live.Output
	Close()
	Done() <-chan struct{}
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
		s.outputs.Add(1)
		si.mu.Lock()
		si.outputs = append(si.outputs, o)
		si.mu.Unlock()
		src.AddOutput(o)
	}
	s.ff.OnPublish(ffStream(src, req))
}

// detachOutputs stops a publish's outputs (they finish their files on
// their own goroutines).
func (s *Server) detachOutputs(src *live.Source) {
	s.ff.OnUnpublish(ffStream(src, nil))
	v, ok := s.streams.Load(src.ID)
	if !ok {
		return
	}
	si := v.(*streamInfo)
	for _, o := range si.takeOutputs() {
		src.RemoveOutput(o)
		s.finishOutput(o)
	}
}

// takeOutputs removes the outputs from si and returns them.
func (si *streamInfo) takeOutputs() []outputCloser {
	si.mu.Lock()
	defer si.mu.Unlock()
	outs := si.outputs
	si.outputs = nil
	return outs
}

// finishOutput ends an output's publish and stops it; s.outputs counts it
// until its files are finished.
func (s *Server) finishOutput(o outputCloser) {
	o.Unpublish()
	o.Close()
	go func() {
		<-o.Done()
		s.outputs.Done()
	}()
}

// finishOutputs stops the outputs still attached (at Close, once no
// packet can arrive) and waits for every output to finish its files, at
// most d.
func (s *Server) finishOutputs(d time.Duration) bool {
	s.streams.Range(func(_, v any) bool {
		for _, o := range v.(*streamInfo).takeOutputs() {
			s.finishOutput(o)
		}
		return true
	})
	done := make(chan struct{})
	go func() {
		s.outputs.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// newOutputs creates the outputs the vhost configures for a publish.
func (s *Server) newOutputs(src *live.Source, v *config.Vhost, req *StreamRequest, log *slog.Logger, conn hooks.Conn) []outputCloser {
	vs := s.state.Load().vhost(v)
	var outs []outputCloser
	if vs.dvr.Enabled && vs.dvr.Applies(v.Name, req.App, req.Stream) {
		ev := &dvrEvents{srv: s, conn: conn, req: *req, streamID: src.ID}
		rec, err := dvr.NewRecorder(vs.dvr, dvr.StreamID{Vhost: v.Name, App: req.App, Stream: req.Stream}, ev)
		if err != nil {
			log.Error("dvr: cannot record", "stream", req.StreamURL(), "err", err)
		} else {
			outs = append(outs, rec)
		}
	}
	if vs.hls.Enabled {
		ev := &hlsEvents{srv: s, conn: conn, req: *req, streamID: src.ID}
		m, err := hls.NewMuxer(vs.hls, hls.StreamID{Vhost: v.Name, App: req.App, Stream: req.Stream}, s.hlsStore, ev)
		if err != nil {
			log.Error("hls: cannot segment", "stream", req.StreamURL(), "err", err)
		} else {
			outs = append(outs, &hlsOutput{Muxer: m, done: make(chan struct{})})
		}
	}
	if vs.hds.Enabled {
		outs = append(outs, hds.NewMuxer(vs.hds, hds.StreamID{Vhost: v.Name, App: req.App, Stream: req.Stream}, s.hdsStore))
	}
	return outs
}

// hlsOutput adapts hls.Muxer's Close to outputCloser.
type hlsOutput struct {
	*hls.Muxer
	done chan struct{}
}

func (o *hlsOutput) Close() {
	go func() {
		o.Muxer.Close()
		close(o.done)
	}()
}

func (o *hlsOutput) Done() <-chan struct{} { return o.done }

// hlsEvents reports each new segment: on_hls (and on_hls_notify).
type hlsEvents struct {
	srv      *Server
	conn     hooks.Conn
	req      StreamRequest
	streamID string
}

func (e *hlsEvents) OnHLS(seg hls.SegmentInfo) {
	cwd, _ := os.Getwd()
	e.srv.emit(e.conn.Vhost, hooks.OnHLS{Conn: e.conn, TcURL: e.req.TcURL, Stream: e.req.Stream, Param: e.req.Param,
		Duration: hooks.Seconds(seg.Duration.Seconds()), Cwd: cwd, File: seg.File, URL: seg.URL, M3U8: seg.M3U8,
		M3U8URL: seg.M3U8URL, SeqNo: seg.SeqNo, StreamURL: e.req.StreamURL(), StreamID: e.streamID})
}

// dvrEvents reports each recording closed: on_dvr.
type dvrEvents struct {
	srv      *Server
	conn     hooks.Conn
	req      StreamRequest
	streamID string
}

func (e *dvrEvents) OnDVR(f dvr.FileInfo) {
	e.srv.log.Info("dvr file closed", "stream", e.req.StreamURL(), "file", f.Path, "duration", f.Duration)
	e.srv.emit(e.conn.Vhost, hooks.OnDVR{Conn: e.conn, TcURL: e.req.TcURL, Stream: e.req.Stream,
		Param: e.req.Param, Cwd: f.Cwd, File: f.Path, StreamURL: e.req.StreamURL(), StreamID: e.streamID})
}
