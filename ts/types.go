package ts

import (
	"fmt"
	"time"
)

// Transport stream constants.
const (
	PacketSize = 188  // bytes in a TS packet
	SyncByte   = 0x47 // first byte of every TS packet

	ClockRate = 90000 // PTS/DTS/PCR base clock, ticks per second
)

// PIDs and numbers used by the Muxer (the ffmpeg defaults).
const (
	PIDPAT   uint16 = 0x0000
	PIDPMT   uint16 = 0x1000
	PIDVideo uint16 = 0x0100
	PIDAudio uint16 = 0x0101
	PIDNull  uint16 = 0x1FFF

	TransportStreamID uint16 = 1
	ProgramNumber     uint16 = 1
)

// PES stream_id values used by the Muxer.
const (
	StreamIDVideo uint8 = 0xE0 // first video stream
	StreamIDAudio uint8 = 0xC0 // first audio stream
)

// Timestamps are 33-bit counters of the 90 kHz clock.
const (
	timestampBits = 33
	timestampMask = 1<<timestampBits - 1
)

// NoTimestamp marks a Frame whose PES header carried no PTS.
const NoTimestamp int64 = -1

// Ticks converts a duration to 90 kHz clock ticks, rounding toward zero.
func Ticks(d time.Duration) int64 {
	return int64(d/time.Second)*ClockRate + int64(d%time.Second)*ClockRate/int64(time.Second)
}

// Duration converts 90 kHz clock ticks to a duration, rounding toward zero.
func Duration(ticks int64) time.Duration {
	return time.Duration(ticks/ClockRate)*time.Second + time.Duration(ticks%ClockRate)*time.Second/ClockRate
}

// StreamType is the stream_type of an elementary stream in the PMT
// (H.222.0 Table 2-34).
type StreamType uint8

// Stream types this package knows by name.
const (
	StreamTypeMPEG1Audio StreamType = 0x03 // ISO/IEC 11172-3 (MP1/MP2/MP3)
	StreamTypeMPEG2Audio StreamType = 0x04 // ISO/IEC 13818-3
	StreamTypeAAC        StreamType = 0x0F // ISO/IEC 13818-7 ADTS
	StreamTypeH264       StreamType = 0x1B // ITU-T H.264
	StreamTypeH265       StreamType = 0x24 // ITU-T H.265
)

// String returns a short name of the stream type.
func (t StreamType) String() string {
	switch t {
	case StreamTypeMPEG1Audio:
		return "MPEG-1 audio"
	case StreamTypeMPEG2Audio:
		return "MPEG-2 audio"
	case StreamTypeAAC:
		return "AAC (ADTS)"
	case StreamTypeH264:
		return "H.264"
	case StreamTypeH265:
		return "H.265"
	}
	return fmt.Sprintf("stream type 0x%02X", uint8(t))
}

// IsVideo reports whether t is a video stream type this package knows.
func (t StreamType) IsVideo() bool { return t == StreamTypeH264 || t == StreamTypeH265 }

// IsAudio reports whether t is an audio stream type this package knows.
func (t StreamType) IsAudio() bool {
	return t == StreamTypeAAC || t == StreamTypeMPEG1Audio || t == StreamTypeMPEG2Audio
}

// Codec is a codec the Muxer accepts as input.
type Codec uint8

// Codecs accepted by the Muxer.
const (
	CodecNone Codec = iota
	CodecH264       // length-prefixed NAL units, muxed as StreamTypeH264
	CodecH265       // length-prefixed NAL units, muxed as StreamTypeH265
	CodecAAC        // raw AAC frames, muxed as ADTS (StreamTypeAAC)
	CodecMP3        // MPEG audio frames, muxed as StreamTypeMPEG1Audio
)

// String returns the codec name.
func (c Codec) String() string {
	switch c {
	case CodecNone:
		return "none"
	case CodecH264:
		return "H.264"
	case CodecH265:
		return "H.265"
	case CodecAAC:
		return "AAC"
	case CodecMP3:
		return "MP3"
	}
	return fmt.Sprintf("codec %d", uint8(c))
}

// StreamType returns the PMT stream_type the codec is muxed as, or 0.
func (c Codec) StreamType() StreamType {
	switch c {
	case CodecH264:
		return StreamTypeH264
	case CodecH265:
		return StreamTypeH265
	case CodecAAC:
		return StreamTypeAAC
	case CodecMP3:
		return StreamTypeMPEG1Audio
	}
	return 0
}

// IsVideo reports whether c is a video codec.
func (c Codec) IsVideo() bool { return c == CodecH264 || c == CodecH265 }

// IsAudio reports whether c is an audio codec.
func (c Codec) IsAudio() bool { return c == CodecAAC || c == CodecMP3 }
