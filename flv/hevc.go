package flv

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// HEVCConfig is an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15
// 8.3.3.1), the body of an HEVC sequence header.
type HEVCConfig struct {
	GeneralProfileSpace              uint8
	GeneralTierFlag                  bool
	GeneralProfileIDC                uint8
	GeneralProfileCompatibilityFlags uint32
	GeneralConstraintIndicatorFlags  uint64 // 48 bits
	GeneralLevelIDC                  uint8
	MinSpatialSegmentationIDC        uint16 // 12 bits
	ParallelismType                  uint8
	ChromaFormat                     uint8 // chroma_format_idc
	BitDepthLumaMinus8               uint8
	BitDepthChromaMinus8             uint8
	AvgFrameRate                     uint16 // frames per 256 seconds, 0 if unknown
	ConstantFrameRate                uint8
	NumTemporalLayers                uint8
	TemporalIDNested                 bool
	LengthSize                       int // bytes of the NAL unit length prefix: 1, 2 or 4

	VPS, SPS, PPS [][]byte
	// ArrayCompleteness is the array_completeness flag of the VPS, SPS and
	// PPS arrays: all parameter sets of these types are in the record.
	ArrayCompleteness bool
	// Arrays holds the arrays of other NAL unit types (SEI, ...) in
	// record order.
	Arrays []HEVCNALUArray
}

// HEVCNALUArray is one array of NAL units of an hvcC record.
type HEVCNALUArray struct {
	Completeness bool
	NALUType     uint8
	NALUs        [][]byte
}

// hevcConfigFixedLen is the size of the record up to numOfArrays.
const hevcConfigFixedLen = 23

// ParseHEVCConfig decodes an HEVCDecoderConfigurationRecord. The returned
// config holds copies of the NAL units, not references into b.
func ParseHEVCConfig(b []byte) (*HEVCConfig, error) {
	if len(b) < hevcConfigFixedLen {
		return nil, fmt.Errorf("flv: hvcC: %w", ErrTruncated)
	}
	if b[0] != 1 {
		return nil, fmt.Errorf("flv: hvcC: configurationVersion %d: %w", b[0], ErrMalformed)
	}
	b = bytes.Clone(b)
	c := &HEVCConfig{
		GeneralProfileSpace:              b[1] >> 6,
		GeneralTierFlag:                  b[1]&0x20 != 0,
		GeneralProfileIDC:                b[1] & 0x1f,
		GeneralProfileCompatibilityFlags: binary.BigEndian.Uint32(b[2:]),
		GeneralConstraintIndicatorFlags:  uint64(binary.BigEndian.Uint16(b[6:]))<<32 | uint64(binary.BigEndian.Uint32(b[8:])),
		GeneralLevelIDC:                  b[12],
		MinSpatialSegmentationIDC:        binary.BigEndian.Uint16(b[13:]) & 0x0fff,
		ParallelismType:                  b[15] & 0x03,
		ChromaFormat:                     b[16] & 0x03,
		BitDepthLumaMinus8:               b[17] & 0x07,
		BitDepthChromaMinus8:             b[18] & 0x07,
		AvgFrameRate:                     binary.BigEndian.Uint16(b[19:]),
		ConstantFrameRate:                b[21] >> 6,
		NumTemporalLayers:                (b[21] >> 3) & 0x07,
		TemporalIDNested:                 b[21]&0x04 != 0,
		LengthSize:                       int(b[21]&0x03) + 1,
	}
	if c.LengthSize == 3 {
		return nil, fmt.Errorf("flv: hvcC: lengthSizeMinusOne 2: %w", ErrMalformed)
	}
	numArrays := int(b[22])
	rest := b[hevcConfigFixedLen:]
	for i := range numArrays {
		if len(rest) < 3 {
			return nil, fmt.Errorf("flv: hvcC: array %d header: %w", i, ErrTruncated)
		}
		complete, typ := rest[0]&0x80 != 0, rest[0]&0x3f
		nalus, next, err := readParameterSets(rest[3:], int(binary.BigEndian.Uint16(rest[1:])))
		if err != nil {
			return nil, fmt.Errorf("flv: hvcC: array %d (NAL unit type %d): %w", i, typ, err)
		}
		rest = next
		switch typ {
		case h265NALVPS, h265NALSPS, h265NALPPS:
			if len(nalus) == 0 {
				continue // Append omits empty parameter set arrays
			}
			c.ArrayCompleteness = complete
			switch typ {
			case h265NALVPS:
				c.VPS = append(c.VPS, nalus...)
			case h265NALSPS:
				c.SPS = append(c.SPS, nalus...)
			default:
				c.PPS = append(c.PPS, nalus...)
			}
		default:
			c.Arrays = append(c.Arrays, HEVCNALUArray{Completeness: complete, NALUType: typ, NALUs: nalus})
		}
	}
	return c, nil
}

