package testpeer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Packet is one demuxed packet as ffprobe reports it. Unknown times are 0.
type Packet struct {
	StreamIndex  int
	CodecType    string  // "video", "audio", ...
	PtsTime      float64 // seconds
	DtsTime      float64 // seconds
	DurationTime float64 // seconds
	Flags        string  // e.g. "K__" for a keyframe
	Size         int     // bytes
}

// Keyframe reports whether ffprobe flagged the packet as a keyframe ("K").
func (p Packet) Keyframe() bool {
	return strings.Contains(p.Flags, "K")
}

// Packets runs
//
//	ffprobe -v error [-rw_timeout 10s] [args] -show_entries packet=... -of json target
//
// and returns the packets of a file or URL in demuxing order. args are input
// options; bound a live URL with "-read_intervals", "%+5" (five seconds) so
// ffprobe ends on its own. If ctx has no deadline, Packets gives up after 30 s.
func Packets(ctx context.Context, target string, args ...string) ([]Packet, error) {
	show := []string{"-show_entries", "packet=stream_index,codec_type,pts_time,dts_time,duration_time,flags,size"}
	out, err := ffprobe(ctx, target, args, show)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Packets []struct {
			StreamIndex  flexInt   `json:"stream_index"`
			CodecType    string    `json:"codec_type"`
			PtsTime      flexFloat `json:"pts_time"`
			DtsTime      flexFloat `json:"dts_time"`
			DurationTime flexFloat `json:"duration_time"`
			Flags        string    `json:"flags"`
			Size         flexInt   `json:"size"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("ffprobe %s: decode packets: %w", target, err)
	}
	packets := make([]Packet, 0, len(raw.Packets))
	for _, p := range raw.Packets {
		packets = append(packets, Packet{
			StreamIndex:  int(p.StreamIndex),
			CodecType:    p.CodecType,
			PtsTime:      float64(p.PtsTime),
			DtsTime:      float64(p.DtsTime),
			DurationTime: float64(p.DurationTime),
			Flags:        p.Flags,
			Size:         int(p.Size),
		})
	}
	return packets, nil
}
