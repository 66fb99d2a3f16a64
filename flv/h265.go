package flv

import "fmt"

// NAL unit types of H.265 this package looks at.
const (
	h265NALVPS = 32
	h265NALSPS = 33
	h265NALPPS = 34
)

// h265PTL is the general part of profile_tier_level() (7.3.3), which the
// hvcC record repeats.
type h265PTL struct {
	profileSpace        uint8
	tierFlag            bool
	profileIDC          uint8
	compatibilityFlags  uint32
	constraintIndicator uint64 // 48 bits
	levelIDC            uint8
}

// h265SPS holds the fields of an H.265 sequence parameter set up to
// log2_max_pic_order_cnt_lsb_minus4 (7.3.2.2.1).
type h265SPS struct {
	vpsID                       uint8
	maxSubLayersMinus1          uint8
	temporalIDNesting           bool
	ptl                         h265PTL
	id                          uint32
	chromaFormatIDC             uint32
	separateColourPlane         bool
	width, height               int // after the conformance window
	bitDepthLumaMinus8          uint32
	bitDepthChromaMinus8        uint32
	log2MaxPicOrderCntLsbMinus4 uint32
}

// ParseH265SPS decodes an H.265 sequence parameter set NAL unit, starting
// with its two-byte NAL header, as stored in hvcC. Emulation prevention
// bytes are removed first; sub-layer profile and level information is
// skipped and the conformance window is applied to the size.
func ParseH265SPS(sps []byte) (VideoInfo, error) {
	s, err := parseH265SPS(sps)
	if err != nil {
		return VideoInfo{}, err
	}
	return VideoInfo{
		Codec:        "H265",
		Profile:      h265ProfileName(s.ptl.profileIDC, s.ptl.compatibilityFlags),
		Level:        h265LevelName(s.ptl.levelIDC),
		Width:        s.width,
		Height:       s.height,
		ProfileIDC:   int(s.ptl.profileIDC),
		LevelIDC:     int(s.ptl.levelIDC),
		ChromaFormat: int(s.chromaFormatIDC),
		BitDepth:     int(s.bitDepthLumaMinus8) + 8,
	}, nil
}

func parseH265SPS(nalu []byte) (*h265SPS, error) {
	if len(nalu) < 2 {
		return nil, fmt.Errorf("flv: H.265 SPS: NAL header: %w", ErrTruncated)
	}
	if t := (nalu[0] >> 1) & 0x3f; t != h265NALSPS {
		return nil, fmt.Errorf("flv: H.265 SPS: NAL unit type %d: %w", t, ErrMalformed)
	}
	r := bitReader{buf: unescapeRBSP(nalu[2:])}
	s := &h265SPS{}
	s.vpsID = uint8(r.bits("sps_video_parameter_set_id", 4))
	s.maxSubLayersMinus1 = uint8(r.bits("sps_max_sub_layers_minus1", 3))
	s.temporalIDNesting = r.flag("sps_temporal_id_nesting_flag")
	if s.maxSubLayersMinus1 > 6 {
		return nil, fmt.Errorf("flv: H.265 SPS: sps_max_sub_layers_minus1 %d: %w", s.maxSubLayersMinus1, ErrMalformed)
	}
	s.ptl = readH265PTL(&r, int(s.maxSubLayersMinus1))
	s.id = r.ueMax("sps_seq_parameter_set_id", 15)
	s.chromaFormatIDC = r.ueMax("chroma_format_idc", 3)
	if s.chromaFormatIDC == 3 {
		s.separateColourPlane = r.flag("separate_colour_plane_flag")
	}
	width := int64(r.ue("pic_width_in_luma_samples"))
	height := int64(r.ue("pic_height_in_luma_samples"))
	if r.flag("conformance_window_flag") {
		// Offsets are in chroma sample units (Table 6-1).
		subWidthC, subHeightC := int64(1), int64(1)
		if !s.separateColourPlane && (s.chromaFormatIDC == 1 || s.chromaFormatIDC == 2) {
			subWidthC = 2
		}
		if !s.separateColourPlane && s.chromaFormatIDC == 1 {
			subHeightC = 2
		}
		left := int64(r.ue("conf_win_left_offset"))
		right := int64(r.ue("conf_win_right_offset"))
		top := int64(r.ue("conf_win_top_offset"))
		bottom := int64(r.ue("conf_win_bottom_offset"))
		width -= subWidthC * (left + right)
		height -= subHeightC * (top + bottom)
	}
	s.bitDepthLumaMinus8 = r.ueMax("bit_depth_luma_minus8", 8)
	s.bitDepthChromaMinus8 = r.ueMax("bit_depth_chroma_minus8", 8)
	s.log2MaxPicOrderCntLsbMinus4 = r.ueMax("log2_max_pic_order_cnt_lsb_minus4", 12)
	if r.err != nil {
		return nil, fmt.Errorf("flv: H.265 SPS: %w", r.err)
	}
	const maxDimension = 1 << 16
	if width <= 0 || height <= 0 || width > maxDimension || height > maxDimension {
		return nil, fmt.Errorf("flv: H.265 SPS: picture size %dx%d: %w", width, height, ErrMalformed)
	}
	s.width, s.height = int(width), int(height)
	return s, nil
}

// readH265PTL reads profile_tier_level(1, maxSubLayersMinus1) and returns
// its general part.
func readH265PTL(r *bitReader, maxSubLayersMinus1 int) h265PTL {
	var p h265PTL
	p.profileSpace = uint8(r.bits("general_profile_space", 2))
	p.tierFlag = r.flag("general_tier_flag")
	p.profileIDC = uint8(r.bits("general_profile_idc", 5))
	p.compatibilityFlags = r.bits("general_profile_compatibility_flags", 32)
	p.constraintIndicator = uint64(r.bits("general_constraint_indicator_flags", 32))<<16 |
		uint64(r.bits("general_constraint_indicator_flags", 16))
	p.levelIDC = uint8(r.bits("general_level_idc", 8))
	var profilePresent, levelPresent [8]bool
	for i := 0; i < maxSubLayersMinus1; i++ {
		profilePresent[i] = r.flag("sub_layer_profile_present_flag")
		levelPresent[i] = r.flag("sub_layer_level_present_flag")
	}
	if maxSubLayersMinus1 > 0 {
		r.skip("reserved_zero_2bits", 2*(8-maxSubLayersMinus1))
	}
	for i := 0; i < maxSubLayersMinus1; i++ {
		if profilePresent[i] {
			// profile space, tier, profile idc, compatibility flags and
			// constraint flags: 2+1+5+32+48 bits.
			r.skip("sub_layer_profile", 88)
		}
		if levelPresent[i] {
			r.skip("sub_layer_level_idc", 8)
		}
	}
	return p
}
