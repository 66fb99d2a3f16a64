package hls

import (
	"bytes"
	"fmt"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/ts"
)

type videoTrack struct {
	codec         ts.Codec // CodecNone until a sequence header
	record        []byte   // the avcC/hvcC, to tell a change from a repeat
	lengthSize    int
	vps, sps, pps [][]byte
}

type audioTrack struct {
	codec ts.Codec // CodecNone until an AAC sequence header or an MP3 frame
	asc   []byte   // AAC AudioSpecificConfig
	rate  int      // sample rate, to count samples (hls_dts_directly off)
}

func (s *session) videoPacket(p *live.Packet) {
	h, err := flv.ParseVideoTagHeader(p.Payload.B)
	if err != nil || h.IsCommand() {
		return
	}
	var codec ts.Codec
	switch h.Codec {
	case flv.VideoCodecAVC:
		codec = ts.CodecH264
	case flv.VideoCodecHEVC:
		codec = ts.CodecH265
	default:
		return // not carried in HLS/TS here (VP6, AV1…)
	}
	data := p.Payload.B[h.HeaderLen : h.HeaderLen+h.DataLen]
	if h.IsSequenceHeader() {
		s.videoConfig(codec, data)
		return
	}
	coded := h.PacketType == flv.AVCPacketNALU
	if h.Enhanced {
		coded = h.PacketType == flv.VideoPacketCodedFrames || h.PacketType == flv.VideoPacketCodedFramesX
	}
	if !coded || len(data) == 0 {
		return
	}
	f := frame{codec: codec, video: true, key: h.FrameType == flv.FrameTypeKey,
		dts: s.timeline.ms(p.Timestamp), cts: h.CompositionTime, data: data}
	if codec != s.video.codec {
		s.m.stats.DroppedFrames.Add(1) // no configuration for it
		return
	}
	s.frame(f, p)
}

func (s *session) videoConfig(codec ts.Codec, record []byte) {
	if codec == s.video.codec && bytes.Equal(record, s.video.record) {
		return // repeated
	}
	t := videoTrack{codec: codec, record: bytes.Clone(record)}
	switch codec {
	case ts.CodecH264:
		c, err := flv.ParseAVCConfig(record)
		if err != nil {
			s.report(fmt.Errorf("hls: %s: H.264 sequence header: %w", s.m.id, err))
			return
		}
		t.lengthSize, t.sps, t.pps = c.LengthSize, c.SPS, c.PPS
	case ts.CodecH265:
		c, err := flv.ParseHEVCConfig(record)
		if err != nil {
			s.report(fmt.Errorf("hls: %s: H.265 sequence header: %w", s.m.id, err))
			return
		}
		t.lengthSize, t.vps, t.sps, t.pps = c.LengthSize, c.VPS, c.SPS, c.PPS
	}
	had := s.video.codec != ts.CodecNone
	s.video = t
	if s.tsm == nil {
		return // the program is built with the latest configuration
	}
	if s.tsm.Config().Video != codec {
		s.rebuild = true
		return
	}
	if err := s.applyVideo(s.tsm); err != nil {
		s.report(fmt.Errorf("hls: %s: video configuration: %w", s.m.id, err))
	}
	if had && s.opened {
		s.cutNext, s.discNext = true, true
	}
}

// applyVideo gives the video track's parameter sets to a muxer.
func (s *session) applyVideo(tsm *ts.Muxer) error {
	if err := tsm.SetNALULengthSize(s.video.lengthSize); err != nil {
		return err
	}
	if s.video.codec == ts.CodecH265 {
		return tsm.SetH265Params(s.video.vps, s.video.sps, s.video.pps)
	}
	return tsm.SetH264Params(s.video.sps, s.video.pps)
}

func (s *session) audioPacket(p *live.Packet) {
	h, err := flv.ParseAudioTagHeader(p.Payload.B)
	if err != nil {
		return
	}
	var codec ts.Codec
	switch {
	case h.SoundFormat == flv.SoundFormatAAC, h.Enhanced && h.FourCC == flv.FourCCAAC:
		codec = ts.CodecAAC
	case h.SoundFormat == flv.SoundFormatMP3, h.SoundFormat == flv.SoundFormatMP38k,
		h.Enhanced && h.FourCC == flv.FourCCMP3:
		codec = ts.CodecMP3
	default:
		return // not carried in HLS/TS here (Opus, Speex…)
	}
	data := p.Payload.B[h.HeaderLen : h.HeaderLen+h.DataLen]
	if h.IsSequenceHeader() {
		if codec == ts.CodecAAC {
			s.audioConfig(data)
		}
		return
	}
	coded := h.Enhanced && h.PacketType == flv.AudioPacketCodedFrames ||
		!h.Enhanced && (codec == ts.CodecMP3 || h.PacketType == flv.AACPacketRaw)
	if !coded || len(data) == 0 {
		return
	}
	if codec == ts.CodecMP3 && s.audio.codec != ts.CodecMP3 {
		s.audio = audioTrack{codec: ts.CodecMP3, rate: mp3Rate(h)}
		if s.tsm != nil && s.tsm.Config().Audio != ts.CodecMP3 {
			s.rebuild = true
		}
	}
	f := frame{codec: codec, key: true, dts: s.timeline.ms(p.Timestamp), data: data}
	if codec != s.audio.codec {
		s.m.stats.DroppedFrames.Add(1) // AAC before its sequence header
		return
	}
	s.frame(f, p)
}

// mp3Rate is the sample rate an FLV audio header gives MP3.
func mp3Rate(h flv.AudioTagHeader) int {
	if h.SoundFormat == flv.SoundFormatMP38k {
		return 8000
	}
	return [4]int{5512, 11025, 22050, 44100}[h.SampleRate&3]
}

func (s *session) audioConfig(asc []byte) {
	if s.audio.codec == ts.CodecAAC && bytes.Equal(asc, s.audio.asc) {
		return
	}
	c, err := ts.ParseAudioSpecificConfig(asc)
	if err != nil {
		s.report(fmt.Errorf("hls: %s: AAC sequence header: %w", s.m.id, err))
		return
	}
	had := s.audio.codec != ts.CodecNone
	s.audio = audioTrack{codec: ts.CodecAAC, asc: bytes.Clone(asc), rate: c.SampleRate}
	if s.tsm == nil {
		return
	}
	if s.tsm.Config().Audio != ts.CodecAAC {
		s.rebuild = true
		return
	}
	if err := s.tsm.SetAACConfig(s.audio.asc); err != nil {
		s.report(fmt.Errorf("hls: %s: AAC configuration: %w", s.m.id, err))
	}
	if had && s.opened {
		s.cutNext, s.discNext = true, true
	}
}
