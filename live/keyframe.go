package live

import (
	"github.com/cascade-live/cascade/flv"
)

// SeekableKeyframe reports whether p is a video keyframe a file or fragment
// can start at and a player can seek to. AVC/HEVC end-of-sequence messages
// carry the keyframe type too but no picture, so they are not.
func (p *Packet) SeekableKeyframe() bool {
	if p.Kind != KindVideo || !p.Keyframe {
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
