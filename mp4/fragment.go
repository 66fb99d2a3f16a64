package mp4

import (
	"encoding/binary"
	"errors"
	"math"
)

// Sample is one frame of a fragment. Durations and offsets are in
// Timescale units.
type Sample struct {
	Duration uint32
	Size     uint32
	// CompositionOffset is the presentation time minus the decode time.
	CompositionOffset int32
	Sync              bool // a keyframe (every audio sample is one)
}

// Run is one track's samples in a fragment; its samples' data follows the
// previous run's in the mdat.
type Run struct {
	TrackID uint32
	// BaseTime is the decode time of the first sample, in Timescale units
	// from the start of the file.
	BaseTime uint64
	Samples  []Sample
}

// Sample flags of trun: a sync sample depends on no other; any other
// depends on others and is not a sync sample.
const (
	flagsSync    = 0x02000000
	flagsNonSync = 0x01010000
)

// trun flags: data offset, then per sample duration, size, flags and
// composition offset.
const trunFlags = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800

// ErrFragmentTooLarge is returned for a fragment whose mdat would exceed
// 4 GiB.
var ErrFragmentTooLarge = errors.New("mp4: fragment too large")

// AppendFragmentHeader appends the moof of fragment seq (1 and up) for
// runs, and the header of the mdat that must follow it: the caller writes
// the samples' data next, run after run, in order.
func AppendFragmentHeader(b []byte, seq uint32, runs []Run) ([]byte, error) {
	var data uint64
	for _, r := range runs {
		for _, s := range r.Samples {
			data += uint64(s.Size)
		}
	}
	if data+8 > math.MaxUint32 {
		return b, ErrFragmentTooLarge
	}
	moofStart := len(b)
	b, moof := beginBox(b, "moof")
	b, mfhd := beginFullBox(b, "mfhd", 0, 0)
	b = u32(b, seq)
	b = endBox(b, mfhd)
	var offsets []int // where each trun's data offset goes
	for _, r := range runs {
		var traf, tfhd, tfdt, trun int
		b, traf = beginBox(b, "traf")
		b, tfhd = beginFullBox(b, "tfhd", 0, 0x020000) // default base is moof
		b = u32(b, r.TrackID)
		b = endBox(b, tfhd)
		b, tfdt = beginFullBox(b, "tfdt", 1, 0)
		b = u64(b, r.BaseTime)
		b = endBox(b, tfdt)
		b, trun = beginFullBox(b, "trun", 1, trunFlags) // version 1: signed offsets
		b = u32(b, uint32(len(r.Samples)))
		offsets = append(offsets, len(b))
		b = u32(b, 0)
		for _, s := range r.Samples {
			b = u32(b, s.Duration)
			b = u32(b, s.Size)
			if s.Sync {
				b = u32(b, flagsSync)
			} else {
				b = u32(b, flagsNonSync)
			}
			b = u32(b, uint32(s.CompositionOffset))
		}
		b = endBox(b, trun)
		b = endBox(b, traf)
	}
	b = endBox(b, moof)
	// Data offsets count from the start of the moof.
	off := uint32(len(b)-moofStart) + 8
	for i, r := range runs {
		binary.BigEndian.PutUint32(b[offsets[i]:], off)
		for _, s := range r.Samples {
			off += s.Size
		}
	}
	b = u32(b, uint32(data+8))
	return append(b, "mdat"...), nil
}
