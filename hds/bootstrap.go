package hds

import (
	"encoding/binary"
	"fmt"
)

// Profiles of a bootstrap info box.
const (
	ProfileNamed = 0 // fragments are named SegN-FragM
	ProfileRange = 1
)

// Discontinuity indicators of a fragment run entry whose duration is 0.
const (
	EndOfPresentation                 = 0
	FragmentDiscontinuity             = 1
	TimestampDiscontinuity            = 2
	FragmentAndTimestampDiscontinuity = 3
)

// Bootstrap is a bootstrap info box (abst): the timeline of a
// presentation, which a player reads to know which fragments exist.
type Bootstrap struct {
	Version             uint8
	Flags               uint32
	InfoVersion         uint32 // BootstrapinfoVersion, increased on every update
	Profile             uint8  // ProfileNamed or ProfileRange
	Live                bool
	Update              bool
	TimeScale           uint32
	CurrentMediaTime    uint64 // in TimeScale units: the end of the latest fragment
	SmpteTimeCodeOffset uint64
	MovieIdentifier     string
	Servers             []string
	Qualities           []string
	DrmData             string
	MetaData            string
	SegmentRuns         []SegmentRunTable
	FragmentRuns        []FragmentRunTable
}

// SegmentRunTable is an asrt box: how many fragments each segment has.
type SegmentRunTable struct {
	Version          uint8
	Flags            uint32
	QualityModifiers []string
	Entries          []SegmentRun
}

// SegmentRun says that segments from FirstSegment on (up to the next
// entry's) each hold FragmentsPerSegment fragments.
type SegmentRun struct {
	FirstSegment        uint32
	FragmentsPerSegment uint32
}

// FragmentRunTable is an afrt box: the numbers, times and durations of
// fragments.
type FragmentRunTable struct {
	Version          uint8
	Flags            uint32
	TimeScale        uint32
	QualityModifiers []string
	Entries          []FragmentRun
}

// FragmentRun says that fragments from FirstFragment on (up to the next
// entry's) each last Duration, the first one starting at FirstTimestamp.
// A Duration of 0 marks a discontinuity, described by Discontinuity.
type FragmentRun struct {
	FirstFragment  uint32
	FirstTimestamp uint64
	Duration       uint32
	Discontinuity  uint8
}

// AppendBox appends the abst box.
func (b *Bootstrap) AppendBox(dst []byte) []byte {
	return appendBox(dst, TypeBootstrap, func(d []byte) []byte {
		d = binary.BigEndian.AppendUint32(d, uint32(b.Version)<<24|b.Flags&0xffffff)
		d = binary.BigEndian.AppendUint32(d, b.InfoVersion)
		flags := b.Profile & 0x03 << 6
		if b.Live {
			flags |= 0x20
		}
		if b.Update {
			flags |= 0x10
		}
		d = append(d, flags)
		d = binary.BigEndian.AppendUint32(d, b.TimeScale)
		d = binary.BigEndian.AppendUint64(d, b.CurrentMediaTime)
		d = binary.BigEndian.AppendUint64(d, b.SmpteTimeCodeOffset)
		d = appendString(d, b.MovieIdentifier)
		d = appendStrings(d, b.Servers)
		d = appendStrings(d, b.Qualities)
		d = appendString(d, b.DrmData)
		d = appendString(d, b.MetaData)
		d = append(d, uint8(len(b.SegmentRuns)))
		for i := range b.SegmentRuns {
			d = b.SegmentRuns[i].AppendBox(d)
		}
		d = append(d, uint8(len(b.FragmentRuns)))
		for i := range b.FragmentRuns {
			d = b.FragmentRuns[i].AppendBox(d)
		}
		return d
	})
}

// AppendBox appends the asrt box.
func (t *SegmentRunTable) AppendBox(dst []byte) []byte {
	return appendBox(dst, TypeSegmentRun, func(d []byte) []byte {
		d = binary.BigEndian.AppendUint32(d, uint32(t.Version)<<24|t.Flags&0xffffff)
		d = appendStrings(d, t.QualityModifiers)
		d = binary.BigEndian.AppendUint32(d, uint32(len(t.Entries)))
		for _, e := range t.Entries {
			d = binary.BigEndian.AppendUint32(d, e.FirstSegment)
			d = binary.BigEndian.AppendUint32(d, e.FragmentsPerSegment)
		}
		return d
	})
}

// AppendBox appends the afrt box.
func (t *FragmentRunTable) AppendBox(dst []byte) []byte {
	return appendBox(dst, TypeFragmentRun, func(d []byte) []byte {
		d = binary.BigEndian.AppendUint32(d, uint32(t.Version)<<24|t.Flags&0xffffff)
		d = binary.BigEndian.AppendUint32(d, t.TimeScale)
		d = appendStrings(d, t.QualityModifiers)
		d = binary.BigEndian.AppendUint32(d, uint32(len(t.Entries)))
		for _, e := range t.Entries {
			d = binary.BigEndian.AppendUint32(d, e.FirstFragment)
			d = binary.BigEndian.AppendUint64(d, e.FirstTimestamp)
			d = binary.BigEndian.AppendUint32(d, e.Duration)
			if e.Duration == 0 {
				d = append(d, e.Discontinuity)
			}
		}
		return d
	})
}

