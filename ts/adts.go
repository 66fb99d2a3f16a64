package ts

import "fmt"

// ADTS sizes (ISO/IEC 13818-7 6.2, ISO/IEC 14496-3 1.A.2).
const (
	ADTSHeaderSize    = 7    // header without CRC
	ADTSMaxFrameSize  = 8191 // aac_frame_length is 13 bits and counts the header
	adtsCRCSize       = 2
	adtsFullnessVBR   = 0x7FF
	adtsMaxObjectType = 4 // profile is 2 bits: object types 1-4
)

// ADTSHeader is a parsed adts_fixed_header and adts_variable_header.
type ADTSHeader struct {
	MPEG2          bool  // ID bit: 1 for MPEG-2 AAC, 0 for MPEG-4
	HasCRC         bool  // protection_absent == 0: a CRC follows the header
	ObjectType     uint8 // profile_ObjectType + 1 (1 Main, 2 LC, 3 SSR, 4 LTP)
	FrequencyIndex uint8 // sampling_frequency_index, 0-12
	SampleRate     int   // Hz, from FrequencyIndex
	ChannelConfig  uint8 // channel_configuration, 0-7
	FrameLength    int   // aac_frame_length: header, CRC and payload
	BufferFullness uint16
	RawDataBlocks  int // number_of_raw_data_blocks_in_frame + 1
}

// HeaderLength returns the size of the header including its CRC field.
func (h ADTSHeader) HeaderLength() int {
	if h.HasCRC {
		return ADTSHeaderSize + adtsCRCSize
	}
	return ADTSHeaderSize
}

// PayloadLength returns FrameLength less the header.
func (h ADTSHeader) PayloadLength() int { return h.FrameLength - h.HeaderLength() }

// Config returns the AudioSpecificConfig equivalent of the header.
func (h ADTSHeader) Config() AudioSpecificConfig {
	return AudioSpecificConfig{
		ObjectType:     h.ObjectType,
		FrequencyIndex: h.FrequencyIndex,
		SampleRate:     h.SampleRate,
		ChannelConfig:  h.ChannelConfig,
	}
}

// ParseADTS parses the ADTS header at the start of b. It needs only the
// header bytes; the caller checks that FrameLength bytes are available.
func ParseADTS(b []byte) (ADTSHeader, error) {
	if len(b) < ADTSHeaderSize {
		return ADTSHeader{}, fmt.Errorf("ADTS header: %w: %d bytes", ErrTruncated, len(b))
	}
	if b[0] != 0xFF || b[1]&0xF0 != 0xF0 {
		return ADTSHeader{}, ErrADTSSync
	}
	if layer := b[1] >> 1 & 3; layer != 0 {
		return ADTSHeader{}, fmt.Errorf("%w: layer %d", ErrADTSHeader, layer)
	}
	h := ADTSHeader{
		MPEG2:          b[1]&0x08 != 0,
		HasCRC:         b[1]&0x01 == 0,
		ObjectType:     b[2]>>6 + 1,
		FrequencyIndex: b[2] >> 2 & 0xF,
		ChannelConfig:  b[2]&1<<2 | b[3]>>6,
		FrameLength:    int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5]>>5),
		BufferFullness: uint16(b[5]&0x1F)<<6 | uint16(b[6]>>2),
		RawDataBlocks:  int(b[6]&3) + 1,
	}
	if int(h.FrequencyIndex) >= len(aacSampleRates) {
		return ADTSHeader{}, fmt.Errorf("%w: sampling frequency index %d", ErrADTSHeader, h.FrequencyIndex)
	}
	h.SampleRate = aacSampleRates[h.FrequencyIndex]
	if h.FrameLength < h.HeaderLength() {
		return ADTSHeader{}, fmt.Errorf("%w: frame length %d", ErrADTSHeader, h.FrameLength)
	}
	if h.HasCRC && len(b) < h.HeaderLength() {
		return ADTSHeader{}, fmt.Errorf("ADTS header: %w: %d bytes, CRC missing", ErrTruncated, len(b))
	}
	return h, nil
}

// adtsParams are the fields of an ADTS header that do not change from frame
// to frame, checked once.
type adtsParams struct {
	profile, frequencyIndex, channelConfig uint8
}

// newADTSParams checks that c can be expressed in an ADTS header. A rate
// given explicitly in the AudioSpecificConfig is accepted when it is one of
// the table's rates; ADTS has no escape for other rates.
func newADTSParams(c AudioSpecificConfig) (adtsParams, error) {
	if c.ObjectType < 1 || c.ObjectType > adtsMaxObjectType {
		return adtsParams{}, fmt.Errorf("%w: audio object type %d", ErrUnsupportedAAC, c.ObjectType)
	}
	if c.ChannelConfig < 1 || c.ChannelConfig > 7 {
		return adtsParams{}, fmt.Errorf("%w: channel configuration %d", ErrUnsupportedAAC, c.ChannelConfig)
	}
	fi := c.FrequencyIndex
	if int(fi) >= len(aacSampleRates) || aacSampleRates[fi] != c.SampleRate {
		var ok bool
		if fi, ok = aacFrequencyIndex(c.SampleRate); !ok {
			return adtsParams{}, fmt.Errorf("%w: sampling frequency %d Hz", ErrUnsupportedAAC, c.SampleRate)
		}
	}
	return adtsParams{profile: c.ObjectType - 1, frequencyIndex: fi, channelConfig: c.ChannelConfig}, nil
}

// appendHeader appends a 7-byte MPEG-4 ADTS header (no CRC, VBR buffer
// fullness, one raw data block) for a payload of n bytes, n already checked.
func (p adtsParams) appendHeader(dst []byte, n int) []byte {
	l := n + ADTSHeaderSize
	return append(dst,
		0xFF,
		0xF1, // syncword end, ID 0 (MPEG-4), layer 0, protection_absent 1
		p.profile<<6|p.frequencyIndex<<2|p.channelConfig>>2,
		p.channelConfig<<6|byte(l>>11),
		byte(l>>3),
		byte(l<<5)|adtsFullnessVBR>>6,
		adtsFullnessVBR<<2&0xFF, // number_of_raw_data_blocks_in_frame 0
	)
}

// AppendADTSHeader appends to dst the 7-byte ADTS header (MPEG-4, no CRC)
// of one raw AAC frame of payloadLen bytes described by c.
func AppendADTSHeader(dst []byte, c AudioSpecificConfig, payloadLen int) ([]byte, error) {
	p, err := newADTSParams(c)
	if err != nil {
		return dst, err
	}
	if payloadLen < 0 || payloadLen > ADTSMaxFrameSize-ADTSHeaderSize {
		return dst, fmt.Errorf("%w: AAC frame of %d bytes in ADTS", ErrFrameTooLarge, payloadLen)
	}
	return p.appendHeader(dst, payloadLen), nil
}
