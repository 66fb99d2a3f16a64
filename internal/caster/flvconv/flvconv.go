// Package flvconv turns elementary streams into the FLV tags a publisher
// takes: H.264 and H.265 access units given as NAL units, AAC frames with
// their AudioSpecificConfig, and MPEG audio (MP3) frames, with timestamps
// on the 90 kHz clock. It is the common back half of the stream casters
// (MPEG-TS over UDP, SRT, RTSP): each one parses its transport and hands
// the media to a Converter.
//
// Parameter sets found in the stream (or given out of band) become a
// sequence header whenever they change; video starts at the first
// keyframe once the parameter sets are known.
package flvconv

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/ts"
)

// MaxFrameSize bounds one frame (tag body): larger frames are dropped with
// ErrFrameTooLarge.
const MaxFrameSize = 8 << 20

// Errors of a Converter; the frame concerned is dropped, the stream goes on.
var (
	ErrFrameTooLarge = errors.New("flvconv: frame too large")
	ErrMalformed     = errors.New("flvconv: malformed frame")
)

// TagWriter takes FLV tags; session.Publisher is one.
type TagWriter interface {
	WriteTag(typ uint8, timestamp uint32, payload []byte) error
}

// Converter writes elementary stream frames as FLV tags to a TagWriter. It
// is not safe for concurrent use.
type Converter struct {
	w TagWriter

	base    int64 // first timestamp, 90 kHz
	hasBase bool
	clock   ts.Unwrapper // for WriteTSFrame

	vcodec   ts.Codec
	vps      []byte
	sps      []byte
	pps      []byte
	cfgSent  bool // the sequence header of vps/sps/pps was written
	keySeen  bool // video started at a keyframe
	asc      []byte
	ascBuf   []byte
	nalus    [][]byte // units of the access unit being written
	split    [][]byte // units of a PES packet
	buf      []byte
	videoPID uint16
	audioPID uint16
}

// New returns a Converter writing to w.
func New(w TagWriter) *Converter { return &Converter{w: w} }

// ms converts a 90 kHz time to the FLV timestamp, counted from the first
// frame.
func (c *Converter) ms(t int64) uint32 {
	if !c.hasBase {
		c.base, c.hasBase = t, true
	}
	d := (t - c.base) / 90
	if d < 0 {
		return 0
	}
	return uint32(d)
}

func (c *Converter) write(typ uint8, t int64, payload []byte) error {
	if len(payload) > MaxFrameSize {
		return fmt.Errorf("flvconv: %d bytes: %w", len(payload), ErrFrameTooLarge)
	}
	return c.w.WriteTag(typ, c.ms(t), payload)
}

// SetParams sets H.264 (vps nil) or H.265 parameter sets known out of band,
// such as from an SDP.
func (c *Converter) SetParams(codec ts.Codec, vps, sps, pps []byte) {
	c.setCodec(codec)
	c.setParam(&c.vps, vps)
	c.setParam(&c.sps, sps)
	c.setParam(&c.pps, pps)
}

func (c *Converter) setCodec(codec ts.Codec) {
	if c.vcodec != codec {
		c.vcodec, c.vps, c.sps, c.pps, c.cfgSent, c.keySeen = codec, nil, nil, nil, false, false
	}
}

func (c *Converter) setParam(dst *[]byte, p []byte) {
	if len(p) > 0 && !bytes.Equal(*dst, p) {
		*dst = bytes.Clone(p)
		c.cfgSent = false
	}
}