// ParseBootstrap decodes an abst box (the whole of b).
func ParseBootstrap(data []byte) (*Bootstrap, error) {
	r, version, flags, err := parseBox(data, TypeBootstrap)
	if err != nil {
		return nil, err
	}
	b := &Bootstrap{Version: version, Flags: flags}
	b.InfoVersion = r.u32("BootstrapinfoVersion")
	f := r.u8("Profile/Live/Update")
	b.Profile, b.Live, b.Update = f>>6, f&0x20 != 0, f&0x10 != 0
	b.TimeScale = r.u32("TimeScale")
	b.CurrentMediaTime = r.u64("CurrentMediaTime")
	b.SmpteTimeCodeOffset = r.u64("SmpteTimeCodeOffset")
	b.MovieIdentifier = r.str("MovieIdentifier")
	b.Servers = r.strings(int(r.u8("ServerEntryCount")), "ServerEntryTable")
	b.Qualities = r.strings(int(r.u8("QualityEntryCount")), "QualityEntryTable")
	b.DrmData = r.str("DrmData")
	b.MetaData = r.str("MetaData")
	n := r.count(uint64(r.u8("SegmentRunTableCount")), boxHeaderLen, "segment run tables")
	for range n {
		content := r.child(TypeSegmentRun)
		if r.err != nil {
			break
		}
		t, err := parseSegmentRun(content)
		if err != nil {
			return nil, err
		}
		b.SegmentRuns = append(b.SegmentRuns, *t)
	}
	n = r.count(uint64(r.u8("FragmentRunTableCount")), boxHeaderLen, "fragment run tables")
	for range n {
		content := r.child(TypeFragmentRun)
		if r.err != nil {
			break
		}
		t, err := parseFragmentRun(content)
		if err != nil {
			return nil, err
		}
		b.FragmentRuns = append(b.FragmentRuns, *t)
	}
	if r.err != nil {
		return nil, r.err
	}
	return b, nil
}

// ParseSegmentRunTable decodes an asrt box (the whole of b).
func ParseSegmentRunTable(data []byte) (*SegmentRunTable, error) {
	_, content, rest, err := NextBox(data)
	if err != nil {
		return nil, err
	}
	if string(data[4:8]) != TypeSegmentRun || len(rest) != 0 {
		return nil, fmt.Errorf("hds: want one %q box: %w", TypeSegmentRun, ErrInvalidBox)
	}
	return parseSegmentRun(content)
}

// ParseFragmentRunTable decodes an afrt box (the whole of b).
func ParseFragmentRunTable(data []byte) (*FragmentRunTable, error) {
	_, content, rest, err := NextBox(data)
	if err != nil {
		return nil, err
	}
	if string(data[4:8]) != TypeFragmentRun || len(rest) != 0 {
		return nil, fmt.Errorf("hds: want one %q box: %w", TypeFragmentRun, ErrInvalidBox)
	}
	return parseFragmentRun(content)
}

func parseSegmentRun(content []byte) (*SegmentRunTable, error) {
	r := &reader{b: content, box: TypeSegmentRun}
	t := &SegmentRunTable{Version: r.u8("version"), Flags: r.u24("flags")}
	t.QualityModifiers = r.strings(int(r.u8("QualityEntryCount")), "QualitySegmentUrlModifiers")
	n := r.count(uint64(r.u32("SegmentRunEntryCount")), 8, "segment runs")
	if n > 0 {
		t.Entries = make([]SegmentRun, 0, n)
	}
	for range n {
		t.Entries = append(t.Entries, SegmentRun{FirstSegment: r.u32("FirstSegment"), FragmentsPerSegment: r.u32("FragmentsPerSegment")})
	}
	if r.err != nil {
		return nil, r.err
	}
	return t, nil
}

func parseFragmentRun(content []byte) (*FragmentRunTable, error) {
	r := &reader{b: content, box: TypeFragmentRun}
	t := &FragmentRunTable{Version: r.u8("version"), Flags: r.u24("flags")}
	t.TimeScale = r.u32("TimeScale")
	t.QualityModifiers = r.strings(int(r.u8("QualityEntryCount")), "QualitySegmentUrlModifiers")
	n := r.count(uint64(r.u32("FragmentRunEntryCount")), 16, "fragment runs")
	if n > 0 {
		t.Entries = make([]FragmentRun, 0, n)
	}
	for range n {
		e := FragmentRun{FirstFragment: r.u32("FirstFragment"), FirstTimestamp: r.u64("FirstFragmentTimestamp"), Duration: r.u32("FragmentDuration")}
		if e.Duration == 0 {
			e.Discontinuity = r.u8("DiscontinuityIndicator")
		}
		t.Entries = append(t.Entries, e)
	}
	if r.err != nil {
		return nil, r.err
	}
	return t, nil
}
