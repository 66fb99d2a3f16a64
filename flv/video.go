package flv

import (
	"encoding/binary"
	"fmt"
)

// Video frame types (the FrameType field; 3 bits in Enhanced RTMP).
const (
	FrameTypeKey             = 1 // seekable frame
	FrameTypeInter           = 2
	FrameTypeDisposableInter = 3 // H.263 only
	FrameTypeGeneratedKey    = 4 // reserved for server use
	FrameTypeCommand         = 5 // video info/command frame: a UI8 command follows
)

// VideoCommand values carried by FrameTypeCommand messages.
const (
	VideoCommandStartSeek = 0
	VideoCommandEndSeek   = 1
)

// Legacy AVCPacketType values (also used by the de facto HEVC CodecID 12).
const (
	AVCPacketSequenceHeader = 0
	AVCPacketNALU           = 1
	AVCPacketEndOfSequence  = 2
)

// Enhanced RTMP VideoPacketType values.
const (
	VideoPacketSequenceStart        = 0
	VideoPacketCodedFrames          = 1
	VideoPacketSequenceEnd          = 2
	VideoPacketCodedFramesX         = 3 // CodedFrames with an implicit zero composition time
	VideoPacketMetadata             = 4 // AMF-encoded metadata (colorInfo)
	VideoPacketMPEG2TSSequenceStart = 5
	VideoPacketMultitrack           = 6
	VideoPacketModEx                = 7
)

// VideoCodec identifies a video codec. Values below 16 are the legacy FLV
// CodecID; codecs that only exist as Enhanced RTMP FourCCs use values from
// 16 up, which never appear on the wire.
type VideoCodec uint8

// Video codecs.
const (
	VideoCodecSorensonH263 VideoCodec = 2
	VideoCodecScreen       VideoCodec = 3
	VideoCodecVP6          VideoCodec = 4
	VideoCodecVP6Alpha     VideoCodec = 5
	VideoCodecScreenV2     VideoCodec = 6
	VideoCodecAVC          VideoCodec = 7
	// VideoCodecHEVC is CodecID 12 in legacy FLV, a de facto extension
	// (used by SRS, nginx-rtmp forks and ffmpeg builds), or "hvc1".
	VideoCodecHEVC VideoCodec = 12
	VideoCodecVP8  VideoCodec = 16 // "vp08"
	VideoCodecVP9  VideoCodec = 17 // "vp09"
	VideoCodecAV1  VideoCodec = 18 // "av01"
)

// String returns the name of c.
func (c VideoCodec) String() string {
	switch c {
	case VideoCodecSorensonH263:
		return "H263"
	case VideoCodecScreen:
		return "Screen"
	case VideoCodecVP6:
		return "VP6"
	case VideoCodecVP6Alpha:
		return "VP6A"
	case VideoCodecScreenV2:
		return "ScreenV2"
	case VideoCodecAVC:
		return "H264"
	case VideoCodecHEVC:
		return "H265"
	case VideoCodecVP8:
		return "VP8"
	case VideoCodecVP9:
		return "VP9"
	case VideoCodecAV1:
		return "AV1"
	}
	return fmt.Sprintf("VideoCodec(%d)", uint8(c))
}

// videoCodecOfFourCC maps an Enhanced RTMP video FourCC to its codec.
func videoCodecOfFourCC(f FourCC) (VideoCodec, bool) {
	switch f {
	case FourCCAVC:
		return VideoCodecAVC, true
	case FourCCHEVC:
		return VideoCodecHEVC, true
	case FourCCAV1:
		return VideoCodecAV1, true
	case FourCCVP9:
		return VideoCodecVP9, true
	case FourCCVP8:
		return VideoCodecVP8, true
	}
	return 0, false
}

// VideoTagHeader is the decoded header of a video tag body: the legacy
// VideoTagHeader, or the Enhanced RTMP ExVideoTagHeader.
type VideoTagHeader struct {
	FrameType uint8 // FrameType*; ignored by the spec for VideoPacketMetadata
	Codec     VideoCodec
	Enhanced  bool   // IsExHeader was set
	FourCC    FourCC // Enhanced only
	// PacketType is the AVCPacketType (AVC and legacy HEVC) or, for
	// Enhanced headers, the VideoPacketType after any ModEx entries and
	// the multitrack header have been resolved.
	PacketType uint8
	// CompositionTime is the composition time offset in milliseconds, set
	// for AVC/HEVC NALU packets (legacy packet type 1, Enhanced
	// CodedFrames).
	CompositionTime int32
	// Command is the VideoCommand of a FrameTypeCommand message, which
	// carries no video data.
	Command uint8
	// TimestampOffsetNano is the ModEx TimestampOffsetNano, if any.
	TimestampOffsetNano uint32

	// Multitrack is set for Enhanced v2 multitrack messages. The header
	// then describes the first track: FourCC, TrackID and the codec data
	// at payload[HeaderLen:HeaderLen+DataLen]; the next track (if any)
	// starts at HeaderLen+DataLen.
	Multitrack     bool
	MultitrackType uint8 // Multitrack*
	TrackID        uint8

	// HeaderLen is the number of bytes before the codec data.
	HeaderLen int
	// DataLen is the number of codec data bytes that follow the header:
	// len(payload)-HeaderLen except for multitrack messages with several
	// tracks.
	DataLen int
}

// IsCommand reports whether the message is a video command frame, which
// carries a Command and no video data.
func (h VideoTagHeader) IsCommand() bool {
	return h.FrameType == FrameTypeCommand && !(h.Enhanced && h.PacketType == VideoPacketMetadata)
}

