package flv

import "testing"

// Payload prefixes shared by the classifier and header tests.
var (
	avcSeqHeader   = []byte{0x17, 0x00, 0, 0, 0, 0x01, 0x64}
	avcKeyNALU     = []byte{0x17, 0x01, 0, 0, 0x50, 0, 0, 0, 1, 0x65}
	avcInterNALU   = []byte{0x27, 0x01, 0xff, 0xff, 0xd8, 0, 0, 0, 1, 0x41} // CT -40
	avcEndOfSeq    = []byte{0x17, 0x02, 0, 0, 0}
	hevcLegacySeq  = []byte{0x1c, 0x00, 0, 0, 0, 0x01}
	videoCommand   = []byte{0x50, 0x00}
	vp6Inter       = []byte{0x24, 0x00, 0x11}
	exHEVCSeqStart = []byte{0x90, 'h', 'v', 'c', '1', 0x01}
	exHEVCKey      = []byte{0x91, 'h', 'v', 'c', '1', 0, 0, 0x28, 0, 0, 0, 5, 0x26}
	exHEVCKeyX     = []byte{0x93, 'h', 'v', 'c', '1', 0, 0, 0, 5, 0x26}
	exHEVCInter    = []byte{0xa1, 'h', 'v', 'c', '1', 0xff, 0xff, 0xff, 0, 0, 0, 5, 0x02}
	exAV1SeqStart  = []byte{0x90, 'a', 'v', '0', '1', 0x81}
	exAV1Key       = []byte{0x91, 'a', 'v', '0', '1', 0x12, 0x00}
	exAV1TSSeq     = []byte{0x95, 'a', 'v', '0', '1', 0x80}
	exMetadata     = []byte{0x94, 'h', 'v', 'c', '1', 0x02} // FrameType 1 to check it is ignored
	exSeqEnd       = []byte{0x92, 'h', 'v', 'c', '1'}
	exCommand      = []byte{0xd0, 0x01} // FrameType 5, SequenceStart nibble: a command
	// ModEx with a 3-byte TimestampOffsetNano of 1000 ns, then SequenceStart.
	exModExSeq = []byte{0x97, 0x02, 0x00, 0x03, 0xe8, 0x00, 'h', 'v', 'c', '1', 0x01}
	// ModEx then CodedFrames of a keyframe.
	exModExKey = []byte{0x97, 0x02, 0x00, 0x03, 0xe8, 0x01, 'h', 'v', 'c', '1', 0, 0, 0, 0xaa}
	// ModEx with a 16-bit size (modExDataSize 256 -> UI16+1 = 300).
	exModExLong = append(append([]byte{0x97, 0xff, 0x01, 0x2b}, make([]byte, 300)...), 0x00, 'h', 'v', 'c', '1', 0x01)
	// Multitrack, OneTrack, SequenceStart, track 0.
	exMultiOneSeq = []byte{0x96, 0x00, 'h', 'v', 'c', '1', 0x00, 0x01}
	// Multitrack, ManyTracks, CodedFrames: track 1 (5 bytes), track 2.
	exMultiMany = []byte{0x96, 0x11, 'a', 'v', 'c', '1', 0x01, 0, 0, 5, 0, 0, 0, 0xaa, 0xbb, 0x02, 0, 0, 4, 0, 0, 0, 0xcc}
	// Multitrack, ManyTracksManyCodecs, SequenceStart: av01 track 3.
	exMultiManyCodecs = []byte{0x96, 0x20, 'a', 'v', '0', '1', 0x03, 0, 0, 2, 0x81, 0x00}

	aacSeqHeader     = []byte{0xaf, 0x00, 0x12, 0x10}
	aacRaw           = []byte{0xaf, 0x01, 0x21}
	mp3Frame         = []byte{0x2e, 0xff, 0xfb}
	exAACSeqStart    = []byte{0x90, 'm', 'p', '4', 'a', 0x12, 0x10}
	exOpusFrames     = []byte{0x91, 'O', 'p', 'u', 's', 0xfc}
	exOpusSeqStart   = []byte{0x90, 'O', 'p', 'u', 's', 'O', 'p', 'u', 's', 'H', 'e', 'a', 'd'}
	exAudioMultiSeq  = []byte{0x95, 0x00, 'f', 'L', 'a', 'C', 0x00, 0x66}
	exAudioModExSeq  = []byte{0x97, 0x02, 0x00, 0x00, 0x10, 0x00, 'a', 'c', '-', '3'}
	exAudioChannels  = []byte{0x94, 'O', 'p', 'u', 's', 0x01, 0x02, 0, 0, 0, 0x03}
	exAudioSeqEndMP3 = []byte{0x92, '.', 'm', 'p', '3'}
)

