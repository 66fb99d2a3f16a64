package ts

import "fmt"

// MPEGAudioHeader is the part of an MPEG-1/2/2.5 audio frame header (ISO/IEC
// 11172-3 2.4.1.3, 13818-3) that carrying the frame in FLV needs.
type MPEGAudioHeader struct {
	Version    uint8 // 1 (MPEG-1), 2 (MPEG-2) or 25 (MPEG-2.5)
	Layer      uint8 // 1, 2 or 3
	SampleRate int   // Hz
	Channels   int   // 1 or 2
	Samples    int   // per frame
}

var mpegAudioRates = [3]int{44100, 48000, 32000} // MPEG-1; halved for 2, quartered for 2.5

// ParseMPEGAudioHeader parses the 4-byte header at the start of b.
func ParseMPEGAudioHeader(b []byte) (MPEGAudioHeader, error) {
	var h MPEGAudioHeader
	if len(b) < 4 {
		return h, fmt.Errorf("ts: MPEG audio header: %d bytes: %w", len(b), ErrTruncated)
	}
	if b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return h, fmt.Errorf("ts: MPEG audio header: no frame sync: %w", ErrMPEGAudioHeader)
	}
	version, layer, rate := b[1]>>3&3, b[1]>>1&3, b[2]>>2&3
	if version == 1 || layer == 0 || rate == 3 {
		return h, fmt.Errorf("ts: MPEG audio header: reserved version, layer or rate: %w", ErrMPEGAudioHeader)
	}
	h.Layer = 4 - layer
	h.SampleRate = mpegAudioRates[rate]
	switch version {
	case 3:
		h.Version = 1
	case 2:
		h.Version, h.SampleRate = 2, h.SampleRate/2
	default:
		h.Version, h.SampleRate = 25, h.SampleRate/4
	}
	h.Channels = 2
	if b[3]>>6 == 3 {
		h.Channels = 1
	}
	switch {
	case h.Layer == 1:
		h.Samples = 384
	case h.Layer == 3 && h.Version != 1:
		h.Samples = 576
	default:
		h.Samples = 1152
	}
	return h, nil
}

// Unwrapper extends 33-bit PTS/DTS values into a 64-bit timeline that goes
// on past the 2^33 wrap (26.5 hours at 90 kHz). Values may go back a
// little (B-frames, audio and video interleaved): each is placed nearest to
// the one before. The zero value is ready.
type Unwrapper struct {
	last int64
	have bool
}

// Unwrap returns t (33 bits) on the extended timeline.
func (u *Unwrapper) Unwrap(t int64) int64 {
	t &= timestampMask
	if !u.have {
		u.last, u.have = t, true
		return t
	}
	d := (t - u.last) & timestampMask
	if d >= 1<<(timestampBits-1) {
		d -= 1 << timestampBits
	}
	u.last += d
	return u.last
}
