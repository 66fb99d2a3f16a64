package ts

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// This file turns the shared test media into muxer input without the flv
// package: a minimal FLV tag walker, avcC parser and H.265 access unit
// splitter, enough for well-formed files.

// mediaFrame is one frame of test input, timestamps in 90 kHz ticks.
type mediaFrame struct {
	video    bool
	pts, dts int64
	key      bool
	data     []byte // length-prefixed NAL units, raw AAC or MP3
}

// media is the content of a test file, ready for a Muxer.
type media struct {
	video, audio  Codec
	lengthSize    int
	vps, sps, pps [][]byte
	asc           []byte
	frames        []mediaFrame
}

// mediaDir finds the shared test media: $CASCADE_MEDIA, shared/ beside the
// repository (as CI lays it out) or /work/shared/media.
func mediaDir(t testing.TB) string {
	t.Helper()
	for _, dir := range []string{os.Getenv("CASCADE_MEDIA"), "../../shared/media", "/work/shared/media"} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "h264_only.flv")); err == nil {
			return dir
		}
	}
	t.Fatal("test media not found: expected ../shared/media beside the repository, or set CASCADE_MEDIA")
	return ""
}

func loadMedia(t testing.TB, name string) *media {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(mediaDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	var m *media
	if filepath.Ext(name) == ".hevc" {
		m, err = parseHEVC(b, 25)
	} else {
		m, err = parseFLV(b)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// parseFLV walks FLV tags: a 9-byte header and PreviousTagSize0, then tags
// of an 11-byte header, data and PreviousTagSize.
func parseFLV(b []byte) (*media, error) {
	if len(b) < 13 || string(b[:3]) != "FLV" {
		return nil, fmt.Errorf("not an FLV file")
	}
	m := &media{lengthSize: 4}
	b = b[binary.BigEndian.Uint32(b[5:])+4:]
	for len(b) >= 11 {
		typ := b[0] & 0x1F
		size := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		ms := int64(uint32(b[7])<<24 | uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6]))
		if len(b) < 11+size+4 {
			return nil, fmt.Errorf("truncated tag")
		}
		data := b[11 : 11+size]
		b = b[11+size+4:]
		dts := ms * 90
		switch {
		case typ == 9 && len(data) >= 5:
			if data[0]&0x0F != 7 {
				return nil, fmt.Errorf("video codec %d", data[0]&0x0F)
			}
			m.video = CodecH264
			cts := int64(int32(uint32(data[2])<<24|uint32(data[3])<<16|uint32(data[4])<<8) >> 8)
			switch data[1] {
			case 0:
				if err := m.parseAVCC(data[5:]); err != nil {
					return nil, err
				}
			case 1:
				m.frames = append(m.frames, mediaFrame{video: true, pts: dts + cts*90, dts: dts,
					key: data[0]>>4 == 1, data: data[5:]})
			}
		case typ == 8 && len(data) >= 1:
			switch data[0] >> 4 {
			case 10:
				m.audio = CodecAAC
				if len(data) < 2 {
					return nil, fmt.Errorf("short AAC tag")
				}
				if data[1] == 0 {
					m.asc = data[2:]
				} else {
					m.frames = append(m.frames, mediaFrame{pts: dts, dts: dts, key: true, data: data[2:]})
				}
			case 2:
				m.audio = CodecMP3
				m.frames = append(m.frames, mediaFrame{pts: dts, dts: dts, key: true, data: data[1:]})
			default:
				return nil, fmt.Errorf("sound format %d", data[0]>>4)
			}
		}
	}
	return m, nil
}

// parseAVCC reads the length size and parameter sets of an
// AVCDecoderConfigurationRecord.
func (m *media) parseAVCC(b []byte) error {
	if len(b) < 6 {
		return fmt.Errorf("short avcC")
	}
	m.lengthSize = int(b[4]&3) + 1
	n := int(b[5] & 0x1F)
	b = b[6:]
	var err error
	if m.sps, b, err = readParamSets(b, n); err != nil {
		return err
	}
	if len(b) < 1 {
		return fmt.Errorf("short avcC")
	}
	m.pps, _, err = readParamSets(b[1:], int(b[0]))
	return err
}

func readParamSets(b []byte, n int) ([][]byte, []byte, error) {
	var sets [][]byte
	for range n {
		if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b)) {
			return nil, nil, fmt.Errorf("short parameter set")
		}
		l := int(binary.BigEndian.Uint16(b))
		sets = append(sets, b[2:2+l])
		b = b[2+l:]
	}
	return sets, b, nil
}

