package server

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/cascade-live/cascade/internal/caster/rtsp"
	"github.com/cascade-live/cascade/internal/ffmpeg"
	"github.com/cascade-live/cascade/internal/session"
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
	req, ok := s.resolveRTMP(u)
	return ffmpeg.Key(req.Vhost, req.App, req.Stream), ok
}

func (s *Server) resolveRTMP(u string) (StreamRequest, bool) {
	i := strings.LastIndexByte(u, '/')
	if i < len("rtmp://") {
		return StreamRequest{}, false
	}
	req := parseTcURL(u[:i], "")
	req.setStream(u[i+1:])
	v := s.Config().Vhost(req.Vhost)
	if v == nil || req.App == "" || req.Stream == "" {
		return StreamRequest{}, false
	}
	req.Vhost = v.Name
	return req, true
}

// pullRTSP is an ingest of an RTSP camera that needs no transcoding: it
// publishes to output (an RTMP URL of this server) as an RTMP publisher
// on the loopback would, the way SRS's ingest ffmpeg does (security
// rules and on_publish apply).
func (s *Server) pullRTSP(ctx context.Context, input, output string) error {
	req, ok := s.resolveRTMP(output)
	if !ok {
		return fmt.Errorf("server: ingest output %q is not a stream of this server", output)
	}
	return rtsp.Pull(ctx, input, s, session.Request{Proto: "rtsp-pull", RemoteAddr: "127.0.0.1:0",
		TcURL: req.TcURL, Vhost: req.Vhost, App: req.App, Stream: req.Stream, Param: req.Param},
		rtsp.PullOptions{}, s.log)
}

// ffAPI lists the supervised processes and the snapshots for the HTTP API.
func (s *Server) ffAPI() map[string]func() any {
	return map[string]func() any{
		"processes": func() any { return s.ff.Processes() },
		"snapshots": func() any { return s.ff.Snapshots().List() },
	}
}