func TestClassifyVideo(t *testing.T) {
	for _, tc := range []struct {
		name          string
		payload       []byte
		key, sequence bool
	}{
		{"empty", nil, false, false},
		{"one byte key", []byte{0x17}, true, false},
		{"AVC sequence header", avcSeqHeader, true, true},
		{"AVC key NALU", avcKeyNALU, true, false},
		{"AVC inter NALU", avcInterNALU, false, false},
		{"AVC end of sequence", avcEndOfSeq, true, false},
		{"legacy HEVC sequence header", hevcLegacySeq, true, true},
		{"legacy command frame", videoCommand, false, false},
		{"VP6 inter", vp6Inter, false, false},
		{"enhanced HEVC SequenceStart", exHEVCSeqStart, true, true},
		{"enhanced HEVC key CodedFrames", exHEVCKey, true, false},
		{"enhanced HEVC key CodedFramesX", exHEVCKeyX, true, false},
		{"enhanced HEVC inter", exHEVCInter, false, false},
		{"enhanced AV1 SequenceStart", exAV1SeqStart, true, true},
		{"enhanced AV1 key", exAV1Key, true, false},
		{"enhanced AV1 MPEG2TSSequenceStart", exAV1TSSeq, true, true},
		{"enhanced Metadata", exMetadata, false, false},
		{"enhanced SequenceEnd", exSeqEnd, true, false},
		{"enhanced command", exCommand, false, false},
		{"enhanced truncated FourCC", []byte{0x90, 'h', 'v'}, true, false},
		{"ModEx SequenceStart", exModExSeq, true, true},
		{"ModEx key", exModExKey, true, false},
		{"ModEx 16-bit size", exModExLong, true, true},
		{"ModEx truncated", exModExSeq[:4], false, false},
		{"multitrack one track SequenceStart", exMultiOneSeq, true, true},
		{"multitrack many tracks", exMultiMany, true, false},
		{"multitrack many codecs SequenceStart", exMultiManyCodecs, true, true},
		{"multitrack truncated", []byte{0x96}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsVideoKeyframe(tc.payload); got != tc.key {
				t.Errorf("IsVideoKeyframe = %v, want %v", got, tc.key)
			}
			if got := IsVideoSequenceHeader(tc.payload); got != tc.sequence {
				t.Errorf("IsVideoSequenceHeader = %v, want %v", got, tc.sequence)
			}
			if len(tc.payload) == 0 {
				return
			}
			// The classifiers agree with the full parser when it succeeds.
			if h, err := ParseVideoTagHeader(tc.payload); err == nil {
				if got := h.IsSequenceHeader(); got != tc.sequence {
					t.Errorf("VideoTagHeader.IsSequenceHeader = %v, want %v", got, tc.sequence)
				}
			}
		})
	}
}

func TestClassifyAudio(t *testing.T) {
	for _, tc := range []struct {
		name     string
		payload  []byte
		sequence bool
	}{
		{"empty", nil, false},
		{"AAC one byte", []byte{0xaf}, false},
		{"AAC sequence header", aacSeqHeader, true},
		{"AAC raw", aacRaw, false},
		{"MP3", mp3Frame, false},
		{"MP3 with zero second byte", []byte{0x2e, 0x00}, false},
		{"enhanced AAC SequenceStart", exAACSeqStart, true},
		{"enhanced Opus CodedFrames", exOpusFrames, false},
		{"enhanced Opus SequenceStart", exOpusSeqStart, true},
		{"enhanced multitrack SequenceStart", exAudioMultiSeq, true},
		{"enhanced ModEx SequenceStart", exAudioModExSeq, true},
		{"enhanced MultichannelConfig", exAudioChannels, false},
		{"enhanced SequenceEnd", exAudioSeqEndMP3, false},
		{"enhanced truncated", []byte{0x90, 'm'}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsAudioSequenceHeader(tc.payload); got != tc.sequence {
				t.Errorf("IsAudioSequenceHeader = %v, want %v", got, tc.sequence)
			}
			if h, err := ParseAudioTagHeader(tc.payload); err == nil {
				if got := h.IsSequenceHeader(); got != tc.sequence {
					t.Errorf("AudioTagHeader.IsSequenceHeader = %v, want %v", got, tc.sequence)
				}
			}
		})
	}
}

func TestClassifyAllocs(t *testing.T) {
	payloads := [][]byte{avcKeyNALU, exHEVCKey, exModExSeq, exMultiMany, aacSeqHeader, exAudioModExSeq}
	n := testing.AllocsPerRun(100, func() {
		for _, p := range payloads {
			IsVideoKeyframe(p)
			IsVideoSequenceHeader(p)
			IsAudioSequenceHeader(p)
		}
	})
	if n != 0 {
		t.Errorf("classifiers allocate %v times", n)
	}
}