// parseHEVC splits a raw H.265 Annex B stream into access units (a new one
// starts at an AUD, at a parameter set or prefix SEI after a slice, or at a
// slice with first_slice_segment_in_pic_flag), takes the parameter sets out
// and gives the frames timestamps at fps: DTS in decode order, PTS from the
// picture order count, both shifted so that PTS >= DTS.
func parseHEVC(b []byte, fps int64) (*media, error) {
	m := &media{video: CodecH265, lengthSize: 4}
	var (
		poc      hevcPOC
		au       []byte
		auHasVCL bool
		auKey    bool
		auPOC    int
		base     int   // decode index of the last picture that reset POC
		display  []int // display index of each frame
	)
	flush := func() {
		if len(au) == 0 {
			return
		}
		m.frames = append(m.frames, mediaFrame{video: true, key: auKey, data: au})
		display = append(display, base+auPOC)
		au, auHasVCL, auKey = nil, false, false
	}
	for nalu := range SplitAnnexB(b) {
		if len(nalu) < 3 {
			return nil, fmt.Errorf("short NAL unit")
		}
		t := H265NALType(nalu)
		switch {
		case t == H265NALAUD:
			flush()
			continue
		case t == H265NALVPS || t == H265NALSPS || t == H265NALPPS || t == H265NALPrefixSEI:
			if auHasVCL {
				flush()
			}
		case H265IsVCLNAL(t):
			if nalu[2]&0x80 != 0 { // first_slice_segment_in_pic_flag
				if auHasVCL {
					flush()
				}
				if poc.log2MaxPOCLSB == 0 {
					return nil, fmt.Errorf("slice before SPS")
				}
				if t >= H265NALBLAWLP && t <= H265NALIDRNLP || len(m.frames) == 0 {
					base = len(m.frames)
				}
				auPOC = poc.poc(nalu, len(m.frames) == 0)
			}
			auHasVCL = true
			auKey = auKey || H265IsKeyframeNAL(t)
		}
		switch t {
		case H265NALVPS:
			if m.vps == nil {
				m.vps = [][]byte{nalu}
			}
			continue
		case H265NALSPS:
			if m.sps == nil {
				m.sps = [][]byte{nalu}
				if err := poc.parseSPS(nalu); err != nil {
					return nil, err
				}
			}
			continue
		case H265NALPPS:
			if m.pps == nil {
				m.pps = [][]byte{nalu}
				poc.parsePPS(nalu)
			}
			continue
		}
		au = binary.BigEndian.AppendUint32(au, uint32(len(nalu)))
		au = append(au, nalu...)
	}
	flush()
	if m.sps == nil {
		return nil, fmt.Errorf("no SPS")
	}
	delay := 0
	for i, d := range display {
		delay = max(delay, i-d)
	}
	for i := range m.frames {
		m.frames[i].dts = int64(i) * ClockRate / fps
		m.frames[i].pts = int64(display[i]+delay) * ClockRate / fps
	}
	return m, nil
}

// newMediaMuxer returns a muxer configured for m.
func newMediaMuxer(t testing.TB, m *media, cfg Config) *Muxer {
	t.Helper()
	cfg.Video, cfg.Audio, cfg.NALULengthSize = m.video, m.audio, m.lengthSize
	mux, err := NewMuxer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	switch m.video {
	case CodecH264:
		err = mux.SetH264Params(m.sps, m.pps)
	case CodecH265:
		err = mux.SetH265Params(m.vps, m.sps, m.pps)
	}
	if err != nil {
		t.Fatal(err)
	}
	if m.audio == CodecAAC {
		if err := mux.SetAACConfig(m.asc); err != nil {
			t.Fatal(err)
		}
	}
	return mux
}

// muxMedia muxes the first n frames of m (all if n <= 0) into one stream
// beginning with PAT and PMT.
func muxMedia(t testing.TB, m *media, n int) []byte {
	t.Helper()
	mux := newMediaMuxer(t, m, Config{})
	out := mux.AppendPATPMT(nil)
	frames := m.frames
	if n > 0 && n < len(frames) {
		frames = frames[:n]
	}
	for i, f := range frames {
		var err error
		if f.video {
			out, err = mux.AppendVideo(out, f.pts, f.dts, f.key, f.data)
		} else {
			out, err = mux.AppendAudio(out, f.pts, f.data)
		}
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	return out
}
