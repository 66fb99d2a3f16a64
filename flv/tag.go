package flv

import "encoding/binary"

// Tag types (the TagType field of an FLV tag header, which equal the RTMP
// message type IDs of audio, video and AMF0 data messages).
const (
	TagAudio  = 8
	TagVideo  = 9
	TagScript = 18
)

// Sizes of the fixed parts of an FLV file.
const (
	// HeaderLen is the size of the FLV file header, without the
	// PreviousTagSize0 field that follows it.
	HeaderLen = 9
	// TagHeaderLen is the size of an FLV tag header.
	TagHeaderLen = 11
	// PreviousTagSizeLen is the size of the PreviousTagSize field that
	// follows the header and every tag.
	PreviousTagSizeLen = 4
	// MaxDataSize is the largest tag body the 24-bit DataSize field can
	// describe.
	MaxDataSize = 1<<24 - 1
)

// Header flag bits (TypeFlagsAudio, TypeFlagsVideo).
const (
	flagAudio = 0x04
	flagVideo = 0x01
)

// AppendHeader appends the 9-byte FLV file header followed by
// PreviousTagSize0, 13 bytes in all.
func AppendHeader(dst []byte, hasAudio, hasVideo bool) []byte {
	var flags byte
	if hasAudio {
		flags |= flagAudio
	}
	if hasVideo {
		flags |= flagVideo
	}
	return append(dst, 'F', 'L', 'V', 1, flags, 0, 0, 0, HeaderLen, 0, 0, 0, 0)
}

// TagLen returns the number of bytes AppendTag adds for a payload of n
// bytes: tag header, payload and PreviousTagSize.
func TagLen(payloadLen int) int {
	return TagHeaderLen + payloadLen + PreviousTagSizeLen
}

// AppendTag appends an FLV tag: the 11-byte tag header (the top 8 bits of
// timestamp go to TimestampExtended, StreamID is 0), the payload and the
// PreviousTagSize that closes the tag. It does not allocate when dst has
// room for TagLen(len(payload)) more bytes.
//
// typ is written as given, so it may carry the Filter bit (0x20). AppendTag
// panics if payload is longer than MaxDataSize, which no RTMP message can
// be.
func AppendTag(dst []byte, typ uint8, timestamp uint32, payload []byte) []byte {
	n := len(payload)
	if n > MaxDataSize {
		panic("flv: AppendTag: payload longer than MaxDataSize")
	}
	dst = append(dst,
		typ,
		byte(n>>16), byte(n>>8), byte(n),
		byte(timestamp>>16), byte(timestamp>>8), byte(timestamp), byte(timestamp>>24),
		0, 0, 0,
	)
	dst = append(dst, payload...)
	return binary.BigEndian.AppendUint32(dst, uint32(TagHeaderLen+n))
}

// putUint24 writes the 24 low bits of v to b[0:3], big-endian.
func putUint24(b []byte, v uint32) {
	_ = b[2]
	b[0] = byte(v >> 16)
	b[1] = byte(v >> 8)
	b[2] = byte(v)
}

// uint24 reads a big-endian 24-bit unsigned integer from b[0:3].
func uint24(b []byte) uint32 {
	_ = b[2]
	return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
}

// int24 reads a big-endian 24-bit two's complement integer (SI24).
func int24(b []byte) int32 {
	return int32(uint24(b)<<8) >> 8
}

// TagHeader is the fixed header of an FLV tag.
type TagHeader struct {
	Type      uint8  // TagAudio, TagVideo, TagScript
	Filter    bool   // the encryption (filter) bit
	DataSize  int    // size of the tag body
	Timestamp uint32 // milliseconds, with TimestampExtended as the top 8 bits
	StreamID  uint32
}

// ParseTagHeader decodes the TagHeaderLen bytes at the start of h.
func ParseTagHeader(h []byte) TagHeader {
	_ = h[TagHeaderLen-1]
	return TagHeader{
		Type:      h[0] & 0x1f,
		Filter:    h[0]&0x20 != 0,
		DataSize:  int(uint24(h[1:])),
		Timestamp: uint24(h[4:]) | uint32(h[7])<<24,
		StreamID:  uint24(h[8:]),
	}
}
