package srt

import (
	"bytes"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/ts"
)

// tagMuxer turns one player's FLV tags into MPEG-TS. The player interface
// of the live core hands out FLV tags only, so each SRT player muxes its
// own copy (the shared TS form of live/remux.go exists only for vhosts
// with an http_remux .ts mount and is not reachable through
// session.Player).
//
// The program is set up from the sequence headers (which a player gets
// first) and the first media tags; media before that is held, bounded by
// holdTags and holdMillis.
type tagMuxer struct {
	mux    *ts.Muxer
	video  ts.Codec
	audio  ts.Codec
	asc    []byte
	params [3][][]byte // vps, sps, pps
	lsize  int         // NAL unit length size of the avcC/hvcC
	held   []heldTag
	out    []byte
}

type heldTag struct {
	typ uint8
	ts  uint32
	b   []byte
}

const (
	holdTags   = 256
	holdMillis = 1000
)

// write muxes one tag and returns the TS bytes it produced (valid until
// the next call).
func (m *tagMuxer) write(typ uint8, t uint32, b []byte) []byte {
	m.out = m.out[:0]
	if !m.learn(typ, b) {
		return nil // configuration only
	}
	if m.mux == nil {
		m.held = append(m.held, heldTag{typ, t, bytes.Clone(b)})
		both := m.video != ts.CodecNone && m.audio != ts.CodecNone
		if !both && len(m.held) < holdTags && t-m.held[0].ts < holdMillis {
			return nil
		}
		if !m.start() {
			m.held = m.held[:0]
			return nil
		}
		m.out = m.mux.AppendPATPMT(m.out)
		for _, h := range m.held {
			m.media(h.typ, h.ts, h.b)
		}
		m.held = nil
		return m.out
	}
	m.media(typ, t, b)
	return m.out
}

// learn records codecs and configurations; it reports whether b is media.
func (m *tagMuxer) learn(typ uint8, b []byte) bool {
	switch typ {
	case flv.TagVideo:
		h, err := flv.ParseVideoTagHeader(b)
		if err != nil || h.HeaderLen > len(b) || h.IsCommand() {
			return false
		}
		if !h.IsSequenceHeader() {
			return h.PacketType == flv.VideoPacketCodedFrames || h.PacketType == flv.VideoPacketCodedFramesX
		}
		cfg := b[h.HeaderLen:]
		switch h.Codec {
		case flv.VideoCodecAVC:
			if c, err := flv.ParseAVCConfig(cfg); err == nil {
				m.video, m.params, m.lsize = ts.CodecH264, [3][][]byte{nil, c.SPS, c.PPS}, int(c.LengthSize)
			}
		case flv.VideoCodecHEVC:
			if c, err := flv.ParseHEVCConfig(cfg); err == nil {
				m.video, m.params, m.lsize = ts.CodecH265, [3][][]byte{c.VPS, c.SPS, c.PPS}, int(c.LengthSize)
			}
		}
		m.configure()
		return false
	case flv.TagAudio:
		h, err := flv.ParseAudioTagHeader(b)
		if err != nil || h.HeaderLen > len(b) {
			return false
		}
		switch h.SoundFormat {
		case flv.SoundFormatAAC:
			m.audio = ts.CodecAAC
			if h.IsSequenceHeader() {
				m.asc = bytes.Clone(b[h.HeaderLen:])
				m.configure()
				return false
			}
		case flv.SoundFormatMP3, flv.SoundFormatMP38k:
			m.audio = ts.CodecMP3
		default:
			return false
		}
		return true
	}
	return false
}

// configure hands new configurations to a running muxer.
func (m *tagMuxer) configure() {
	if m.mux == nil {
		return
	}
	switch cfg := m.mux.Config(); {
	case cfg.Video == ts.CodecH264 && m.video == ts.CodecH264:
		_ = m.mux.SetH264Params(m.params[1], m.params[2])
	case cfg.Video == ts.CodecH265 && m.video == ts.CodecH265:
		_ = m.mux.SetH265Params(m.params[0], m.params[1], m.params[2])
	}
	if m.lsize > 0 {
		_ = m.mux.SetNALULengthSize(m.lsize)
	}
	if m.mux.Config().Audio == ts.CodecAAC && m.asc != nil {
		_ = m.mux.SetAACConfig(m.asc)
	}
}

func (m *tagMuxer) start() bool {
	mux, err := ts.NewMuxer(ts.Config{Video: m.video, Audio: m.audio, PSIBeforeKeyframes: true})
	if err != nil {
		return false
	}
	m.mux = mux
	m.configure()
	return true
}

// media appends one media tag's TS packets to m.out.
func (m *tagMuxer) media(typ uint8, t uint32, b []byte) {
	dts := int64(t) * 90
	var err error
	out := m.out
	if typ == flv.TagVideo {
		h, herr := flv.ParseVideoTagHeader(b)
		if herr != nil || m.mux.Config().Video == ts.CodecNone {
			return
		}
		pts := dts + int64(h.CompositionTime)*90
		out, err = m.mux.AppendVideo(out, pts, dts, h.FrameType == flv.FrameTypeKey, b[h.HeaderLen:])
	} else {
		h, herr := flv.ParseAudioTagHeader(b)
		if herr != nil || m.mux.Config().Audio == ts.CodecNone {
			return
		}
		out, err = m.mux.AppendAudio(out, dts, b[h.HeaderLen:])
	}
	if err == nil {
		m.out = out
	}
}
