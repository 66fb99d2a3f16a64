package dvr

import (
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/live"
)

// isKeyframe reports whether p is a video keyframe a file can start at or
// a player can seek to. AVC/HEVC end-of-sequence messages carry the
// keyframe type too but no picture, so they are not.
func isKeyframe(p *live.Packet) bool {
	if p.Kind != live.KindVideo || !p.Keyframe {
		return false
	}
	h, err := flv.ParseVideoTagHeader(p.Payload.B)
	if err != nil {
		return true
	}
	if h.Enhanced {
		return h.PacketType != flv.VideoPacketSequenceEnd
	}
	return h.PacketType != flv.AVCPacketEndOfSequence
}