// WriteVideo writes one access unit of codec (ts.CodecH264 or
// ts.CodecH265) given as NAL units without start codes. pts and dts are
// on the 90 kHz clock, not wrapped.
func (c *Converter) WriteVideo(codec ts.Codec, pts, dts int64, nalus [][]byte) error {
	c.setCodec(codec)
	key := false
	c.nalus = c.nalus[:0]
	size := 0
	for _, n := range nalus {
		if len(n) == 0 {
			continue
		}
		if codec == ts.CodecH264 {
			switch t := ts.H264NALType(n); t {
			case ts.H264NALSPS:
				c.setParam(&c.sps, n)
				continue
			case ts.H264NALPPS:
				c.setParam(&c.pps, n)
				continue
			case ts.H264NALAUD, 12: // 12: filler data
				continue
			default:
				key = key || ts.H264IsKeyframeNAL(t)
			}
		} else {
			switch t := ts.H265NALType(n); t {
			case ts.H265NALVPS:
				c.setParam(&c.vps, n)
				continue
			case ts.H265NALSPS:
				c.setParam(&c.sps, n)
				continue
			case ts.H265NALPPS:
				c.setParam(&c.pps, n)
				continue
			case ts.H265NALAUD:
				continue
			default:
				key = key || ts.H265IsKeyframeNAL(t)
			}
		}
		c.nalus = append(c.nalus, n)
		size += 4 + len(n)
	}
	if len(c.nalus) == 0 {
		return nil
	}
	if size > MaxFrameSize {
		return fmt.Errorf("flvconv: access unit of %d bytes: %w", size, ErrFrameTooLarge)
	}
	if !c.cfgSent {
		if err := c.writeVideoConfig(dts); err != nil || !c.cfgSent {
			return err
		}
	}
	if !c.keySeen && !key {
		return nil // start at a keyframe
	}
	c.keySeen = true
	ft := uint8(flv.FrameTypeInter)
	if key {
		ft = flv.FrameTypeKey
	}
	cts := int32((pts - dts) / 90)
	b := c.buf[:0]
	if codec == ts.CodecH264 {
		b = flv.AppendVideoHeader(b, ft, flv.VideoCodecAVC, flv.AVCPacketNALU, cts)
	} else {
		b = flv.AppendEnhancedVideoHeader(b, ft, flv.VideoPacketCodedFrames, flv.FourCCHEVC, cts)
	}
	for _, n := range c.nalus {
		b = append(b, byte(len(n)>>24), byte(len(n)>>16), byte(len(n)>>8), byte(len(n)))
		b = append(b, n...)
	}
	c.buf = b
	return c.write(flv.TagVideo, dts, b)
}

// VideoStarted reports whether video was written: a keyframe, after its
// sequence header.
func (c *Converter) VideoStarted() bool { return c.keySeen }

// writeVideoConfig writes the sequence header once the parameter sets are
// complete; until then it writes nothing and leaves cfgSent false.
func (c *Converter) writeVideoConfig(dts int64) error {
	b := c.buf[:0]
	switch c.vcodec {
	case ts.CodecH264:
		if c.sps == nil || c.pps == nil {
			return nil
		}
		cfg, err := flv.NewAVCConfig([][]byte{c.sps}, [][]byte{c.pps})
		if err != nil {
			c.sps = nil // wait for a good one
			return fmt.Errorf("flvconv: H.264 parameter sets: %w: %w", ErrMalformed, err)
		}
		b = flv.AppendVideoHeader(b, flv.FrameTypeKey, flv.VideoCodecAVC, flv.AVCPacketSequenceHeader, 0)
		b = cfg.Append(b)
	case ts.CodecH265:
		if c.vps == nil || c.sps == nil || c.pps == nil {
			return nil
		}
		cfg, err := flv.NewHEVCConfig([][]byte{c.vps}, [][]byte{c.sps}, [][]byte{c.pps})
		if err != nil {
			c.sps = nil
			return fmt.Errorf("flvconv: H.265 parameter sets: %w: %w", ErrMalformed, err)
		}
		b = flv.AppendEnhancedVideoHeader(b, flv.FrameTypeKey, flv.VideoPacketSequenceStart, flv.FourCCHEVC, 0)
		b = cfg.Append(b)
	default:
		return nil
	}
	c.buf = b
	c.cfgSent = true
	return c.write(flv.TagVideo, dts, b)
}

// WriteAAC writes one raw AAC frame with the AudioSpecificConfig it
// belongs to; a new config is written as a sequence header first.
func (c *Converter) WriteAAC(pts int64, asc, frame []byte) error {
	if len(frame) == 0 {
		return nil
	}
	if !bytes.Equal(asc, c.asc) {
		c.asc = append(c.asc[:0], asc...)
		b := flv.AppendAudioHeader(c.buf[:0], flv.SoundFormatAAC, flv.SoundRate44100, 1, 1, flv.AACPacketSequenceHeader)
		c.buf = append(b, asc...)
		if err := c.write(flv.TagAudio, pts, c.buf); err != nil {
			return err
		}
	}
	b := flv.AppendAudioHeader(c.buf[:0], flv.SoundFormatAAC, flv.SoundRate44100, 1, 1, flv.AACPacketRaw)
	c.buf = append(b, frame...)
	return c.write(flv.TagAudio, pts, c.buf)
}

