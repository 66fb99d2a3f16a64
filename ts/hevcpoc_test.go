package ts

import "fmt"

// Just enough H.265 parsing to give the raw test stream presentation
// timestamps: picture order count from slice headers (H.265 7.3.2.2,
// 7.3.2.3, 7.3.6.1 and 8.3.1).

// rbspReader reads bits of a NAL unit payload, removing emulation
// prevention bytes first.
type rbspReader struct {
	r bitReader
}

func newRBSPReader(nalu []byte) *rbspReader {
	rbsp := make([]byte, 0, len(nalu))
	zeros := 0
	for _, b := range nalu {
		if zeros >= 2 && b == 3 {
			zeros = 0
			continue
		}
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
		rbsp = append(rbsp, b)
	}
	return &rbspReader{r: bitReader{b: rbsp}}
}

func (r *rbspReader) u(n int) uint32 { return r.r.read(n) }

// ue reads an unsigned Exp-Golomb code.
func (r *rbspReader) ue() uint32 {
	zeros := 0
	for r.u(1) == 0 && !r.r.overrun && zeros < 32 {
		zeros++
	}
	return 1<<zeros - 1 + r.u(zeros)
}

// hevcPOC tracks what picture order count decoding needs.
type hevcPOC struct {
	log2MaxPOCLSB     int
	separateColour    bool
	extraSliceBits    int
	outputFlagPresent bool
	prevTid0POC       int
}

// parseSPS reads log2_max_pic_order_cnt_lsb_minus4 and
// separate_colour_plane_flag.
func (p *hevcPOC) parseSPS(nalu []byte) error {
	r := newRBSPReader(nalu[2:])
	r.u(4) // sps_video_parameter_set_id
	maxSubLayersMinus1 := int(r.u(3))
	r.u(1)  // sps_temporal_id_nesting_flag
	r.u(96) // general profile_tier_level up to general_level_idc
	var profilePresent, levelPresent [8]bool
	for i := range maxSubLayersMinus1 {
		profilePresent[i] = r.u(1) == 1
		levelPresent[i] = r.u(1) == 1
	}
	if maxSubLayersMinus1 > 0 {
		for i := maxSubLayersMinus1; i < 8; i++ {
			r.u(2)
		}
	}
	for i := range maxSubLayersMinus1 {
		if profilePresent[i] {
			r.u(88)
		}
		if levelPresent[i] {
			r.u(8)
		}
	}
	r.ue() // sps_seq_parameter_set_id
	if r.ue() == 3 {
		p.separateColour = r.u(1) == 1
	}
	r.ue() // pic_width_in_luma_samples
	r.ue() // pic_height_in_luma_samples
	if r.u(1) == 1 {
		r.ue()
		r.ue()
		r.ue()
		r.ue()
	}
	r.ue() // bit_depth_luma_minus8
	r.ue() // bit_depth_chroma_minus8
	p.log2MaxPOCLSB = int(r.ue()) + 4
	if r.r.overrun || p.log2MaxPOCLSB > 16 {
		return fmt.Errorf("bad SPS")
	}
	return nil
}

// parsePPS reads output_flag_present_flag and num_extra_slice_header_bits.
func (p *hevcPOC) parsePPS(nalu []byte) {
	r := newRBSPReader(nalu[2:])
	r.ue() // pps_pic_parameter_set_id
	r.ue() // pps_seq_parameter_set_id
	r.u(1) // dependent_slice_segments_enabled_flag
	p.outputFlagPresent = r.u(1) == 1
	p.extraSliceBits = int(r.u(3))
}

// poc returns the picture order count of the picture whose first slice
// segment is nalu; first reports the first picture of the stream.
func (p *hevcPOC) poc(nalu []byte, first bool) int {
	t := H265NALType(nalu)
	tid := int(nalu[1]&7) - 1
	r := newRBSPReader(nalu[2:])
	r.u(1) // first_slice_segment_in_pic_flag
	if H265IsKeyframeNAL(t) {
		r.u(1) // no_output_of_prior_pics_flag
	}
	r.ue() // slice_pic_parameter_set_id
	r.u(p.extraSliceBits)
	r.ue() // slice_type
	if p.outputFlagPresent {
		r.u(1)
	}
	if p.separateColour {
		r.u(2)
	}
	lsb, msb := 0, 0
	isIDR := t == H265NALIDRWRADL || t == H265NALIDRNLP
	if !isIDR {
		lsb = int(r.u(p.log2MaxPOCLSB))
	}
	maxLSB := 1 << p.log2MaxPOCLSB
	noRASLOutput := isIDR || (t >= H265NALBLAWLP && t <= 18) || (first && H265IsKeyframeNAL(t))
	if !noRASLOutput {
		prevLSB := p.prevTid0POC & (maxLSB - 1)
		prevMSB := p.prevTid0POC - prevLSB
		switch {
		case lsb < prevLSB && prevLSB-lsb >= maxLSB/2:
			msb = prevMSB + maxLSB
		case lsb > prevLSB && lsb-prevLSB > maxLSB/2:
			msb = prevMSB - maxLSB
		default:
			msb = prevMSB
		}
	}
	poc := msb + lsb
	// RASL (8, 9), RADL (6, 7) and sub-layer non-reference pictures
	// (even types up to 14) do not update prevTid0Pic.
	if tid == 0 && !(t >= 6 && t <= 9) && !(t <= 14 && t%2 == 0) {
		p.prevTid0POC = poc
	}
	return poc
}
