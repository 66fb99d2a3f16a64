package ts

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"iter"
)

// startCode is the 4-byte Annex B start code written before every NAL unit.
var startCode = []byte{0, 0, 0, 1}

// startCodePrefix is the 3-byte start code prefix searched for when splitting.
var startCodePrefix = []byte{0, 0, 1}

// checkLengthSize reports whether n is a valid NAL unit length size
// (lengthSizeMinusOne + 1 of avcC/hvcC; 3 is not allowed).
func checkLengthSize(n int) error {
	switch n {
	case 1, 2, 4:
		return nil
	}
	return fmt.Errorf("%w: %d", ErrLengthSize, n)
}

// nextNALU splits the first NAL unit off length-prefixed data. The length
// size must have been checked.
func nextNALU(b []byte, lengthSize int) (nalu, rest []byte, err error) {
	if len(b) < lengthSize {
		return nil, nil, fmt.Errorf("%w: %d bytes left for a %d-byte NAL unit length", ErrTruncated, len(b), lengthSize)
	}
	var n uint64
	switch lengthSize {
	case 1:
		n = uint64(b[0])
	case 2:
		n = uint64(binary.BigEndian.Uint16(b))
	default:
		n = uint64(binary.BigEndian.Uint32(b))
	}
	b = b[lengthSize:]
	if n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("%w: NAL unit length %d, %d bytes left", ErrTruncated, n, len(b))
	}
	return b[:n], b[n:], nil
}

// AppendAnnexB appends the NAL units of length-prefixed data (as in FLV,
// RTMP and MP4 samples, each unit preceded by a big-endian length of
// lengthSize bytes) to dst in Annex B form, each behind a 4-byte start code.
// Zero-length units are skipped. On error dst is returned unchanged.
func AppendAnnexB(dst, src []byte, lengthSize int) ([]byte, error) {
	if err := checkLengthSize(lengthSize); err != nil {
		return dst, err
	}
	n := len(dst)
	for len(src) > 0 {
		nalu, rest, err := nextNALU(src, lengthSize)
		if err != nil {
			return dst[:n], err
		}
		src = rest
		if len(nalu) > 0 {
			dst = append(append(dst, startCode...), nalu...)
		}
	}
	return dst, nil
}

// AppendLengthPrefixed appends the NAL units of Annex B data to dst, each
// preceded by its big-endian length in lengthSize bytes. On error dst is
// returned unchanged.
func AppendLengthPrefixed(dst, src []byte, lengthSize int) ([]byte, error) {
	if err := checkLengthSize(lengthSize); err != nil {
		return dst, err
	}
	n := len(dst)
	for nalu := range SplitAnnexB(src) {
		l := len(nalu)
		if lengthSize < 4 && l >= 1<<(8*lengthSize) {
			return dst[:n], fmt.Errorf("%w: %d bytes, length size %d", ErrNALUTooLarge, l, lengthSize)
		}
		if uint64(l) > 0xFFFFFFFF {
			return dst[:n], fmt.Errorf("%w: %d bytes", ErrNALUTooLarge, l)
		}
		switch lengthSize {
		case 1:
			dst = append(dst, byte(l))
		case 2:
			dst = binary.BigEndian.AppendUint16(dst, uint16(l))
		default:
			dst = binary.BigEndian.AppendUint32(dst, uint32(l))
		}
		dst = append(dst, nalu...)
	}
	return dst, nil
}

// SplitAnnexB returns an iterator over the NAL units of an Annex B byte
// stream, without start codes and without trailing zero bytes. Bytes before
// the first start code are skipped, as are empty units. The yielded slices
// alias b; iterating allocates nothing.
func SplitAnnexB(b []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		i := bytes.Index(b, startCodePrefix)
		if i < 0 {
			return
		}
		b = b[i+len(startCodePrefix):]
		for len(b) > 0 {
			var nalu []byte
			if j := bytes.Index(b, startCodePrefix); j < 0 {
				nalu, b = b, nil
			} else {
				nalu, b = b[:j], b[j+len(startCodePrefix):]
			}
			// A NAL unit never ends in a zero byte: zeros before a start
			// code are its leading zero or trailing_zero_8bits.
			for len(nalu) > 0 && nalu[len(nalu)-1] == 0 {
				nalu = nalu[:len(nalu)-1]
			}
			if len(nalu) > 0 && !yield(nalu) {
				return
			}
		}
	}
}
