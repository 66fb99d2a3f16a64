package hls

import (
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/ts"
)

// Segment bounds, as SRS: a segment under minSegment is discarded, no cut
// happens before twice that, and one longer than maxSegmentRatio times the
// longest expected is taken for a timestamp jump and discarded.
const (
	minSegment      = 100 * time.Millisecond
	maxSegmentRatio = 3
)

// frame is an audio or video frame ready for the transport stream.
type frame struct {
	p     *live.Packet // held while probing
	codec ts.Codec
	video bool
	key   bool
	dts   int64 // milliseconds on the publish's unwrapped timeline
	cts   int32 // composition time offset, milliseconds
	data  []byte
}

// openSegment is the segment being written.
type openSegment struct {
	buf        *buffer.Buffer
	start, end int64     // first and last DTS, milliseconds
	wall       time.Time // when it opened, for file names
	floorTS    int64     // [timestamp] with hls_ts_floor
	disc       bool
}

// write muxes a frame into the current segment, cutting first when due.
func (s *session) write(f frame) {
	if s.rebuild && (s.video.codec == ts.CodecNone || f.video && f.key && f.codec == s.video.codec) {
		s.closeSegment()
		s.discNext = s.discNext || s.opened
		s.buildProgram()
	}
	if s.failed || s.tsm == nil || !s.fits(f) {
		s.m.stats.DroppedFrames.Add(1)
		return
	}
	if s.waitKey && f.video {
		// Video starts at a keyframe; audio before it is kept, as SRS
		// and nginx-rtmp start segments with whatever audio there is.
		if !f.key {
			s.m.stats.DroppedFrames.Add(1)
			return
		}
		s.waitKey = false
	}
	if s.seg != nil && s.cutDue(f) {
		s.commit(max(s.seg.end, f.dts))
		if s.failed {
			return
		}
	}
	if s.seg == nil {
		s.open(f.dts)
	}
	var err error
	if f.video {
		dts := f.dts * 90
		err = s.tsm.WriteVideo(s.seg.buf, dts+int64(f.cts)*90, dts, f.key, f.data)
	} else {
		pts := f.dts * 90
		if !s.m.cfg.DTSDirectly && s.audio.rate > 0 {
			pts = s.audioDTS.dts(f.dts, s.audio.rate)
		}
		err = s.tsm.WriteAudio(s.seg.buf, pts, f.data)
	}
	if err != nil {
		s.m.stats.DroppedFrames.Add(1) // a malformed frame: skip it
		return
	}
	s.seg.end = max(s.seg.end, f.dts)
}

// fits reports whether the current program carries f.
func (s *session) fits(f frame) bool {
	c := s.tsm.Config()
	if f.video {
		return c.Video == f.codec
	}
	return c.Audio == f.codec
}

// cutDue decides whether the segment ends before f: at a keyframe once
// hls_fragment is reached (at any frame with hls_wait_keyframe off), at
// any frame past hls_fragment*hls_td_ratio, and for audio past
// hls_fragment*hls_aof_ratio (audio-only streams, or video that stalled).
func (s *session) cutDue(f frame) bool {
	cfg := &s.m.cfg
	dur := time.Duration(f.dts-s.seg.start) * time.Millisecond
	hasVideo := s.tsm.Config().Video != ts.CodecNone
	if s.cutNext && (!hasVideo || f.video && f.key) {
		return true
	}
	if dur < 2*minSegment {
		return false
	}
	var adjust time.Duration
	if cfg.TSFloor {
		adjust = s.floor.adjust(cfg.Fragment)
	}
	if !f.video {
		return dur >= time.Duration(float64(cfg.Fragment)*cfg.AOFRatio)+adjust
	}
	if !cfg.WaitKeyframe || f.key {
		return dur >= cfg.Fragment+adjust
	}
	return dur >= cfg.maxTD()+adjust
}

// open starts a segment whose first frame has DTS ms.
func (s *session) open(ms int64) {
	// The last segment's size picks the buffer's class, which is up to
	// twice that: a margin on top would double the buffer (and what the
	// pool keeps of it) whenever it crosses a class. A longer segment
	// grows its buffer.
	buf := buffer.GetSize(max(s.sizeHint, 16<<10))
	buf.B = buf.B[:0]
	s.tsm.WritePATPMT(buf)
	seg := &openSegment{buf: buf, start: ms, end: ms, wall: s.m.store.now(), disc: s.discNext}
	if s.m.cfg.TSFloor {
		seg.floorTS = s.floor.next(seg.wall, s.m.cfg.Fragment)
	}
	s.seg = seg
	s.discNext, s.cutNext, s.opened = false, false, true
}

// closeSegment commits the open segment, if any.
func (s *session) closeSegment() {
	if s.seg != nil {
		s.commit(s.seg.end)
	}
}
