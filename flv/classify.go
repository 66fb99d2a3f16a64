package flv

// The classifiers below run for every media message a server relays. They
// look at the first bytes of an RTMP audio/video payload (an FLV tag body)
// only, never allocate, and return false for input too short to tell.

// IsVideoKeyframe reports whether a video payload is a keyframe: FrameType
// 1 in the legacy header or in the Enhanced RTMP ExVideoTagHeader.
// Only the frame type is looked at: sequence headers and AVC end of
// sequence messages carry FrameType 1 too, so test IsVideoSequenceHeader
// first when they must be told apart. Enhanced Metadata messages, whose
// FrameType is meaningless, are never keyframes.
func IsVideoKeyframe(payload []byte) bool {
	if len(payload) > 0 && payload[0] < 0x80 { // legacy header
		return payload[0]&0xf0 == FrameTypeKey<<4
	}
	return isExVideoKeyframe(payload)
}

// isExVideoKeyframe is IsVideoKeyframe for Enhanced RTMP headers, kept
// apart so that the legacy path inlines.
func isExVideoKeyframe(payload []byte) bool {
	if len(payload) == 0 {
		return false
	}
	b := payload[0]
	if (b>>4)&0x07 != FrameTypeKey {
		return false
	}
	packetType := b & 0x0f
	if packetType == VideoPacketModEx || packetType == VideoPacketMultitrack {
		var ok bool
		if packetType, ok = exPacketType(payload, VideoPacketModEx, VideoPacketMultitrack); !ok {
			return false
		}
	}
	return packetType != VideoPacketMetadata
}

// IsVideoSequenceHeader reports whether a video payload carries a decoder
// configuration: AVC (CodecID 7) or legacy HEVC (CodecID 12) with
// AVCPacketType 0, or an Enhanced RTMP SequenceStart or
// MPEG2TSSequenceStart (looking through ModEx and multitrack headers).
func IsVideoSequenceHeader(payload []byte) bool {
	if len(payload) < 2 {
		return false
	}
	b := payload[0]
	if b&0x80 == 0 {
		codec := VideoCodec(b & 0x0f)
		return (codec == VideoCodecAVC || codec == VideoCodecHEVC) &&
			b>>4 != FrameTypeCommand && payload[1] == AVCPacketSequenceHeader
	}
	if len(payload) < 5 || (b>>4)&0x07 == FrameTypeCommand {
		// Too short for a FourCC, or a command frame unless the packet
		// type is Metadata: neither is a sequence header.
		return false
	}
	packetType, ok := exPacketType(payload, VideoPacketModEx, VideoPacketMultitrack)
	return ok && (packetType == VideoPacketSequenceStart || packetType == VideoPacketMPEG2TSSequenceStart)
}

// IsAudioSequenceHeader reports whether an audio payload carries a decoder
// configuration: AAC (SoundFormat 10) with AACPacketType 0, or an Enhanced
// RTMP audio SequenceStart (looking through ModEx and multitrack headers).
// Enhanced MultichannelConfig messages are not sequence headers.
func IsAudioSequenceHeader(payload []byte) bool {
	if len(payload) < 2 {
		return false
	}
	switch payload[0] >> 4 {
	case SoundFormatAAC:
		return payload[1] == AACPacketSequenceHeader
	case SoundFormatExHeader:
		if len(payload) < 5 {
			return false
		}
		packetType, ok := exPacketType(payload, AudioPacketModEx, AudioPacketMultitrack)
		return ok && packetType == AudioPacketSequenceStart
	}
	return false
}
