package flv

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestParseAudioSpecificConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want AudioSpecificConfig // unexported fields not compared
	}{
		{
			name: "ffmpeg LC 44.1k stereo",
			hex:  "121056e500",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 4, SampleRate: 44100, ChannelConfig: 2, Channels: 2,
				CoreObjectType: 2, SyncExtension: true, FrameLength: 1024},
		},
		{
			name: "ffmpeg LC 48k mono",
			hex:  "118856e500",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 3, SampleRate: 48000, ChannelConfig: 1, Channels: 1,
				CoreObjectType: 2, SyncExtension: true, FrameLength: 1024},
		},
		{
			name: "LC 44.1k stereo, no extension",
			hex:  "1210",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 4, SampleRate: 44100, ChannelConfig: 2, Channels: 2,
				CoreObjectType: 2, FrameLength: 1024},
		},
		{
			name: "LC 960 frame length",
			hex:  "1214",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 4, SampleRate: 44100, ChannelConfig: 2, Channels: 2,
				CoreObjectType: 2, FrameLength: 960},
		},
		{
			name: "HE-AAC explicit 24k->48k stereo",
			hex:  "2b118800",
			want: AudioSpecificConfig{ObjectType: 5, FrequencyIndex: 6, SampleRate: 24000, ChannelConfig: 2, Channels: 2,
				CoreObjectType: 2, SBR: true, ExtensionFrequencyIndex: 3, ExtensionSampleRate: 48000, FrameLength: 1024},
		},
		{
			name: "HE-AACv2 explicit 24k->48k mono core",
			hex:  "eb098800",
			want: AudioSpecificConfig{ObjectType: 29, FrequencyIndex: 6, SampleRate: 24000, ChannelConfig: 1, Channels: 1,
				CoreObjectType: 2, SBR: true, PS: true, ExtensionFrequencyIndex: 3, ExtensionSampleRate: 48000, FrameLength: 1024},
		},
		{
			name: "backward-compatible SBR and PS",
			hex:  "130856e59d4880",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 6, SampleRate: 24000, ChannelConfig: 1, Channels: 1,
				CoreObjectType: 2, SBR: true, PS: true, ExtensionFrequencyIndex: 3, ExtensionSampleRate: 48000,
				SyncExtension: true, FrameLength: 1024},
		},
		{
			name: "explicit sampling frequency",
			hex:  "178055f010",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 15, SampleRate: 44000, ChannelConfig: 2, Channels: 2,
				CoreObjectType: 2, FrameLength: 1024},
		},
		{
			name: "escaped object type 42 (USAC), opaque config",
			hex:  "f94856",
			want: AudioSpecificConfig{ObjectType: 42, FrequencyIndex: 4, SampleRate: 44100, ChannelConfig: 2, Channels: 2,
				CoreObjectType: 42},
		},
		{
			name: "program config element 5.1",
			hex:  "120005080500010880026869",
			want: AudioSpecificConfig{ObjectType: 2, FrequencyIndex: 4, SampleRate: 44100, ChannelConfig: 0, Channels: 6,
				CoreObjectType: 2, FrameLength: 1024},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := mustHex(t, tc.hex)
			c, err := ParseAudioSpecificConfig(in)
			if err != nil {
				t.Fatal(err)
			}
			got := *c
			got.pce, got.pceTxt, got.opaque = rawBits{}, nil, rawBits{}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if out := c.Append(nil); !bytes.Equal(out, in) {
				t.Errorf("Append = %x, want %x", out, in)
			}
		})
	}
}

// A config built from fields (as from an ADTS header) encodes to the
// familiar two bytes.
func TestAudioSpecificConfigAppendFromFields(t *testing.T) {
	c := AudioSpecificConfig{ObjectType: AACObjectLC, FrequencyIndex: 3, SampleRate: 48000, ChannelConfig: 2, FrameLength: 1024}
	if got := c.Append([]byte{0xaa}); !bytes.Equal(got, []byte{0xaa, 0x11, 0x90}) {
		t.Errorf("Append = %x, want aa1190", got)
	}
}

func TestParseAudioSpecificConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"one byte", []byte{0x12}, ErrTruncated},
		{"object type 0", []byte{0x02, 0x10}, ErrMalformed},
		{"reserved frequency index 13", []byte{0x16, 0x90}, ErrMalformed},
		{"explicit frequency truncated", []byte{0x17, 0x80, 0x55}, ErrTruncated},
		{"explicit frequency 0", []byte{0x17, 0x80, 0x00, 0x00, 0x10}, ErrMalformed},
		{"program config element truncated", []byte{0x12, 0x00, 0x05}, ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAudioSpecificConfig(tc.in)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