// WriteMPEGAudio writes MPEG audio (MP3) frames, one or several in a row.
func (c *Converter) WriteMPEGAudio(pts int64, frames []byte) error {
	h, err := ts.ParseMPEGAudioHeader(frames)
	if err != nil {
		return fmt.Errorf("flvconv: %w: %w", ErrMalformed, err)
	}
	var rate uint8 // FLV SoundRate: 5.5, 11, 22 or 44 kHz
	switch {
	case h.SampleRate >= 44100:
		rate = 3
	case h.SampleRate >= 22050:
		rate = 2
	case h.SampleRate >= 11025:
		rate = 1
	}
	format := uint8(flv.SoundFormatMP3)
	if h.SampleRate == 8000 {
		format = flv.SoundFormatMP38k
	}
	b := flv.AppendAudioHeader(c.buf[:0], format, rate, 1, uint8(h.Channels-1), 0)
	c.buf = append(b, frames...)
	return c.write(flv.TagAudio, pts, c.buf)
}

// WriteTSFrame writes a PES packet from a ts.Demuxer: H.264, H.265, AAC
// (ADTS) or MPEG audio of the first video and audio streams seen; other
// streams are ignored. 33-bit timestamps are unwrapped.
func (c *Converter) WriteTSFrame(f *ts.Frame) error {
	if f.PTS == ts.NoTimestamp {
		return nil
	}
	st := f.StreamType
	switch {
	case st.IsVideo():
		if c.videoPID == 0 {
			c.videoPID = f.PID
		}
		if f.PID != c.videoPID {
			return nil
		}
	case st.IsAudio():
		if c.audioPID == 0 {
			c.audioPID = f.PID
		}
		if f.PID != c.audioPID {
			return nil
		}
	default:
		return nil
	}
	const mask = 1<<33 - 1
	dts := c.clock.Unwrap(f.DTS)
	pts := dts + (f.PTS-f.DTS)&mask
	switch st {
	case ts.StreamTypeH264, ts.StreamTypeH265:
		codec := ts.CodecH264
		if st == ts.StreamTypeH265 {
			codec = ts.CodecH265
		}
		c.split = c.split[:0]
		for n := range ts.SplitAnnexB(f.Data) {
			c.split = append(c.split, n)
		}
		return c.WriteVideo(codec, pts, dts, c.split)
	case ts.StreamTypeAAC:
		return c.writeADTS(pts, f.Data)
	case ts.StreamTypeMPEG1Audio, ts.StreamTypeMPEG2Audio:
		return c.WriteMPEGAudio(pts, f.Data)
	}
	return nil
}

// writeADTS writes the ADTS frames of one PES packet, each at its own time.
func (c *Converter) writeADTS(pts int64, b []byte) error {
	for i := int64(0); len(b) > 0; i++ {
		h, err := ts.ParseADTS(b)
		if err != nil {
			return fmt.Errorf("flvconv: %w: %w", ErrMalformed, err)
		}
		if h.FrameLength > len(b) || h.HeaderLength() > h.FrameLength {
			return fmt.Errorf("flvconv: ADTS frame of %d bytes in %d: %w", h.FrameLength, len(b), ErrMalformed)
		}
		cfg := h.Config()
		c.ascBuf = cfg.Append(c.ascBuf[:0])
		t := pts
		if cfg.SampleRate > 0 {
			t += i * 1024 * ts.ClockRate / int64(cfg.SampleRate)
		}
		if err := c.WriteAAC(t, c.ascBuf, b[h.HeaderLength():h.FrameLength]); err != nil {
			return err
		}
		b = b[h.FrameLength:]
	}
	return nil
}

// TS reads an MPEG-TS byte stream, in pieces of any size, into FLV tags:
// a ts.Demuxer feeding a Converter. Malformed frames are dropped and
// counted; stream damage is counted by the demuxer.
type TS struct {
	d         ts.Demuxer
	c         *Converter
	malformed uint64
	lastErr   error
}

// NewTS returns a TS writing to w.
func NewTS(w TagWriter) *TS {
	t := &TS{c: New(w)}
	return t
}

// Feed reads b. It returns only the TagWriter's errors (which end the
// stream); damage is skipped.
func (t *TS) Feed(b []byte) error { return t.d.Feed(b, t.frame) }

func (t *TS) frame(f *ts.Frame) error {
	err := t.c.WriteTSFrame(f)
	if errors.Is(err, ErrMalformed) || errors.Is(err, ErrFrameTooLarge) {
		t.malformed++
		t.lastErr = err
		return nil
	}
	return err
}

// TSStats is what a TS reader counted.
type TSStats struct {
	ts.Stats
	Malformed uint64 // frames dropped by the converter
	LastError error  // the last frame dropped, if any
}

// Stats returns the counters so far.
func (t *TS) Stats() TSStats {
	return TSStats{Stats: t.d.Stats(), Malformed: t.malformed, LastError: t.lastErr}
}
