package server

import (
	"context"
	"time"

	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/admission"
	"github.com/cascade-live/cascade/internal/events"
	"github.com/cascade-live/cascade/internal/streamreq"
)

// Queue lengths of the server's own sinks.
const (
	hooksSinkQueue   = 8192
	metricsSinkQueue = 1024
)

// startEvents creates the callback client and the admission path, and
// subscribes the server's sinks: the fire-and-forget HTTP callbacks and
// the metrics' event counts.
func (s *Server) startEvents() {
	s.hooks = hooks.NewClient(hooks.Options{ServerID: s.serverID, ServiceID: s.serviceID, Timeout: s.CallbackTimeout})
	s.admission = admission.New(s.hooks, s.policy)
	// The sinks end with the bus, in stopEvents.
	s.events.Subscribe("http_hooks", hooksSinkQueue, func(e events.Event) {
		s.hooks.Post(s.hooksConfig(e.Vhost), e.Payload)
	})
	s.events.Subscribe("metrics", metricsSinkQueue, func(e events.Event) {
		s.eventCount.Add(e.Action(), 1)
	})
}

// Events is the server's event bus: Subscribe to it for every connect,
// close, publish, unpublish, play, stop, dvr and hls event.
func (s *Server) Events() *events.Bus { return &s.events }

// emit publishes an event of vhost; it never blocks.
func (s *Server) emit(vhost string, p hooks.Payload) {
	s.events.Publish(events.Event{Time: time.Now(), Vhost: vhost, Payload: p})
}

// policy is the admission configuration of vhost (resolved as RTMP
// resolves it); false when the vhost is not served.
func (s *Server) policy(vhost string) (*admission.Policy, bool) {
	st := s.state.Load()
	v := st.cfg.Vhost(vhost)
	if v == nil || !v.Enabled {
		return nil, false
	}
	return &st.vhost(v).policy, true
}

// hooksConfig is vhost's http_hooks block now.
func (s *Server) hooksConfig(vhost string) *hooks.Config {
	if p, ok := s.policy(vhost); ok {
		return &p.Hooks
	}
	return &hooks.Config{}
}

// stopEvents delivers what the sinks hold and lets the callbacks in flight
// finish (on_unpublish, the last on_dvr and on_hls), bounded by ctx, then
// stops the callback client.
func (s *Server) stopEvents(ctx context.Context) {
	if s.hooks == nil {
		return
	}
	_ = s.events.Close(ctx)
	_ = s.hooks.Shutdown(ctx)
}

// streamEvent is the body of a stream's publish, unpublish and stop
// events (hooks.OnUnpublish and hooks.OnStop convert from it).
func streamEvent(conn hooks.Conn, req *StreamRequest, streamID string) hooks.OnPublish {
	return streamreq.StreamEvent(conn, (*streamreq.Request)(req), streamID)
}

// playEvent is the body of a play event.
func playEvent(conn hooks.Conn, req *StreamRequest, pageURL, streamID string) hooks.OnPlay {
	return streamreq.PlayEvent(conn, (*streamreq.Request)(req), pageURL, streamID)
}
