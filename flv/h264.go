package flv

import "fmt"

// NAL unit types of H.264 this package looks at.
const (
	h264NALSPS = 7
	h264NALPPS = 8
)

// h264SPS holds the fields of an H.264 sequence parameter set up to the
// frame cropping (7.3.2.1.1), and the frame rate of the VUI's timing info
// (E.1.1), the only VUI field read.
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
	frameRate                         float64 // 0 without VUI timing info
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
		FrameRate:    s.frameRate,
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
	if r.flag("vui_parameters_present_flag") {
		s.frameRate = h264VUIFrameRate(&r)
	}
	return s, nil
}

// h264VUIFrameRate reads vui_parameters() (E.1.1) up to the timing info
// and returns the frame rate it gives, time_scale / (2 num_units_in_tick),
// or 0. A VUI that is cut short or odd costs the frame rate, not the SPS.
func h264VUIFrameRate(r *bitReader) float64 {
	if r.flag("aspect_ratio_info_present_flag") {
		if r.bits("aspect_ratio_idc", 8) == 255 { // Extended_SAR
			r.skip("sar_width, sar_height", 32)
		}
	}
	if r.flag("overscan_info_present_flag") {
		r.skip("overscan_appropriate_flag", 1)
	}
	if r.flag("video_signal_type_present_flag") {
		r.skip("video_format, video_full_range_flag", 4)
		if r.flag("colour_description_present_flag") {
			r.skip("colour_primaries, transfer_characteristics, matrix_coefficients", 24)
		}
	}
	if r.flag("chroma_loc_info_present_flag") {
		r.ue("chroma_sample_loc_type_top_field")
		r.ue("chroma_sample_loc_type_bottom_field")
	}
	if !r.flag("timing_info_present_flag") {
		return 0
	}
	units := r.bits("num_units_in_tick", 32)
	scale := r.bits("time_scale", 32)
	if r.err != nil || units == 0 || scale == 0 {
		return 0
	}
	return float64(scale) / (2 * float64(units))
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
