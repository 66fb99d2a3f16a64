package flv

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// AVCConfig is an AVCDecoderConfigurationRecord (ISO/IEC 14496-15
// 5.3.3.1), the body of an AVC sequence header.
type AVCConfig struct {
	Profile       uint8 // AVCProfileIndication (profile_idc)
	ProfileCompat uint8 // profile_compatibility (constraint flags)
	Level         uint8 // AVCLevelIndication (level_idc)
	LengthSize    int   // bytes of the NAL unit length prefix: 1, 2 or 4
	SPS, PPS      [][]byte

	// HasExtension reports the chroma and bit depth extension that High
	// profiles append to the record.
	HasExtension         bool
	ChromaFormat         uint8
	BitDepthLumaMinus8   uint8
	BitDepthChromaMinus8 uint8
	SPSExt               [][]byte
}

// avcHasExtension reports whether records of a profile may carry the
// chroma and bit depth extension. ISO/IEC 14496-15 lists profiles 100,
// 110, 122 and 144; encoders (ffmpeg, x264) write it for every profile
// other than Baseline, Main and Extended, 244 (High 4:4:4) included.
func avcHasExtension(profile uint8) bool {
	return profile != 66 && profile != 77 && profile != 88
}

// ParseAVCConfig decodes an AVCDecoderConfigurationRecord. The returned
// config holds copies of the parameter sets, not references into b. A
// missing or incomplete High profile extension is ignored, as decoders do.
func ParseAVCConfig(b []byte) (*AVCConfig, error) {
	if len(b) < 7 {
		return nil, fmt.Errorf("flv: avcC: %w", ErrTruncated)
	}
	if b[0] != 1 {
		return nil, fmt.Errorf("flv: avcC: configurationVersion %d: %w", b[0], ErrMalformed)
	}
	b = bytes.Clone(b)
	c := &AVCConfig{
		Profile:       b[1],
		ProfileCompat: b[2],
		Level:         b[3],
		LengthSize:    int(b[4]&0x03) + 1,
	}
	if c.LengthSize == 3 {
		return nil, fmt.Errorf("flv: avcC: lengthSizeMinusOne 2: %w", ErrMalformed)
	}
	var err error
	rest := b[6:]
	if c.SPS, rest, err = readParameterSets(rest, int(b[5]&0x1f)); err != nil {
		return nil, fmt.Errorf("flv: avcC: SPS: %w", err)
	}
	if len(rest) < 1 {
		return nil, fmt.Errorf("flv: avcC: numOfPictureParameterSets: %w", ErrTruncated)
	}
	if c.PPS, rest, err = readParameterSets(rest[1:], int(rest[0])); err != nil {
		return nil, fmt.Errorf("flv: avcC: PPS: %w", err)
	}
	if avcHasExtension(c.Profile) && len(rest) >= 4 {
		ext, _, err := readParameterSets(rest[4:], int(rest[3]))
		if err == nil {
			c.HasExtension = true
			c.ChromaFormat = rest[0] & 0x03
			c.BitDepthLumaMinus8 = rest[1] & 0x07
			c.BitDepthChromaMinus8 = rest[2] & 0x07
			c.SPSExt = ext
		}
	}
	return c, nil
}

// readParameterSets reads n entries of a 16-bit length and the bytes of a
// parameter set. The entries alias b.
func readParameterSets(b []byte, n int) ([][]byte, []byte, error) {
	if n == 0 {
		return nil, b, nil
	}
	if n > len(b)/2 {
		return nil, nil, fmt.Errorf("%d entries in %d bytes: %w", n, len(b), ErrTruncated)
	}
	sets := make([][]byte, 0, n)
	for range n {
		if len(b) < 2 {
			return nil, nil, fmt.Errorf("length: %w", ErrTruncated)
		}
		size := int(binary.BigEndian.Uint16(b))
		if size > len(b)-2 {
			return nil, nil, fmt.Errorf("length %d: %w", size, ErrTruncated)
		}
		sets = append(sets, b[2:2+size:2+size])
		b = b[2+size:]
	}
	return sets, b, nil
}

// appendParameterSets appends a 16-bit length and the bytes of each set.
func appendParameterSets(dst []byte, sets [][]byte) []byte {
	for _, s := range sets {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// Append appends the encoded record to dst. Reserved bits are written as
// ones. The counts are truncated to their field widths (31 SPS, 255 PPS
// and SPS extensions) and parameter sets to 65535 bytes; a LengthSize
// other than 1, 2 or 4 is written as 4.
func (c *AVCConfig) Append(dst []byte) []byte {
	lengthSize := c.LengthSize
	if lengthSize != 1 && lengthSize != 2 {
		lengthSize = 4
	}
	sps, pps := clipSets(c.SPS, 31), clipSets(c.PPS, 255)
	dst = append(dst, 1, c.Profile, c.ProfileCompat, c.Level,
		0xfc|byte(lengthSize-1), 0xe0|byte(len(sps)))
	dst = appendParameterSets(dst, sps)
	dst = append(dst, byte(len(pps)))
	dst = appendParameterSets(dst, pps)
	if c.HasExtension {
		ext := clipSets(c.SPSExt, 255)
		dst = append(dst, 0xfc|c.ChromaFormat&0x03, 0xf8|c.BitDepthLumaMinus8&0x07,
			0xf8|c.BitDepthChromaMinus8&0x07, byte(len(ext)))
		dst = appendParameterSets(dst, ext)
	}
	return dst
}

// clipSets limits a list of parameter sets to max entries of at most
// 65535 bytes each, the limits of the record fields.
func clipSets(sets [][]byte, max int) [][]byte {
	if len(sets) > max {
		sets = sets[:max]
	}
	for i, s := range sets {
		if len(s) > 0xffff {
			clipped := make([][]byte, len(sets))
			copy(clipped, sets)
			for j := i; j < len(sets); j++ {
				if len(clipped[j]) > 0xffff {
					clipped[j] = clipped[j][:0xffff]
				}
			}
			return clipped
		}
	}
	return sets
}

// NewAVCConfig builds an AVCDecoderConfigurationRecord with 4-byte NAL
// unit lengths from parameter set NAL units (with their NAL headers). The
// profile, compatibility and level come from the first SPS, and for High
// profiles the chroma and bit depth extension is filled in from it.
func NewAVCConfig(sps, pps [][]byte) (*AVCConfig, error) {
	if len(sps) == 0 {
		return nil, fmt.Errorf("flv: new avcC: no SPS: %w", ErrMalformed)
	}
	s, err := parseH264SPS(sps[0])
	if err != nil {
		return nil, fmt.Errorf("flv: new avcC: %w", err)
	}
	c := &AVCConfig{
		Profile:       s.profileIDC,
		ProfileCompat: s.constraints,
		Level:         s.levelIDC,
		LengthSize:    4,
		SPS:           cloneSets(sps),
		PPS:           cloneSets(pps),
	}
	if h264HasChromaInfo(c.Profile) {
		c.HasExtension = true
		c.ChromaFormat = uint8(s.chromaFormatIDC)
		c.BitDepthLumaMinus8 = uint8(s.bitDepthLumaMinus8)
		c.BitDepthChromaMinus8 = uint8(s.bitDepthChromaMinus8)
	}
	return c, nil
}

func cloneSets(sets [][]byte) [][]byte {
	out := make([][]byte, len(sets))
	for i, s := range sets {
		out[i] = bytes.Clone(s)
	}
	return out
}
