package ts

import "fmt"

// PES header layout (H.222.0 2.4.3.6).
const (
	pesStartCodeSize = 3 // packet_start_code_prefix 0x000001
	pesFixedSize     = 6 // start code, stream_id, PES_packet_length
	pesOptionalSize  = 3 // flags and PES_header_data_length
	timestampSize    = 5
	pesMaxHeaderSize = pesFixedSize + pesOptionalSize + 2*timestampSize
	pesMaxLength     = 0xFFFF

	pesFlagsMarker    = 0x80 // '10' marker bits of the first flags byte
	pesDataAlignment  = 0x04 // data_alignment_indicator
	pesPTSOnly        = 0x80 // PTS_DTS_flags '10'
	pesPTSAndDTS      = 0xC0 // PTS_DTS_flags '11'
	timestampPrefixPT = 0x2  // '0010' before a lone PTS
	timestampPrefixP  = 0x3  // '0011' before a PTS followed by a DTS
	timestampPrefixD  = 0x1  // '0001' before a DTS
)

// appendTimestamp appends a 5-byte PTS or DTS field with a 4-bit prefix.
func appendTimestamp(dst []byte, prefix byte, t int64) []byte {
	v := uint64(t) & timestampMask
	return append(dst,
		prefix<<4|byte(v>>29)&0x0E|1,
		byte(v>>22),
		byte(v>>14)|1,
		byte(v>>7),
		byte(v<<1)|1,
	)
}

// parseTimestamp reads a 5-byte PTS or DTS field, ignoring prefix and markers.
func parseTimestamp(b []byte) int64 {
	return int64(b[0]>>1&7)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}

// appendPESHeader appends a PES header for a payload of payloadLen bytes.
// A DTS is written when it differs from the PTS. With bounded false, or
// when the packet would be longer than the 16-bit field allows,
// PES_packet_length is 0 (allowed for video in transport streams).
func appendPESHeader(dst []byte, streamID uint8, pts, dts int64, payloadLen int, bounded bool) []byte {
	pts &= timestampMask
	dts &= timestampMask
	flags, dataLen := byte(pesPTSOnly), timestampSize
	if dts != pts {
		flags, dataLen = pesPTSAndDTS, 2*timestampSize
	}
	length := pesOptionalSize + dataLen + payloadLen
	if !bounded || length > pesMaxLength {
		length = 0
	}
	dst = append(dst, 0, 0, 1, streamID, byte(length>>8), byte(length),
		pesFlagsMarker|pesDataAlignment, flags, byte(dataLen))
	if flags == pesPTSOnly {
		return appendTimestamp(dst, timestampPrefixPT, pts)
	}
	dst = appendTimestamp(dst, timestampPrefixP, pts)
	return appendTimestamp(dst, timestampPrefixD, dts)
}

// pesHeader is a parsed PES packet header.
type pesHeader struct {
	streamID   uint8
	length     int   // PES_packet_length; 0 = unbounded
	headerSize int   // bytes before the payload
	pts, dts   int64 // NoTimestamp when absent; dts = pts when only PTS
}

// hasOptionalHeader reports whether stream_id is followed by the optional
// PES header (every stream_id but padding, private_stream_2, ECM, EMM,
// DSMCC, H.222.1 type E and program stream directory).
func hasOptionalHeader(id uint8) bool {
	switch id {
	case 0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xF2, 0xF8, 0xFF:
		return false
	}
	return true
}

// parsePESHeader parses the PES header at the start of b, which must hold
// at least the whole header.
func parsePESHeader(b []byte) (pesHeader, error) {
	if len(b) < pesFixedSize {
		return pesHeader{}, fmt.Errorf("%w: %w: header of %d bytes", ErrPES, ErrTruncated, len(b))
	}
	if b[0] != 0 || b[1] != 0 || b[2] != 1 {
		return pesHeader{}, fmt.Errorf("%w: no start code", ErrPES)
	}
	h := pesHeader{
		streamID:   b[3],
		length:     int(b[4])<<8 | int(b[5]),
		headerSize: pesFixedSize,
		pts:        NoTimestamp,
		dts:        NoTimestamp,
	}
	if !hasOptionalHeader(h.streamID) {
		return h, nil
	}
	if len(b) < pesFixedSize+pesOptionalSize {
		return pesHeader{}, fmt.Errorf("%w: %w: header of %d bytes", ErrPES, ErrTruncated, len(b))
	}
	if b[6]&0xC0 != pesFlagsMarker {
		return pesHeader{}, fmt.Errorf("%w: bad marker bits 0x%02X", ErrPES, b[6])
	}
	h.headerSize += pesOptionalSize + int(b[8])
	if len(b) < h.headerSize {
		return pesHeader{}, fmt.Errorf("%w: %w: header of %d bytes, %d announced", ErrPES, ErrTruncated, len(b), h.headerSize)
	}
	if h.length != 0 && h.length < h.headerSize-pesFixedSize {
		return pesHeader{}, fmt.Errorf("%w: PES_packet_length %d shorter than header", ErrPES, h.length)
	}
	opt := b[pesFixedSize+pesOptionalSize : h.headerSize]
	switch b[7] & 0xC0 {
	case pesPTSOnly:
		if len(opt) < timestampSize {
			return pesHeader{}, fmt.Errorf("%w: PTS does not fit header", ErrPES)
		}
		h.pts = parseTimestamp(opt)
		h.dts = h.pts
	case pesPTSAndDTS:
		if len(opt) < 2*timestampSize {
			return pesHeader{}, fmt.Errorf("%w: PTS and DTS do not fit header", ErrPES)
		}
		h.pts = parseTimestamp(opt)
		h.dts = parseTimestamp(opt[timestampSize:])
	}
	return h, nil
}
