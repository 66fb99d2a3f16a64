package flv_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/cascade-live/cascade/flv"
)

func Example() {
	// Write an FLV stream: an Enhanced RTMP HEVC keyframe and an AAC frame.
	var file bytes.Buffer
	w, err := flv.NewWriter(&file, true, true)
	if err != nil {
		panic(err)
	}
	video := flv.AppendEnhancedVideoHeader(nil, flv.FrameTypeKey, flv.VideoPacketCodedFrames, flv.FourCCHEVC, 80)
	video = append(video, 0, 0, 0, 2, 0x26, 0x01) // one length-prefixed NAL unit
	audio := flv.AppendAudioHeader(nil, flv.SoundFormatAAC, flv.SoundRate44100, 1, 1, flv.AACPacketRaw)
	audio = append(audio, 0x21, 0x10)
	_ = w.WriteTag(flv.TagVideo, 0, video)
	_ = w.WriteTag(flv.TagAudio, 23, audio)

	// Read it back and classify each tag as a server would.
	r, err := flv.NewReader(&file)
	if err != nil {
		panic(err)
	}
	for {
		tag, err := r.ReadTag()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		switch tag.Type {
		case flv.TagVideo:
			h, _ := flv.ParseVideoTagHeader(tag.Data)
			fmt.Printf("video %d ms: %v key=%v ct=%d data=%x\n", tag.Timestamp, h.Codec,
				flv.IsVideoKeyframe(tag.Data), h.CompositionTime, tag.Data[h.HeaderLen:])
		case flv.TagAudio:
			fmt.Printf("audio %d ms: sequence header=%v\n", tag.Timestamp, flv.IsAudioSequenceHeader(tag.Data))
		}
	}
	// Output:
	// video 0 ms: H265 key=true ct=80 data=000000022601
	// audio 23 ms: sequence header=false
}
