package flv

import "fmt"

// NAL unit types of H.264 this package looks at.
const (
	h264NALSPS = 7
	h264NALPPS = 8
)

// h264SPS holds the fields of an H.264 sequence parameter set up to the
// frame cropping (7.3.2.1.1); VUI parameters are not read.
type h264SPS struct {
	profileIDC, constraints, levelIDC uint8
	id                                uint32
	chromaFormatIDC                   uint32
	separateColourPlane               bool
	bitDepthLumaMinus8                uint32
	bitDepthChromaMinus8              uint32
	log2MaxFrameNumMinus4             uint32
	picOrderCntType                   uint32
	log2MaxPicOrderCntLsbMinus4       uint32
	maxNumRefFrames                   uint32
	frameMbsOnly                      bool
	width, height                     int
}

// profiles whose SPS carries chroma_format_idc, bit depths and scaling
// matrices.
func h264HasChromaInfo(profileIDC uint8) bool {
	switch profileIDC {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		return true
	}
	return false
}

// ParseH264SPS decodes an H.264 sequence parameter set NAL unit, starting
// with its NAL header, as stored in avcC. Emulation prevention bytes are
// removed first; the frame cropping rectangle is applied to the size.
func ParseH264SPS(sps []byte) (VideoInfo, error) {
	s, err := parseH264SPS(sps)
	if err != nil {
		return VideoInfo{}, err
	}
	return VideoInfo{
		Codec:        "H264",
		Profile:      h264ProfileName(s.profileIDC, s.constraints),
		Level:        h264LevelName(s.profileIDC, s.constraints, s.levelIDC),
		Width:        s.width,
		Height:       s.height,
		ProfileIDC:   int(s.profileIDC),
		LevelIDC:     int(s.levelIDC),
		ChromaFormat: int(s.chromaFormatIDC),
		BitDepth:     int(s.bitDepthLumaMinus8) + 8,
	}, nil
}

func parseH264SPS(nalu []byte) (*h264SPS, error) {
	if len(nalu) < 1 {
		return nil, fmt.Errorf("flv: H.264 SPS: NAL header: %w", ErrTruncated)
	}
	if t := nalu[0] & 0x1f; t != h264NALSPS {
		return nil, fmt.Errorf("flv: H.264 SPS: NAL unit type %d: %w", t, ErrMalformed)
	}
	r := bitReader{buf: unescapeRBSP(nalu[1:])}
	s := &h264SPS{chromaFormatIDC: 1}
	s.profileIDC = uint8(r.bits("profile_idc", 8))
	s.constraints = uint8(r.bits("constraint_set_flags", 8))
	s.levelIDC = uint8(r.bits("level_idc", 8))
	s.id = r.ueMax("seq_parameter_set_id", 31)
	if h264HasChromaInfo(s.profileIDC) {
		s.chromaFormatIDC = r.ueMax("chroma_format_idc", 3)
		if s.chromaFormatIDC == 3 {
			s.separateColourPlane = r.flag("separate_colour_plane_flag")
		}
		s.bitDepthLumaMinus8 = r.ueMax("bit_depth_luma_minus8", 6)
		s.bitDepthChromaMinus8 = r.ueMax("bit_depth_chroma_minus8", 6)
		r.skip("qpprime_y_zero_transform_bypass_flag", 1)
		if r.flag("seq_scaling_matrix_present_flag") {
			lists := 8
			if s.chromaFormatIDC == 3 {
				lists = 12
			}
			for i := 0; i < lists && r.err == nil; i++ {
				if r.flag("seq_scaling_list_present_flag") {
					size := 16
					if i >= 6 {
						size = 64
					}
					skipScalingList(&r, size)
				}
			}
		}
	}
	s.log2MaxFrameNumMinus4 = r.ueMax("log2_max_frame_num_minus4", 12)
	s.picOrderCntType = r.ueMax("pic_order_cnt_type", 2)
	switch s.picOrderCntType {
	case 0:
		s.log2MaxPicOrderCntLsbMinus4 = r.ueMax("log2_max_pic_order_cnt_lsb_minus4", 12)
	case 1:
		r.skip("delta_pic_order_always_zero_flag", 1)
		r.se("offset_for_non_ref_pic")
		r.se("offset_for_top_to_bottom_field")
		n := r.ueMax("num_ref_frames_in_pic_order_cnt_cycle", 255)
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.se("offset_for_ref_frame")
		}
	}
	s.maxNumRefFrames = r.ue("max_num_ref_frames")
	r.skip("gaps_in_frame_num_value_allowed_flag", 1)
	widthMbs := int64(r.ue("pic_width_in_mbs_minus1")) + 1
	heightMapUnits := int64(r.ue("pic_height_in_map_units_minus1")) + 1
	s.frameMbsOnly = r.flag("frame_mbs_only_flag")
	if !s.frameMbsOnly {
		r.skip("mb_adaptive_frame_field_flag", 1)
	}
	r.skip("direct_8x8_inference_flag", 1)
	var cropLeft, cropRight, cropTop, cropBottom int64
	if r.flag("frame_cropping_flag") {
		cropLeft = int64(r.ue("frame_crop_left_offset"))
		cropRight = int64(r.ue("frame_crop_right_offset"))
		cropTop = int64(r.ue("frame_crop_top_offset"))
		cropBottom = int64(r.ue("frame_crop_bottom_offset"))
	}
	if r.err != nil {
		return nil, fmt.Errorf("flv: H.264 SPS: %w", r.err)
	}

	// 7.4.2.1.1: frame size and the crop units of Table 6-1.
	frameHeightFactor := int64(2)
	if s.frameMbsOnly {
		frameHeightFactor = 1
	}
	width := widthMbs * 16
	height := frameHeightFactor * heightMapUnits * 16
	cropUnitX, cropUnitY := int64(1), frameHeightFactor
	if !s.separateColourPlane && s.chromaFormatIDC != 0 {
		subWidthC, subHeightC := int64(1), int64(1)
		if s.chromaFormatIDC == 1 || s.chromaFormatIDC == 2 {
			subWidthC = 2
		}
		if s.chromaFormatIDC == 1 {
			subHeightC = 2
		}
		cropUnitX, cropUnitY = subWidthC, subHeightC*frameHeightFactor
	}
	width -= cropUnitX * (cropLeft + cropRight)
	height -= cropUnitY * (cropTop + cropBottom)
	const maxDimension = 1 << 16
	if width <= 0 || height <= 0 || width > maxDimension || height > maxDimension {
		return nil, fmt.Errorf("flv: H.264 SPS: picture size %dx%d: %w", width, height, ErrMalformed)
	}
	s.width, s.height = int(width), int(height)
	return s, nil
}

// skipScalingList reads scaling_list() (7.3.2.1.1.1) and discards it.
func skipScalingList(r *bitReader, size int) {
	lastScale, nextScale := int32(8), int32(8)
	for j := 0; j < size && r.err == nil; j++ {
		if nextScale != 0 {
			delta := r.se("delta_scale")
			if delta < -128 || delta > 127 {
				r.fail("delta_scale", ErrMalformed)
				return
			}
			nextScale = (lastScale + delta + 256) % 256
		}
		if nextScale != 0 {
			lastScale = nextScale
		}
	}
}
