package flv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// This file builds an Enhanced RTMP ("hvc1") FLV stream from the raw
// H.265 Annex B test stream, the way an SRT or RTSP ingest would before
// relaying over RTMP, and reads it back.

// splitAnnexB returns the NAL units of an Annex B byte stream.
func splitAnnexB(b []byte) [][]byte {
	var nalus [][]byte
	start := -1
	for i := 0; i+2 < len(b); {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				nalus = append(nalus, bytes.TrimRight(b[start:i], "\x00"))
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(b) {
		nalus = append(nalus, b[start:])
	}
	return nalus
}

func h265NALType(nalu []byte) uint8 { return (nalu[0] >> 1) & 0x3f }

// h265AccessUnit is one coded picture.
type h265AccessUnit struct {
	nalus    [][]byte // without parameter sets and access unit delimiters
	irap     bool
	poc      int
	pocEpoch int // incremented at every IDR, which resets the POC
}

// h265PPS holds the PPS fields a slice header parse needs.
type h265PPS struct {
	dependentSliceSegments  bool
	outputFlagPresent       bool
	numExtraSliceHeaderBits int
}

func parseH265PPS(t *testing.T, nalu []byte) h265PPS {
	r := bitReader{buf: unescapeRBSP(nalu[2:])}
	r.ue("pps_pic_parameter_set_id")
	r.ue("pps_seq_parameter_set_id")
	p := h265PPS{
		dependentSliceSegments:  r.flag("dependent_slice_segments_enabled_flag"),
		outputFlagPresent:       r.flag("output_flag_present_flag"),
		numExtraSliceHeaderBits: int(r.bits("num_extra_slice_header_bits", 3)),
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	return p
}

// slicePOCLsb reads slice_pic_order_cnt_lsb from the first slice segment
// of a picture (7.3.6.1); IDR pictures have none and return 0.
func slicePOCLsb(t *testing.T, nalu []byte, sps *h265SPS, pps h265PPS) int {
	typ := h265NALType(nalu)
	r := bitReader{buf: unescapeRBSP(nalu[2:])}
	if !r.flag("first_slice_segment_in_pic_flag") {
		t.Fatal("not the first slice segment")
	}
	if typ >= 16 && typ <= 23 {
		r.skip("no_output_of_prior_pics_flag", 1)
	}
	r.ue("slice_pic_parameter_set_id")
	r.skip("slice_reserved_flag", pps.numExtraSliceHeaderBits)
	r.ue("slice_type")
	if pps.outputFlagPresent {
		r.skip("pic_output_flag", 1)
	}
	if sps.separateColourPlane {
		r.skip("colour_plane_id", 2)
	}
	if typ == 19 || typ == 20 { // IDR_W_RADL, IDR_N_LP
		return 0
	}
	lsb := int(r.bits("slice_pic_order_cnt_lsb", int(sps.log2MaxPicOrderCntLsbMinus4)+4))
	if r.err != nil {
		t.Fatal(r.err)
	}
	return lsb
}

// hevcTestStream is the parsed test stream.
type hevcTestStream struct {
	vps, sps, pps []byte
	units         []h265AccessUnit
}

func loadHEVCTestStream(t *testing.T) *hevcTestStream {
	t.Helper()
	s := &hevcTestStream{}
	var (
		cur       *h265AccessUnit
		spsFields *h265SPS
		ppsFields h265PPS
		prevLsb   int
		prevMsb   int
		epoch     int
	)
	for _, nalu := range splitAnnexB(mediaFile(t, "h265_360p25.hevc")) {
		if len(nalu) < 3 {
			t.Fatalf("NAL unit of %d bytes", len(nalu))
		}
		typ := h265NALType(nalu)
		switch {
		case typ == h265NALVPS:
			s.vps = nalu
		case typ == h265NALSPS:
			s.sps = nalu
			var err error
			if spsFields, err = parseH265SPS(nalu); err != nil {
				t.Fatal(err)
			}
		case typ == h265NALPPS:
			s.pps = nalu
			ppsFields = parseH265PPS(t, nalu)
		case typ == 35: // access unit delimiter
		case typ < 32: // VCL
			if nalu[2]&0x80 != 0 { // first_slice_segment_in_pic_flag
				s.units = append(s.units, h265AccessUnit{})
				cur = &s.units[len(s.units)-1]
				cur.irap = typ >= 16 && typ <= 23
				// 8.3.1: PicOrderCntMsb from the previous TemporalId 0
				// picture that is not RASL, RADL or a sub-layer
				// non-reference picture.
				lsb := slicePOCLsb(t, nalu, spsFields, ppsFields)
				maxLsb := 1 << (spsFields.log2MaxPicOrderCntLsbMinus4 + 4)
				msb := prevMsb
				switch {
				case typ == 19 || typ == 20:
					epoch++
					msb = 0
				case lsb < prevLsb && prevLsb-lsb >= maxLsb/2:
					msb += maxLsb
				case lsb > prevLsb && lsb-prevLsb > maxLsb/2:
					msb -= maxLsb
				}
				cur.poc, cur.pocEpoch = msb+lsb, epoch
				temporalID := nalu[1]&0x07 - 1
				subLayerNonRef := typ <= 14 && typ%2 == 0
				if temporalID == 0 && !(typ >= 6 && typ <= 9) && !subLayerNonRef {
					prevLsb, prevMsb = lsb, msb
				}
			}
			if cur == nil {
				t.Fatal("slice before the first picture")
			}
			cur.nalus = append(cur.nalus, nalu)
		default: // SEI and other non-VCL units belong to the next picture
			s.units = append(s.units, h265AccessUnit{})
			cur = &s.units[len(s.units)-1]
			cur.nalus = append(cur.nalus, nalu)
		}
	}
	// Merge the units opened by prefix SEI into the picture that follows.
	var merged []h265AccessUnit
	var pending [][]byte
	for _, u := range s.units {
		vcl := false
		for _, n := range u.nalus {
			vcl = vcl || h265NALType(n) < 32
		}
		if !vcl {
			pending = append(pending, u.nalus...)
			continue
		}
		u.nalus = append(pending, u.nalus...)
		pending = nil
		merged = append(merged, u)
	}
	s.units = merged
	if s.vps == nil || s.sps == nil || s.pps == nil {
		t.Fatal("parameter sets missing")
	}
	return s
}

// buildEnhancedHEVCFLV writes the stream as Enhanced RTMP FLV: a
// SequenceStart with the hvcC, one CodedFrames (or CodedFramesX) tag per
// picture with DTS at 25 fps and the composition time from the picture
// order, and a SequenceEnd.
func buildEnhancedHEVCFLV(t *testing.T, s *hevcTestStream, w io.Writer) (hvcC []byte) {
	t.Helper()
	const frameMillis = 40
	// Display rank of each picture, then a constant delay so that no
	// picture is presented before it is decoded.
	order := make([]int, len(s.units))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		ua, ub := s.units[a], s.units[b]
		if ua.pocEpoch != ub.pocEpoch {
			return ua.pocEpoch - ub.pocEpoch
		}
		return ua.poc - ub.poc
	})
	rank := make([]int, len(order))
	for r, i := range order {
		rank[i] = r
	}
	delay := 0
	for i, r := range rank {
		delay = max(delay, i-r)
	}

	cfg, err := NewHEVCConfig([][]byte{s.vps}, [][]byte{s.sps}, [][]byte{s.pps})
	if err != nil {
		t.Fatal(err)
	}
	hvcC = cfg.Append(nil)
	fw, err := NewWriter(w, false, true)
	if err != nil {
		t.Fatal(err)
	}
	seq := AppendEnhancedVideoHeader(nil, FrameTypeKey, VideoPacketSequenceStart, FourCCHEVC, 0)
	if err := fw.WriteTag(TagVideo, 0, append(seq, hvcC...)); err != nil {
		t.Fatal(err)
	}
	var body []byte
	for i, u := range s.units {
		frameType, packetType := uint8(FrameTypeInter), uint8(VideoPacketCodedFrames)
		if u.irap {
			frameType = FrameTypeKey
		}
		ct := int32((rank[i] + delay - i) * frameMillis)
		if ct == 0 {
			packetType = VideoPacketCodedFramesX
		}
		body = AppendEnhancedVideoHeader(body[:0], frameType, packetType, FourCCHEVC, ct)
		for _, n := range u.nalus {
			body = binary.BigEndian.AppendUint32(body, uint32(len(n)))
			body = append(body, n...)
		}
		if err := fw.WriteTag(TagVideo, uint32(i*frameMillis), body); err != nil {
			t.Fatal(err)
		}
	}
	end := AppendEnhancedVideoHeader(nil, FrameTypeKey, VideoPacketSequenceEnd, FourCCHEVC, 0)
	if err := fw.WriteTag(TagVideo, uint32(len(s.units)*frameMillis), end); err != nil {
		t.Fatal(err)
	}
	return hvcC
}

