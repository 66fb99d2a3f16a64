package ts

// H.264 NAL unit types (H.264 Table 7-1) that matter to muxing.
const (
	H264NALSlice uint8 = 1 // coded slice of a non-IDR picture
	H264NALIDR   uint8 = 5 // coded slice of an IDR picture
	H264NALSEI   uint8 = 6
	H264NALSPS   uint8 = 7
	H264NALPPS   uint8 = 8
	H264NALAUD   uint8 = 9 // access unit delimiter
)

// H.265 NAL unit types (H.265 Table 7-1) that matter to muxing.
const (
	H265NALBLAWLP    uint8 = 16 // first IRAP type
	H265NALIDRWRADL  uint8 = 19
	H265NALIDRNLP    uint8 = 20
	H265NALCRA       uint8 = 21
	H265NALVPS       uint8 = 32
	H265NALSPS       uint8 = 33
	H265NALPPS       uint8 = 34
	H265NALAUD       uint8 = 35 // access unit delimiter
	H265NALPrefixSEI uint8 = 39
	H265NALSuffixSEI uint8 = 40
)

// H264NALType returns nal_unit_type of an H.264 NAL unit, or 0 if it is empty.
func H264NALType(nalu []byte) uint8 {
	if len(nalu) == 0 {
		return 0
	}
	return nalu[0] & 0x1F
}

// H265NALType returns nal_unit_type of an H.265 NAL unit, or 0 if it is empty.
func H265NALType(nalu []byte) uint8 {
	if len(nalu) == 0 {
		return 0
	}
	return nalu[0] >> 1 & 0x3F
}

// H264IsKeyframeNAL reports whether an H.264 NAL unit type is an IDR slice.
func H264IsKeyframeNAL(t uint8) bool { return t == H264NALIDR }

// H265IsKeyframeNAL reports whether an H.265 NAL unit type is an IRAP
// picture (BLA, IDR or CRA: types 16 to 23).
func H265IsKeyframeNAL(t uint8) bool { return t >= H265NALBLAWLP && t <= 23 }

// H265IsVCLNAL reports whether an H.265 NAL unit type is a coded slice.
func H265IsVCLNAL(t uint8) bool { return t < 32 }

// Access unit delimiters written in front of each access unit, start code
// included. H.264: nal_ref_idc 0, primary_pic_type 7 (any slice type).
// H.265: nuh_layer_id 0, nuh_temporal_id_plus1 1, pic_type 2 (I, P or B).
var (
	h264AUD = []byte{0, 0, 0, 1, 0x09, 0xF0}
	h265AUD = []byte{0, 0, 0, 1, 0x46, 0x01, 0x50}
)
