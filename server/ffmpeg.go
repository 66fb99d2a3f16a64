package server

import (
	"net"
	"strings"

	"github.com/cascade-live/cascade/internal/ffmpeg"
	"github.com/cascade-live/cascade/live"
)

// The FFmpeg features (transcode, ingest, exec, snapshot) live in
// internal/ffmpeg; this file connects them to the server.

// The manager hears of publishes from attachOutputs and detachOutputs,
// which every kind of publisher goes through (RTMP, session.Host.Publish
// for casters, edge pulls and ingests) with its request. live's Published
// event would not do: it fires inside Registry.Publish, before the
// request (param, tcUrl) is known.

// ffStream describes a publish of src for the FFmpeg manager; req may
// be nil when only the identity matters (unpublish).
func ffStream(src *live.Source, req *StreamRequest) ffmpeg.Stream {
	st := ffmpeg.Stream{Vhost: src.Vhost, App: src.App, Stream: src.Stream}
	if req != nil {
		st.Param, st.TcURL = req.Param, req.TcURL
	}
	return st
}

// applyFFmpeg hands the FFmpeg blocks of the configuration in force to
// the manager.
func (s *Server) applyFFmpeg() {
	st := s.state.Load()
	for _, w := range st.ff.Warnings {
		s.log.Warn("config", "warning", w)
	}
	port := 1935
	if a, ok := s.RTMPAddr().(*net.TCPAddr); ok {
		port = a.Port
	}
	s.ff.Apply(st.ff, port)
}

// resolveRTMPURL tells which stream of this server an RTMP URL publishes
// to, as a publish with that URL would be resolved (tcUrl, ?vhost=).
func (s *Server) resolveRTMPURL(u string) (string, bool) {
	i := strings.LastIndexByte(u, '/')
	if i < len("rtmp://") {
		return "", false
	}
	req := parseTcURL(u[:i], "")
	req.setStream(u[i+1:])
	v := s.Config().Vhost(req.Vhost)
	if v == nil || req.App == "" || req.Stream == "" {
		return "", false
	}
	return ffmpeg.Key(v.Name, req.App, req.Stream), true
}

// ffAPI lists the supervised processes and the snapshots for the HTTP API.
func (s *Server) ffAPI() map[string]func() any {
	return map[string]func() any{
		"processes": func() any { return s.ff.Processes() },
		"snapshots": func() any { return s.ff.Snapshots().List() },
	}
}