// IsSequenceHeader reports whether the codec data is a decoder
// configuration record (AVC/HEVC packet type 0, Enhanced SequenceStart or
// MPEG2TSSequenceStart).
func (h VideoTagHeader) IsSequenceHeader() bool {
	if h.IsCommand() {
		return false
	}
	if h.Enhanced {
		return h.PacketType == VideoPacketSequenceStart || h.PacketType == VideoPacketMPEG2TSSequenceStart
	}
	return (h.Codec == VideoCodecAVC || h.Codec == VideoCodecHEVC) && h.PacketType == AVCPacketSequenceHeader
}

// ParseVideoTagHeader decodes the header at the start of a video tag body
// (RTMP video message payload).
//
// Unknown Enhanced FourCCs and packet types yield ErrUnsupported, with the
// fields decoded so far (FrameType, PacketType, FourCC) filled in.
func ParseVideoTagHeader(payload []byte) (VideoTagHeader, error) {
	var h VideoTagHeader
	if len(payload) == 0 {
		return h, fmt.Errorf("flv: video tag header: %w", ErrTruncated)
	}
	b := payload[0]
	if b&0x80 != 0 {
		err := parseExVideoTagHeader(payload, &h)
		if err != nil {
			return h, fmt.Errorf("flv: enhanced video tag header: %w", err)
		}
		return h, nil
	}
	h.FrameType = b >> 4
	h.Codec = VideoCodec(b & 0x0f)
	if h.FrameType == FrameTypeCommand {
		if len(payload) < 2 {
			return h, fmt.Errorf("flv: video tag header: command: %w", ErrTruncated)
		}
		h.Command = payload[1]
		h.HeaderLen = 2
		return h, nil
	}
	h.HeaderLen = 1
	if h.Codec == VideoCodecAVC || h.Codec == VideoCodecHEVC {
		if len(payload) < 5 {
			return h, fmt.Errorf("flv: video tag header: %v packet type: %w", h.Codec, ErrTruncated)
		}
		h.PacketType = payload[1]
		if h.PacketType == AVCPacketNALU {
			h.CompositionTime = int24(payload[2:])
		}
		h.HeaderLen = 5
	}
	h.DataLen = len(payload) - h.HeaderLen
	return h, nil
}

func parseExVideoTagHeader(p []byte, h *VideoTagHeader) error {
	h.Enhanced = true
	h.FrameType = (p[0] >> 4) & 0x07
	var ex exHeader
	packetType, i, err := skipModEx(p, 1, p[0]&0x0f, VideoPacketModEx, &ex)
	h.PacketType = packetType
	if err != nil {
		return err
	}
	h.TimestampOffsetNano = ex.nanoOffset
	if packetType != VideoPacketMetadata && h.FrameType == FrameTypeCommand {
		if i >= len(p) {
			return fmt.Errorf("command: %w", ErrTruncated)
		}
		h.Command = p[i]
		h.HeaderLen = i + 1
		return nil
	}
	err = parseExTracks(p, i, packetType, VideoPacketMultitrack, &ex)
	h.PacketType = ex.packetType
	h.FourCC = ex.fourCC
	h.Multitrack, h.MultitrackType, h.TrackID = ex.multitrack, ex.multitrackType, ex.trackID
	if err != nil {
		return err
	}
	codec, ok := videoCodecOfFourCC(ex.fourCC)
	if !ok {
		return fmt.Errorf("video FourCC %v: %w", ex.fourCC, ErrUnsupported)
	}
	h.Codec = codec
	if h.PacketType > VideoPacketMPEG2TSSequenceStart {
		return fmt.Errorf("video packet type %d: %w", h.PacketType, ErrUnsupported)
	}
	i = ex.off
	if h.PacketType == VideoPacketCodedFrames && (codec == VideoCodecAVC || codec == VideoCodecHEVC) {
		if ex.end-i < 3 {
			return fmt.Errorf("composition time: %w", ErrTruncated)
		}
		h.CompositionTime = int24(p[i:])
		i += 3
	}
	h.HeaderLen = i
	h.DataLen = ex.end - i
	return nil
}

// AppendVideoHeader appends a legacy AVC (or CodecID 12 HEVC) video tag
// header: FrameType|CodecID, AVCPacketType and the SI24 composition time.
func AppendVideoHeader(dst []byte, frameType uint8, codec VideoCodec, packetType uint8, compositionTime int32) []byte {
	dst = append(dst, frameType<<4|uint8(codec)&0x0f, packetType, 0, 0, 0)
	putUint24(dst[len(dst)-3:], uint32(compositionTime))
	return dst
}

// AppendEnhancedVideoHeader appends an Enhanced RTMP ExVideoTagHeader for a
// single track: IsExHeader|FrameType|PacketType and the FourCC, followed by
// the SI24 composition time for CodedFrames of "avc1" and "hvc1" (use
// VideoPacketCodedFramesX to omit a zero composition time).
func AppendEnhancedVideoHeader(dst []byte, frameType, packetType uint8, fourCC FourCC, compositionTime int32) []byte {
	dst = append(dst, 0x80|(frameType&0x07)<<4|packetType&0x0f)
	dst = binary.BigEndian.AppendUint32(dst, uint32(fourCC))
	if packetType == VideoPacketCodedFrames && (fourCC == FourCCAVC || fourCC == FourCCHEVC) {
		dst = append(dst, 0, 0, 0)
		putUint24(dst[len(dst)-3:], uint32(compositionTime))
	}
	return dst
}
