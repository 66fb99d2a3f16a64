package flv

import (
	"encoding/binary"
	"fmt"
)

// Enhanced RTMP AvMultitrackType values, shared by audio and video.
const (
	MultitrackOneTrack             = 0
	MultitrackManyTracks           = 1
	MultitrackManyTracksManyCodecs = 2
)

// ModExTimestampOffsetNano is the only ModEx type Enhanced RTMP v2
// defines for audio and video: a UI24 offset in nanoseconds added to the
// presentation time of the message.
const ModExTimestampOffsetNano = 0

// exHeader is what the extended (FourCC) audio and video headers share once
// the first byte is decoded.
type exHeader struct {
	packetType     uint8
	fourCC         FourCC
	nanoOffset     uint32
	multitrack     bool
	multitrackType uint8
	trackID        uint8
	off            int // offset of the first byte after the track header
	end            int // end of the first track's body (len(p) for one track)
}

// skipModEx consumes the chain of ModEx entries that starts at p[i] when
// packetType is modEx, and returns the packet type that follows it.
// Entries: modExDataSize = UI8+1 (UI16+1 when that is 256), modExData,
// then one byte: modExType (high nibble) | next packet type (low nibble).
func skipModEx(p []byte, i int, packetType, modEx uint8, h *exHeader) (uint8, int, error) {
	for packetType == modEx {
		if i >= len(p) {
			return packetType, i, fmt.Errorf("ModEx size: %w", ErrTruncated)
		}
		size := int(p[i]) + 1
		i++
		if size == 256 {
			if i+2 > len(p) {
				return packetType, i, fmt.Errorf("ModEx size: %w", ErrTruncated)
			}
			size = int(binary.BigEndian.Uint16(p[i:])) + 1
			i += 2
		}
		if size+1 > len(p)-i {
			return packetType, i, fmt.Errorf("ModEx data: %w", ErrTruncated)
		}
		data := p[i : i+size]
		i += size
		modExType := p[i] >> 4
		packetType = p[i] & 0x0f
		i++
		if modExType == ModExTimestampOffsetNano && size >= 3 {
			h.nanoOffset = uint24(data)
		}
	}
	return packetType, i, nil
}

// parseExTracks reads what follows the packet type in an extended header:
// either a FourCC, or the multitrack header and the header of the first
// track. multitrack is the codec's Multitrack packet type.
func parseExTracks(p []byte, i int, packetType, multitrack uint8, h *exHeader) error {
	h.packetType = packetType
	if packetType != multitrack {
		if len(p)-i < 4 {
			return fmt.Errorf("FourCC: %w", ErrTruncated)
		}
		h.fourCC = FourCC(binary.BigEndian.Uint32(p[i:]))
		h.off, h.end = i+4, len(p)
		return nil
	}
	if i >= len(p) {
		return fmt.Errorf("multitrack type: %w", ErrTruncated)
	}
	h.multitrack = true
	h.multitrackType = p[i] >> 4
	h.packetType = p[i] & 0x0f
	i++
	if h.multitrackType > MultitrackManyTracksManyCodecs {
		return fmt.Errorf("multitrack type %d: %w", h.multitrackType, ErrUnsupported)
	}
	if h.packetType == multitrack {
		return fmt.Errorf("nested multitrack packet type: %w", ErrMalformed)
	}
	// With ManyTracksManyCodecs every track starts with its own FourCC;
	// otherwise one FourCC precedes the tracks. Either way the first
	// track's FourCC comes next.
	if len(p)-i < 4 {
		return fmt.Errorf("FourCC: %w", ErrTruncated)
	}
	h.fourCC = FourCC(binary.BigEndian.Uint32(p[i:]))
	i += 4
	if i >= len(p) {
		return fmt.Errorf("track ID: %w", ErrTruncated)
	}
	h.trackID = p[i]
	i++
	h.end = len(p)
	if h.multitrackType != MultitrackOneTrack {
		if len(p)-i < 3 {
			return fmt.Errorf("track size: %w", ErrTruncated)
		}
		size := int(uint24(p[i:]))
		i += 3
		if size > len(p)-i {
			return fmt.Errorf("track size %d: %w", size, ErrTruncated)
		}
		h.end = i + size
	}
	h.off = i
	return nil
}

// exPacketType returns the packet type of an extended audio or video
// header, looking through ModEx entries and the multitrack header, without
// allocating. ok is false when p is too short to tell.
func exPacketType(p []byte, modEx, multitrack uint8) (packetType uint8, ok bool) {
	if len(p) == 0 {
		return 0, false
	}
	packetType = p[0] & 0x0f
	i := 1
	for packetType == modEx {
		if i >= len(p) {
			return 0, false
		}
		size := int(p[i]) + 1
		i++
		if size == 256 {
			if i+2 > len(p) {
				return 0, false
			}
			size = (int(p[i])<<8 | int(p[i+1])) + 1
			i += 2
		}
		i += size
		if i >= len(p) {
			return 0, false
		}
		packetType = p[i] & 0x0f
		i++
	}
	if packetType == multitrack {
		if i >= len(p) {
			return 0, false
		}
		packetType = p[i] & 0x0f
	}
	return packetType, true
}
