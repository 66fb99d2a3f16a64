package ts_test

import (
	"fmt"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/ts"
)

// An HLS segment: PAT and PMT, then a keyframe and audio.
func ExampleMuxer() {
	m, err := ts.NewMuxer(ts.Config{Video: ts.CodecH264, Audio: ts.CodecAAC})
	if err != nil {
		panic(err)
	}
	sps := []byte{0x67, 0x42, 0xC0, 0x1E}
	pps := []byte{0x68, 0xCE, 0x3C, 0x80}
	if err := m.SetH264Params([][]byte{sps}, [][]byte{pps}); err != nil {
		panic(err)
	}
	if err := m.SetAACConfig([]byte{0x12, 0x10}); err != nil { // AAC LC, 44.1 kHz, stereo
		panic(err)
	}

	seg := buffer.Get()
	defer seg.Release()
	m.WritePATPMT(seg)
	idr := []byte{0, 0, 0, 4, 0x65, 0x88, 0x84, 0x00} // one length-prefixed NAL unit
	if err := m.WriteVideo(seg, 3600, 0, true, idr); err != nil {
		panic(err)
	}
	if err := m.WriteAudio(seg, 0, []byte{0x21, 0x1B, 0x00}); err != nil {
		panic(err)
	}
	fmt.Println(len(seg.B)/ts.PacketSize, "packets")
	// Output: 4 packets
}

func ExampleDemuxer() {
	m, _ := ts.NewMuxer(ts.Config{Audio: ts.CodecMP3})
	stream := m.AppendPATPMT(nil)
	stream, _ = m.AppendAudio(stream, 90000, []byte{0xFF, 0xFB, 0x50, 0x64})

	var d ts.Demuxer
	err := d.Feed(stream, func(f *ts.Frame) error {
		fmt.Printf("PID 0x%X %v pts %v, %d bytes\n", f.PID, f.StreamType, ts.Duration(f.PTS), len(f.Data))
		return nil
	})
	if err != nil {
		panic(err)
	}
	// Output: PID 0x101 MPEG-1 audio pts 1s, 4 bytes
}
