package hls

import (
	"fmt"
	"time"

	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/ts"
)

// Probing: the transport stream's program (which of video and audio, which
// codecs) is fixed in its PMT, so frames wait until both kinds have shown
// their configuration, or until probeSpan of media or probeFrames frames
// have gone by. A kind that appears later changes the program at the next
// keyframe, after a discontinuity.
const (
	probeSpan   = 500 // milliseconds
	probeFrames = 128
)

// session is the muxing state of one publish, owned by the Muxer's
// goroutine.
type session struct {
	m *Muxer

	started bool
	failed  bool // hls_on_error ignore/disconnect after a failure
	opened  bool // a segment was opened in this publish

	video videoTrack
	audio audioTrack
	tsm   *ts.Muxer

	pending  []frame // probing
	waitKey  bool    // drop video until a keyframe
	rebuild  bool    // the program changes at the next keyframe
	cutNext  bool    // a configuration changed: cut at the next keyframe
	discNext bool    // the next segment follows a discontinuity

	seg      *openSegment
	timeline timeline
	floor    floorCounter
	sizeHint int // bytes of the last segment, to size the next buffer
	audioDTS audioClock
}

// packet handles one audio or video packet.
func (s *session) packet(p *live.Packet) {
	if !s.started {
		s.start()
	}
	if s.failed || p.Payload == nil {
		return
	}
	switch p.Kind {
	case live.KindVideo:
		s.videoPacket(p)
	case live.KindAudio:
		s.audioPacket(p)
	}
}

func (s *session) start() {
	s.started = true
	// The Store may have forgotten the stream since the last publish.
	s.m.state = s.m.store.stream(s.m.id)
	s.discNext = s.m.state.activate()
}

// frame muxes f, or keeps it while the program is not known yet.
func (s *session) frame(f frame, p *live.Packet) {
	if s.tsm != nil {
		s.write(f)
		return
	}
	p.Retain()
	f.p = p
	s.pending = append(s.pending, f)
	if !s.probed(f) {
		return
	}
	s.flushPending()
}

// probed reports whether the program can be decided.
func (s *session) probed(last frame) bool {
	video := s.video.codec != ts.CodecNone || s.m.cfg.VCodec == "vn"
	audio := s.audio.codec != ts.CodecNone || s.m.cfg.ACodec == "an"
	return video && audio || len(s.pending) >= probeFrames || last.dts-s.pending[0].dts >= probeSpan
}

// flushPending builds the program and muxes the frames kept meanwhile.
func (s *session) flushPending() {
	pending := s.pending
	s.pending = nil
	if s.buildProgram() {
		for _, f := range pending {
			s.write(f)
		}
	}
	for _, f := range pending {
		f.p.Release()
	}
	clear(pending)
}

// buildProgram makes the transport stream muxer for the tracks known.
func (s *session) buildProgram() bool {
	cfg := ts.Config{Video: s.video.codec, Audio: s.audio.codec, NALULengthSize: s.video.lengthSize}
	if cfg.Video == ts.CodecNone && cfg.Audio == ts.CodecNone {
		return false
	}
	var err error
	tsm := s.m.state.takeMuxer(cfg)
	if tsm == nil {
		tsm, err = ts.NewMuxer(cfg)
	}
	if err == nil && cfg.Video != ts.CodecNone {
		err = s.applyVideo(tsm)
	}
	if err == nil && cfg.Audio == ts.CodecAAC {
		err = tsm.SetAACConfig(s.audio.asc)
	}
	if err != nil {
		s.report(fmt.Errorf("hls: %s: %v/%v program: %w", s.m.id, cfg.Video, cfg.Audio, err))
		return false
	}
	s.tsm = tsm
	s.waitKey = cfg.Video != ts.CodecNone
	s.rebuild, s.cutNext = false, false
	return true
}

// end finishes the publish: what was probing is muxed, the last segment
// written, and the dispose timer armed.
func (s *session) end() {
	if !s.started {
		return
	}
	if s.tsm == nil && len(s.pending) > 0 && !s.failed {
		s.flushPending()
	}
	for _, f := range s.pending {
		f.p.Release()
	}
	if !s.failed {
		s.closeSegment()
	}
	if s.seg != nil {
		s.seg.buf.Release()
	}
	s.m.state.deactivate(s.m.store, s.m.cfg.Dispose, max(s.m.cfg.Window, s.m.cfg.Fragment, time.Second), s.tsm)
	*s = session{m: s.m, sizeHint: s.sizeHint}
}

// report tells ErrorEvents of a failure.
func (s *session) report(err error) {
	s.m.stats.Errors.Add(1)
	if ee, ok := s.m.events.(ErrorEvents); ok {
		ee.OnHLSError(s.m.id, s.m.cfg.OnError, err)
	}
}

// fail reports a failure to write files and applies hls_on_error: with
// continue the stream goes on, otherwise HLS stops until the next publish.
func (s *session) fail(err error) {
	s.report(err)
	if s.m.cfg.OnError != OnErrorContinue {
		s.failed = true
		if s.seg != nil {
			s.seg.buf.Release()
			s.seg = nil
		}
	}
}
