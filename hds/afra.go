package hds

import (
	"encoding/binary"
	"fmt"
)

// RandomAccess is a fragment random access box (afra): where in a
// fragment file the random access points (keyframes) are.
type RandomAccess struct {
	Version     uint8
	Flags       uint32
	LongIDs     bool // segment and fragment numbers of global entries are 32-bit
	LongOffsets bool // offsets are 64-bit
	TimeScale   uint32
	Entries     []RandomAccessEntry
	Global      []GlobalRandomAccessEntry // present when non-nil
}

// RandomAccessEntry is a random access point: its time and the offset of
// its FLV tag from the start of the fragment file.
type RandomAccessEntry struct {
	Time   uint64
	Offset uint64
}

// GlobalRandomAccessEntry points at a random access point of another
// fragment.
type GlobalRandomAccessEntry struct {
	Time           uint64
	Segment        uint32
	Fragment       uint32
	AfraOffset     uint64
	OffsetFromAfra uint64
}

// BoxLen returns the size of the box AppendBox writes.
func (a *RandomAccess) BoxLen() int {
	n := boxHeaderLen + 4 + 1 + 4 + 4
	off := 4
	if a.LongOffsets {
		off = 8
	}
	n += len(a.Entries) * (8 + off)
	if a.Global != nil {
		id := 2
		if a.LongIDs {
			id = 4
		}
		n += 4 + len(a.Global)*(8+2*id+2*off)
	}
	return n
}

// AppendBox appends the afra box.
func (a *RandomAccess) AppendBox(dst []byte) []byte {
	return appendBox(dst, TypeRandomAccess, func(d []byte) []byte {
		d = binary.BigEndian.AppendUint32(d, uint32(a.Version)<<24|a.Flags&0xffffff)
		var bits uint8
		if a.LongIDs {
			bits |= 0x80
		}
		if a.LongOffsets {
			bits |= 0x40
		}
		if a.Global != nil {
			bits |= 0x20
		}
		d = append(d, bits)
		d = binary.BigEndian.AppendUint32(d, a.TimeScale)
		d = binary.BigEndian.AppendUint32(d, uint32(len(a.Entries)))
		for _, e := range a.Entries {
			d = binary.BigEndian.AppendUint64(d, e.Time)
			d = a.appendOffset(d, e.Offset)
		}
		if a.Global != nil {
			d = binary.BigEndian.AppendUint32(d, uint32(len(a.Global)))
			for _, e := range a.Global {
				d = binary.BigEndian.AppendUint64(d, e.Time)
				if a.LongIDs {
					d = binary.BigEndian.AppendUint32(d, e.Segment)
					d = binary.BigEndian.AppendUint32(d, e.Fragment)
				} else {
					d = binary.BigEndian.AppendUint16(d, uint16(e.Segment))
					d = binary.BigEndian.AppendUint16(d, uint16(e.Fragment))
				}
				d = a.appendOffset(d, e.AfraOffset)
				d = a.appendOffset(d, e.OffsetFromAfra)
			}
		}
		return d
	})
}

func (a *RandomAccess) appendOffset(d []byte, off uint64) []byte {
	if a.LongOffsets {
		return binary.BigEndian.AppendUint64(d, off)
	}
	return binary.BigEndian.AppendUint32(d, uint32(off))
}

// ParseRandomAccess decodes an afra box (the whole of b).
func ParseRandomAccess(data []byte) (*RandomAccess, error) {
	r, version, flags, err := parseBox(data, TypeRandomAccess)
	if err != nil {
		return nil, err
	}
	a := &RandomAccess{Version: version, Flags: flags}
	bits := r.u8("LongIDs/LongOffsets/GlobalEntries")
	a.LongIDs, a.LongOffsets = bits&0x80 != 0, bits&0x40 != 0
	a.TimeScale = r.u32("TimeScale")
	offLen, idLen := 4, 2
	if a.LongOffsets {
		offLen = 8
	}
	if a.LongIDs {
		idLen = 4
	}
	n := r.count(uint64(r.u32("EntryCount")), 8+offLen, "entries")
	if n > 0 {
		a.Entries = make([]RandomAccessEntry, 0, n)
	}
	for range n {
		a.Entries = append(a.Entries, RandomAccessEntry{Time: r.u64("Time"), Offset: r.offset(a.LongOffsets, "Offset")})
	}
	if bits&0x20 != 0 {
		n := r.count(uint64(r.u32("GlobalEntryCount")), 8+2*idLen+2*offLen, "global entries")
		a.Global = make([]GlobalRandomAccessEntry, 0, n)
		for range n {
			e := GlobalRandomAccessEntry{Time: r.u64("Time")}
			if a.LongIDs {
				e.Segment, e.Fragment = r.u32("Segment"), r.u32("Fragment")
			} else {
				e.Segment, e.Fragment = uint32(r.u16("Segment")), uint32(r.u16("Fragment"))
			}
			e.AfraOffset = r.offset(a.LongOffsets, "AfraOffset")
			e.OffsetFromAfra = r.offset(a.LongOffsets, "OffsetFromAfra")
			a.Global = append(a.Global, e)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(r.b) {
		return nil, fmt.Errorf("hds: afra: %d bytes after the entries: %w", len(r.b)-r.off, ErrInvalidBox)
	}
	return a, nil
}

func (r *reader) offset(long bool, what string) uint64 {
	if long {
		return r.u64(what)
	}
	return uint64(r.u32(what))
}
