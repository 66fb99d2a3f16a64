package flv

import (
	"errors"
	"testing"
)

func TestParseVideoTagHeader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload []byte
		want    VideoTagHeader
		wantErr error
	}{
		{"AVC sequence header", avcSeqHeader,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecAVC, PacketType: 0, HeaderLen: 5, DataLen: 2}, nil},
		{"AVC key NALU with CT", avcKeyNALU,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecAVC, PacketType: 1, CompositionTime: 0x50, HeaderLen: 5, DataLen: 5}, nil},
		{"AVC negative CT", avcInterNALU,
			VideoTagHeader{FrameType: 2, Codec: VideoCodecAVC, PacketType: 1, CompositionTime: -40, HeaderLen: 5, DataLen: 5}, nil},
		{"AVC end of sequence", avcEndOfSeq,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecAVC, PacketType: 2, HeaderLen: 5}, nil},
		{"legacy HEVC", hevcLegacySeq,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, HeaderLen: 5, DataLen: 1}, nil},
		{"legacy command", videoCommand,
			VideoTagHeader{FrameType: 5, Codec: 0, Command: 0, HeaderLen: 2}, nil},
		{"VP6", vp6Inter,
			VideoTagHeader{FrameType: 2, Codec: VideoCodecVP6, HeaderLen: 1, DataLen: 2}, nil},
		{"enhanced HEVC SequenceStart", exHEVCSeqStart,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, HeaderLen: 5, DataLen: 1}, nil},
		{"enhanced HEVC CodedFrames", exHEVCKey,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, PacketType: 1, CompositionTime: 40, HeaderLen: 8, DataLen: 5}, nil},
		{"enhanced HEVC CodedFramesX", exHEVCKeyX,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, PacketType: 3, HeaderLen: 5, DataLen: 5}, nil},
		{"enhanced HEVC inter CT -1", exHEVCInter,
			VideoTagHeader{FrameType: 2, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, PacketType: 1, CompositionTime: -1, HeaderLen: 8, DataLen: 5}, nil},
		{"enhanced AV1 CodedFrames has no CT", exAV1Key,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecAV1, Enhanced: true, FourCC: FourCCAV1, PacketType: 1, HeaderLen: 5, DataLen: 2}, nil},
		{"enhanced AV1 MPEG2TSSequenceStart", exAV1TSSeq,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecAV1, Enhanced: true, FourCC: FourCCAV1, PacketType: 5, HeaderLen: 5, DataLen: 1}, nil},
		{"enhanced metadata", exMetadata,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, PacketType: 4, HeaderLen: 5, DataLen: 1}, nil},
		{"enhanced command", exCommand,
			VideoTagHeader{FrameType: 5, Enhanced: true, Command: 1, HeaderLen: 2}, nil},
		{"ModEx nano offset", exModExSeq,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, TimestampOffsetNano: 1000, HeaderLen: 10, DataLen: 1}, nil},
		{"ModEx 16-bit size", exModExLong,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, HeaderLen: len(exModExLong) - 1, DataLen: 1}, nil},
		{"multitrack one track", exMultiOneSeq,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, Multitrack: true, HeaderLen: 7, DataLen: 1}, nil},
		{"multitrack many tracks", exMultiMany,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecAVC, Enhanced: true, FourCC: FourCCAVC, PacketType: 1, Multitrack: true, MultitrackType: 1, TrackID: 1, HeaderLen: 13, DataLen: 2}, nil},
		{"multitrack many codecs", exMultiManyCodecs,
			VideoTagHeader{FrameType: 1, Codec: VideoCodecAV1, Enhanced: true, FourCC: FourCCAV1, Multitrack: true, MultitrackType: 2, TrackID: 3, HeaderLen: 10, DataLen: 2}, nil},

		{"empty", nil, VideoTagHeader{}, ErrTruncated},
		{"AVC truncated", []byte{0x17, 0x01, 0}, VideoTagHeader{FrameType: 1, Codec: VideoCodecAVC, HeaderLen: 1}, ErrTruncated},
		{"legacy command truncated", []byte{0x57}, VideoTagHeader{FrameType: 5, Codec: VideoCodecAVC}, ErrTruncated},
		{"enhanced FourCC truncated", []byte{0x90, 'h'}, VideoTagHeader{FrameType: 1, Enhanced: true}, ErrTruncated},
		{"enhanced CT truncated", []byte{0x91, 'h', 'v', 'c', '1', 0}, VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, PacketType: 1}, ErrTruncated},
		{"enhanced unknown FourCC", []byte{0x91, 'x', 'y', 'z', '1'}, VideoTagHeader{FrameType: 1, Enhanced: true, FourCC: 0x78797a31, PacketType: 1}, ErrUnsupported},
		{"enhanced reserved packet type", []byte{0x98, 'h', 'v', 'c', '1'}, VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, PacketType: 8}, ErrUnsupported},
		{"ModEx truncated", exModExSeq[:5], VideoTagHeader{FrameType: 1, Enhanced: true, PacketType: 7}, ErrTruncated},
		{"multitrack type 3", []byte{0x96, 0x30, 'h', 'v', 'c', '1', 0}, VideoTagHeader{FrameType: 1, Enhanced: true, Multitrack: true, MultitrackType: 3}, ErrUnsupported},
		{"nested multitrack", []byte{0x96, 0x06, 'h', 'v', 'c', '1', 0}, VideoTagHeader{FrameType: 1, Enhanced: true, PacketType: 6, Multitrack: true}, ErrMalformed},
		{"multitrack track size too large", []byte{0x96, 0x11, 'a', 'v', 'c', '1', 1, 0, 1, 0, 0}, VideoTagHeader{FrameType: 1, Enhanced: true, FourCC: FourCCAVC, PacketType: 1, Multitrack: true, MultitrackType: 1, TrackID: 1}, ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseVideoTagHeader(tc.payload)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseAudioTagHeader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload []byte
		want    AudioTagHeader
		wantErr error
	}{
		{"AAC sequence header", aacSeqHeader,
			AudioTagHeader{SoundFormat: 10, SampleRate: 3, SampleSize: 1, Channels: 1, HeaderLen: 2, DataLen: 2}, nil},
		{"AAC raw", aacRaw,
			AudioTagHeader{SoundFormat: 10, SampleRate: 3, SampleSize: 1, Channels: 1, PacketType: 1, HeaderLen: 2, DataLen: 1}, nil},
		{"MP3 44k mono", mp3Frame,
			AudioTagHeader{SoundFormat: 2, SampleRate: 3, SampleSize: 1, Channels: 0, HeaderLen: 1, DataLen: 2}, nil},
		{"enhanced AAC SequenceStart", exAACSeqStart,
			AudioTagHeader{SoundFormat: 9, Enhanced: true, FourCC: FourCCAAC, HeaderLen: 5, DataLen: 2}, nil},
		{"enhanced Opus CodedFrames", exOpusFrames,
			AudioTagHeader{SoundFormat: 9, Enhanced: true, FourCC: FourCCOpus, PacketType: 1, HeaderLen: 5, DataLen: 1}, nil},
		{"enhanced multitrack FLAC", exAudioMultiSeq,
			AudioTagHeader{SoundFormat: 9, Enhanced: true, FourCC: FourCCFLAC, Multitrack: true, HeaderLen: 7, DataLen: 1}, nil},
		{"enhanced ModEx AC-3", exAudioModExSeq,
			AudioTagHeader{SoundFormat: 9, Enhanced: true, FourCC: FourCCAC3, TimestampOffsetNano: 16, HeaderLen: 10}, nil},
		{"enhanced MultichannelConfig", exAudioChannels,
			AudioTagHeader{SoundFormat: 9, Enhanced: true, FourCC: FourCCOpus, PacketType: 4, HeaderLen: 5, DataLen: 6}, nil},
		{"enhanced SequenceEnd MP3", exAudioSeqEndMP3,
			AudioTagHeader{SoundFormat: 9, Enhanced: true, FourCC: FourCCMP3, PacketType: 2, HeaderLen: 5}, nil},
		{"enhanced E-AC-3", []byte{0x91, 'e', 'c', '-', '3', 0x0b, 0x77},
			AudioTagHeader{SoundFormat: 9, Enhanced: true, FourCC: FourCCEAC3, PacketType: 1, HeaderLen: 5, DataLen: 2}, nil},

		{"empty", nil, AudioTagHeader{}, ErrTruncated},
		{"AAC truncated", []byte{0xaf}, AudioTagHeader{SoundFormat: 10, SampleRate: 3, SampleSize: 1, Channels: 1, HeaderLen: 1}, ErrTruncated},
		{"enhanced truncated", []byte{0x91, 'O'}, AudioTagHeader{SoundFormat: 9, Enhanced: true, PacketType: 1}, ErrTruncated},
		{"enhanced unknown FourCC", []byte{0x91, 'v', 'o', 'r', 'b'}, AudioTagHeader{SoundFormat: 9, Enhanced: true, FourCC: 0x766f7262, PacketType: 1}, ErrUnsupported},
		{"enhanced reserved packet type", []byte{0x93, 'O', 'p', 'u', 's'}, AudioTagHeader{SoundFormat: 9, Enhanced: true, FourCC: FourCCOpus, PacketType: 3}, ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAudioTagHeader(tc.payload)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestAppendVideoHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want VideoTagHeader
	}{
		{"legacy AVC NALU", AppendVideoHeader(nil, FrameTypeInter, VideoCodecAVC, AVCPacketNALU, -80),
			VideoTagHeader{FrameType: 2, Codec: VideoCodecAVC, PacketType: 1, CompositionTime: -80, HeaderLen: 5}},
		{"enhanced HEVC CodedFrames", AppendEnhancedVideoHeader(nil, FrameTypeKey, VideoPacketCodedFrames, FourCCHEVC, 120),
			VideoTagHeader{FrameType: 1, Codec: VideoCodecHEVC, Enhanced: true, FourCC: FourCCHEVC, PacketType: 1, CompositionTime: 120, HeaderLen: 8}},
		{"enhanced AVC CodedFramesX", AppendEnhancedVideoHeader(nil, FrameTypeInter, VideoPacketCodedFramesX, FourCCAVC, 0),
			VideoTagHeader{FrameType: 2, Codec: VideoCodecAVC, Enhanced: true, FourCC: FourCCAVC, PacketType: 3, HeaderLen: 5}},
		{"enhanced VP9 CodedFrames", AppendEnhancedVideoHeader(nil, FrameTypeKey, VideoPacketCodedFrames, FourCCVP9, 40),
			VideoTagHeader{FrameType: 1, Codec: VideoCodecVP9, Enhanced: true, FourCC: FourCCVP9, PacketType: 1, HeaderLen: 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseVideoTagHeader(tc.got)
			if err != nil {
				t.Fatal(err)
			}
			if h != tc.want {
				t.Errorf("got  %+v\nwant %+v", h, tc.want)
			}
		})
	}
}

func TestAppendAudioHeaders(t *testing.T) {
	if got := AppendAudioHeader(nil, SoundFormatAAC, SoundRate44100, 1, 1, AACPacketRaw); string(got) != "\xaf\x01" {
		t.Errorf("AAC header = %x, want af01", got)
	}
	if got := AppendAudioHeader(nil, SoundFormatMP3, SoundRate44100, 1, 0, 0); string(got) != "\x2e" {
		t.Errorf("MP3 header = %x, want 2e", got)
	}
	got := AppendEnhancedAudioHeader(nil, AudioPacketSequenceStart, FourCCOpus)
	h, err := ParseAudioTagHeader(got)
	if err != nil || !h.Enhanced || h.FourCC != FourCCOpus || !h.IsSequenceHeader() || h.HeaderLen != 5 {
		t.Errorf("enhanced header %x parsed to %+v, %v", got, h, err)
	}
}
