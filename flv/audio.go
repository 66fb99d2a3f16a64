package flv

import (
	"encoding/binary"
	"fmt"
)

// SoundFormat values of the legacy AudioTagHeader.
const (
	SoundFormatLPCMPlatformEndian = 0
	SoundFormatADPCM              = 1
	SoundFormatMP3                = 2
	SoundFormatLPCMLittleEndian   = 3
	SoundFormatNellymoser16kMono  = 4
	SoundFormatNellymoser8kMono   = 5
	SoundFormatNellymoser         = 6
	SoundFormatG711ALaw           = 7
	SoundFormatG711MuLaw          = 8
	SoundFormatExHeader           = 9 // Enhanced RTMP: FourCC audio follows
	SoundFormatAAC                = 10
	SoundFormatSpeex              = 11
	SoundFormatMP38k              = 14
	SoundFormatNative             = 15
)

// SoundRate values (the SampleRate field of AudioTagHeader).
const (
	SoundRate5512  = 0
	SoundRate11025 = 1
	SoundRate22050 = 2
	SoundRate44100 = 3
)

// Legacy AACPacketType values.
const (
	AACPacketSequenceHeader = 0
	AACPacketRaw            = 1
)

// Enhanced RTMP AudioPacketType values.
const (
	AudioPacketSequenceStart      = 0
	AudioPacketCodedFrames        = 1
	AudioPacketSequenceEnd        = 2
	AudioPacketMultichannelConfig = 4
	AudioPacketMultitrack         = 5
	AudioPacketModEx              = 7
)

// isAudioFourCC reports whether f is an audio FourCC of Enhanced RTMP v2.
func isAudioFourCC(f FourCC) bool {
	switch f {
	case FourCCOpus, FourCCAAC, FourCCAC3, FourCCEAC3, FourCCFLAC, FourCCMP3:
		return true
	}
	return false
}

// AudioTagHeader is the decoded header of an audio tag body: the legacy
// AudioTagHeader, or the Enhanced RTMP ExAudioTagHeader.
type AudioTagHeader struct {
	SoundFormat uint8 // SoundFormat*; SoundFormatExHeader when Enhanced
	// SampleRate, SampleSize and Channels are the legacy SoundRate
	// (SoundRate*), SoundSize (0: 8-bit, 1: 16-bit) and SoundType (0: mono,
	// 1: stereo) flags, zero for Enhanced headers. For AAC the
	// AudioSpecificConfig is authoritative.
	SampleRate uint8
	SampleSize uint8
	Channels   uint8
	Enhanced   bool
	FourCC     FourCC // Enhanced only
	// PacketType is the AACPacketType, or for Enhanced headers the
	// AudioPacketType after ModEx entries and the multitrack header.
	PacketType uint8
	// TimestampOffsetNano is the ModEx TimestampOffsetNano, if any.
	TimestampOffsetNano uint32

	// Multitrack is set for Enhanced v2 multitrack messages; the header
	// then describes the first track, whose data is at
	// payload[HeaderLen:HeaderLen+DataLen].
	Multitrack     bool
	MultitrackType uint8
	TrackID        uint8

	// HeaderLen is the number of bytes before the codec data.
	HeaderLen int
	// DataLen is the number of codec data bytes of this (first) track.
	DataLen int
}

// IsSequenceHeader reports whether the codec data is a decoder
// configuration (AAC packet type 0, Enhanced SequenceStart).
func (h AudioTagHeader) IsSequenceHeader() bool {
	if h.Enhanced {
		return h.PacketType == AudioPacketSequenceStart
	}
	return h.SoundFormat == SoundFormatAAC && h.PacketType == AACPacketSequenceHeader
}

// ParseAudioTagHeader decodes the header at the start of an audio tag body
// (RTMP audio message payload).
//
// Unknown Enhanced FourCCs and packet types yield ErrUnsupported, with the
// fields decoded so far filled in.
func ParseAudioTagHeader(payload []byte) (AudioTagHeader, error) {
	var h AudioTagHeader
	if len(payload) == 0 {
		return h, fmt.Errorf("flv: audio tag header: %w", ErrTruncated)
	}
	b := payload[0]
	h.SoundFormat = b >> 4
	if h.SoundFormat == SoundFormatExHeader {
		if err := parseExAudioTagHeader(payload, &h); err != nil {
			return h, fmt.Errorf("flv: enhanced audio tag header: %w", err)
		}
		return h, nil
	}
	h.SampleRate = (b >> 2) & 0x03
	h.SampleSize = (b >> 1) & 0x01
	h.Channels = b & 0x01
	h.HeaderLen = 1
	if h.SoundFormat == SoundFormatAAC {
		if len(payload) < 2 {
			return h, fmt.Errorf("flv: audio tag header: AAC packet type: %w", ErrTruncated)
		}
		h.PacketType = payload[1]
		h.HeaderLen = 2
	}
	h.DataLen = len(payload) - h.HeaderLen
	return h, nil
}

func parseExAudioTagHeader(p []byte, h *AudioTagHeader) error {
	h.Enhanced = true
	var ex exHeader
	packetType, i, err := skipModEx(p, 1, p[0]&0x0f, AudioPacketModEx, &ex)
	h.PacketType = packetType
	if err != nil {
		return err
	}
	h.TimestampOffsetNano = ex.nanoOffset
	err = parseExTracks(p, i, packetType, AudioPacketMultitrack, &ex)
	h.PacketType = ex.packetType
	h.FourCC = ex.fourCC
	h.Multitrack, h.MultitrackType, h.TrackID = ex.multitrack, ex.multitrackType, ex.trackID
	if err != nil {
		return err
	}
	if !isAudioFourCC(ex.fourCC) {
		return fmt.Errorf("audio FourCC %v: %w", ex.fourCC, ErrUnsupported)
	}
	switch h.PacketType {
	case AudioPacketSequenceStart, AudioPacketCodedFrames, AudioPacketSequenceEnd, AudioPacketMultichannelConfig:
	default:
		return fmt.Errorf("audio packet type %d: %w", h.PacketType, ErrUnsupported)
	}
	h.HeaderLen = ex.off
	h.DataLen = ex.end - ex.off
	return nil
}

// AppendAudioHeader appends a legacy AudioTagHeader: the flags byte and,
// for AAC, the AACPacketType.
func AppendAudioHeader(dst []byte, soundFormat, soundRate, soundSize, soundType, aacPacketType uint8) []byte {
	dst = append(dst, soundFormat<<4|(soundRate&0x03)<<2|(soundSize&0x01)<<1|soundType&0x01)
	if soundFormat == SoundFormatAAC {
		dst = append(dst, aacPacketType)
	}
	return dst
}

// AppendEnhancedAudioHeader appends an Enhanced RTMP ExAudioTagHeader for a
// single track: SoundFormat 9|AudioPacketType and the FourCC.
func AppendEnhancedAudioHeader(dst []byte, packetType uint8, fourCC FourCC) []byte {
	dst = append(dst, SoundFormatExHeader<<4|packetType&0x0f)
	return binary.BigEndian.AppendUint32(dst, uint32(fourCC))
}