func TestEnhancedHEVCStream(t *testing.T) {
	s := loadHEVCTestStream(t)
	path := filepath.Join(t.TempDir(), "hevc_enhanced.flv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	hvcC := buildEnhancedHEVCFLV(t, s, bw)
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	r.CheckPreviousTagSize = true
	var (
		summary   strings.Builder
		frames    int
		keyframes []int // presentation times
		pts       []int
		ended     bool
	)
	fmt.Fprintf(&summary, "hvcC %x\n", hvcC)
	for {
		tag, err := r.ReadTag()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		h, err := ParseVideoTagHeader(tag.Data)
		if err != nil {
			t.Fatal(err)
		}
		if !h.Enhanced || h.Codec != VideoCodecHEVC || h.FourCC != FourCCHEVC {
			t.Fatalf("tag at %d ms: header %+v", tag.Timestamp, h)
		}
		body := tag.Data[h.HeaderLen:]
		switch {
		case IsVideoSequenceHeader(tag.Data):
			cfg, err := ParseHEVCConfig(body)
			if err != nil {
				t.Fatal(err)
			}
			info, err := ParseH265SPS(cfg.SPS[0])
			if err != nil {
				t.Fatal(err)
			}
			want := VideoInfo{Codec: "H265", Profile: "Main", Level: "2.1", Width: 640, Height: 360,
				ProfileIDC: 1, LevelIDC: 63, ChromaFormat: 1, BitDepth: 8}
			if info != want {
				t.Errorf("SPS info %+v, want %+v", info, want)
			}
			fmt.Fprintf(&summary, "sequence start %s %s %s %dx%d\n", info.Codec, info.Profile, info.Level, info.Width, info.Height)
		case h.PacketType == VideoPacketSequenceEnd:
			ended = true
		default:
			frames++
			if h.CompositionTime < 0 {
				t.Errorf("frame at %d ms: negative composition time %d", tag.Timestamp, h.CompositionTime)
			}
			pts = append(pts, int(tag.Timestamp)+int(h.CompositionTime))
			if IsVideoKeyframe(tag.Data) {
				keyframes = append(keyframes, pts[len(pts)-1])
			}
			// The body is a sequence of 4-byte length prefixed NAL units.
			for len(body) > 0 {
				n := int(binary.BigEndian.Uint32(body))
				if n+4 > len(body) {
					t.Fatalf("frame at %d ms: NAL unit length %d overruns the tag", tag.Timestamp, n)
				}
				body = body[4+n:]
			}
			if frames <= 8 {
				fmt.Fprintf(&summary, "frame dts=%d ct=%d key=%v packetType=%d\n", tag.Timestamp, h.CompositionTime, IsVideoKeyframe(tag.Data), h.PacketType)
			}
		}
	}
	fmt.Fprintf(&summary, "frames=%d keyframe pts=%v ended=%v\n", frames, keyframes, ended)
	// 4 s at 25 fps, GOP 25: 100 pictures, a keyframe every second of
	// presentation time. (x265 makes open GOPs: each CRA keyframe is
	// decoded before the leading pictures shown ahead of it.)
	if frames != 100 || !ended || len(keyframes) != 4 {
		t.Errorf("frames %d, keyframes %v, ended %v", frames, keyframes, ended)
	}
	for i, k := range keyframes {
		if k-keyframes[0] != 1000*i {
			t.Errorf("keyframe presentation times %v, want one every 1000 ms", keyframes)
			break
		}
	}
	// Presentation times are every 40 ms, each exactly once.
	slices.Sort(pts)
	for i := range pts {
		if pts[i]-pts[0] != i*40 {
			t.Fatalf("presentation times are not evenly spaced: %v", pts)
		}
	}
	checkGolden(t, filepath.Join("testdata", "hevc_enhanced.golden"), summary.String())
	checkFFprobe(t, path)
}

// checkFFprobe cross-checks the file with ffprobe when it can read
// Enhanced FLV (FFmpeg 6.1 and later); FFmpeg 5.1 cannot, and is skipped.
func checkFFprobe(t *testing.T, path string) {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Log("ffprobe not installed")
		return
	}
	out, err := exec.Command(ffprobe, "-v", "error", "-select_streams", "v", "-count_packets",
		"-show_entries", "stream=codec_name,profile,width,height,nb_read_packets", "-of", "csv=p=0", path).Output()
	got := strings.TrimSpace(string(out))
	if err != nil || !strings.HasPrefix(got, "hevc") {
		t.Logf("ffprobe cannot read Enhanced FLV (%q, %v); checked with Reader only", got, err)
		return
	}
	if want := "hevc,Main,640,360,100"; got != want {
		t.Errorf("ffprobe: %q, want %q", got, want)
	}
}