// Append appends the encoded record to dst, with the VPS, SPS and PPS
// arrays first (empty ones omitted) and then Arrays. Reserved bits are
// written as ones; counts and NAL units are truncated to their field
// widths, and a LengthSize other than 1, 2 or 4 is written as 4.
func (c *HEVCConfig) Append(dst []byte) []byte {
	lengthSize := c.LengthSize
	if lengthSize != 1 && lengthSize != 2 {
		lengthSize = 4
	}
	dst = append(dst, 1, c.GeneralProfileSpace<<6|boolBit(c.GeneralTierFlag)<<5|c.GeneralProfileIDC&0x1f)
	dst = binary.BigEndian.AppendUint32(dst, c.GeneralProfileCompatibilityFlags)
	dst = binary.BigEndian.AppendUint16(dst, uint16(c.GeneralConstraintIndicatorFlags>>32))
	dst = binary.BigEndian.AppendUint32(dst, uint32(c.GeneralConstraintIndicatorFlags))
	dst = append(dst, c.GeneralLevelIDC)
	dst = binary.BigEndian.AppendUint16(dst, 0xf000|c.MinSpatialSegmentationIDC&0x0fff)
	dst = append(dst,
		0xfc|c.ParallelismType&0x03,
		0xfc|c.ChromaFormat&0x03,
		0xf8|c.BitDepthLumaMinus8&0x07,
		0xf8|c.BitDepthChromaMinus8&0x07)
	dst = binary.BigEndian.AppendUint16(dst, c.AvgFrameRate)
	dst = append(dst, c.ConstantFrameRate<<6|(c.NumTemporalLayers&0x07)<<3|
		boolBit(c.TemporalIDNested)<<2|byte(lengthSize-1))

	arrays := make([]HEVCNALUArray, 0, 3+len(c.Arrays))
	for _, a := range []HEVCNALUArray{
		{c.ArrayCompleteness, h265NALVPS, c.VPS},
		{c.ArrayCompleteness, h265NALSPS, c.SPS},
		{c.ArrayCompleteness, h265NALPPS, c.PPS},
	} {
		if len(a.NALUs) > 0 {
			arrays = append(arrays, a)
		}
	}
	arrays = append(arrays, c.Arrays...)
	if len(arrays) > 255 {
		arrays = arrays[:255]
	}
	dst = append(dst, byte(len(arrays)))
	for _, a := range arrays {
		nalus := clipSets(a.NALUs, 0xffff)
		dst = append(dst, boolBit(a.Completeness)<<7|a.NALUType&0x3f)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(nalus)))
		dst = appendParameterSets(dst, nalus)
	}
	return dst
}

func boolBit(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// NewHEVCConfig builds an HEVCDecoderConfigurationRecord with 4-byte NAL
// unit lengths from parameter set NAL units (with their NAL headers). The
// profile, tier, level, chroma format, bit depths and temporal layers come
// from the first SPS; fields that need the VUI or the PPS
// (min_spatial_segmentation_idc, parallelismType, frame rate) are zero.
// ArrayCompleteness is false, as ffmpeg writes it, so that parameter sets
// may also be sent in band.
func NewHEVCConfig(vps, sps, pps [][]byte) (*HEVCConfig, error) {
	if len(sps) == 0 {
		return nil, fmt.Errorf("flv: new hvcC: no SPS: %w", ErrMalformed)
	}
	s, err := parseH265SPS(sps[0])
	if err != nil {
		return nil, fmt.Errorf("flv: new hvcC: %w", err)
	}
	return &HEVCConfig{
		GeneralProfileSpace:              s.ptl.profileSpace,
		GeneralTierFlag:                  s.ptl.tierFlag,
		GeneralProfileIDC:                s.ptl.profileIDC,
		GeneralProfileCompatibilityFlags: s.ptl.compatibilityFlags,
		GeneralConstraintIndicatorFlags:  s.ptl.constraintIndicator,
		GeneralLevelIDC:                  s.ptl.levelIDC,
		ChromaFormat:                     uint8(s.chromaFormatIDC),
		BitDepthLumaMinus8:               uint8(s.bitDepthLumaMinus8),
		BitDepthChromaMinus8:             uint8(s.bitDepthChromaMinus8),
		NumTemporalLayers:                s.maxSubLayersMinus1 + 1,
		TemporalIDNested:                 s.temporalIDNesting,
		LengthSize:                       4,
		VPS:                              cloneSets(vps),
		SPS:                              cloneSets(sps),
		PPS:                              cloneSets(pps),
	}, nil
}
