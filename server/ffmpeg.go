package server

import (
	"net"
	"strings"

	"github.com/cascade-live/cascade/internal/ffmpeg"
)

// The FFmpeg features (transcode, ingest, exec, snapshot) live in
// internal/ffmpeg; this file connects them to the server.

// ffStream describes a publish for the FFmpeg manager.
func ffStream(req *StreamRequest) ffmpeg.Stream {
	return ffmpeg.Stream{Vhost: req.Vhost, App: req.App, Stream: req.Stream, Param: req.Param, TcURL: req.TcURL}
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
