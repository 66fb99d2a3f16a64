package server

import (
	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
)

// streamInfo is what the server keeps beside a live source: its rate meter
// and the outputs (HLS, HDS, DVR) of its current publish.
type streamInfo struct {
	kbps    api.KbpsMeter
	outputs []outputCloser
}

// outputCloser is a live.Output that has a goroutine to stop.
type outputCloser interface {
	live.Output
	Close() error
}

func (s *Server) streamOf(src *live.Source) *streamInfo {
	v, _ := s.streams.LoadOrStore(src.ID, &streamInfo{})
	return v.(*streamInfo)
}

func (s *Server) streamMeter(src *live.Source) *api.KbpsMeter { return &s.streamOf(src).kbps }

func (s *Server) streamBytesOut(src *live.Source) uint64 { return src.Stats.BytesOut.Load() }

// attachOutputs starts the vhost's outputs for a new publish.
func (s *Server) attachOutputs(src *live.Source, v *config.Vhost, req *StreamRequest, c *netpoll.Conn) {
	si := s.streamOf(src)
	for _, o := range s.newOutputs(src, v, req, c) {
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
		go o.Close()
	}
	si.outputs = nil
}

// newOutputs creates the outputs a vhost configures (filled in by the
// output integrations).
func (s *Server) newOutputs(src *live.Source, v *config.Vhost, req *StreamRequest, c *netpoll.Conn) []outputCloser {
	return nil
}
