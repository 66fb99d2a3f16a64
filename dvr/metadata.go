package dvr

import (
	"fmt"

	"github.com/cascade-live/cascade/amf"
)

// indexCapacity is the number of keyframes the onMetaData of a file has
// room for (about 37 KB): 68 minutes at one keyframe every 2 s. A longer
// file keeps every second keyframe, then every fourth, and so on, so that
// the index always fits in place and seeking stays possible, only coarser.
const indexCapacity = 2048

// Properties this package writes, and properties of the publisher's
// metadata that describe the publisher's file rather than this one.
const (
	propDuration  = "duration"
	propFilesize  = "filesize"
	propKeyframes = "keyframes"
	propPositions = "filepositions"
	propTimes     = "times"
	// propPadding fills the room the index does not use yet: a strict
	// array of nulls, which readers skip (one byte per null).
	propPadding = "cascade_padding"
)

var staleProps = []string{
	propDuration, propFilesize, propKeyframes, propPadding,
	"lasttimestamp", "lastkeyframetimestamp", "lastkeyframelocation",
	"datasize", "videosize", "audiosize", "canSeekToEnd", "hasKeyframes",
}

// keyframeIndex is the keyframes of a file, decimated to fit capacity.
type keyframeIndex struct {
	capacity  int
	stride    int // one indexed keyframe every stride keyframes
	seen      int
	times     []uint32 // ms from the start of the file
	positions []int64  // file offsets of the tags
}

func newKeyframeIndex(capacity int) *keyframeIndex {
	return &keyframeIndex{capacity: capacity, stride: 1}
}

// add records the keyframe tag at pos with timestamp ms.
func (x *keyframeIndex) add(ms uint32, pos int64) {
	n := x.seen
	x.seen++
	if n%x.stride != 0 {
		return
	}
	if len(x.times) == x.capacity {
		// Keep the entries whose keyframe number is a multiple of 2*stride.
		j := 0
		for i := 0; i < len(x.times); i += 2 {
			x.times[j], x.positions[j] = x.times[i], x.positions[i]
			j++
		}
		x.times, x.positions = x.times[:j], x.positions[:j]
		x.stride *= 2
		if n%x.stride != 0 {
			return
		}
	}
	x.times = append(x.times, ms)
	x.positions = append(x.positions, pos)
}

// metadataLayout encodes a file's onMetaData script data: the publisher's
// properties, then duration, filesize, the keyframes index and padding, so
// that the payload always has the same length and can be rewritten in
// place when the file closes.
type metadataLayout struct {
	props    amf.ECMAArray
	capacity int
	size     int // payload length, fixed when the file opens
}

func newMetadataLayout(publisher amf.ECMAArray, capacity int) (*metadataLayout, error) {
	props := make(amf.ECMAArray, 0, len(publisher)+4)
	for _, p := range publisher {
		if !isStale(p.Key) {
			props = append(props, p)
		}
	}
	m := &metadataLayout{props: props, capacity: capacity}
	full := make([]float64, capacity)
	b, err := m.encode(0, 0, full, full, 0)
	if err != nil {
		return nil, err
	}
	m.size = len(b)
	return m, nil
}

func isStale(key string) bool {
	for _, k := range staleProps {
		if k == key {
			return true
		}
	}
	return false
}

// payload returns the script data for a file of duration seconds and size
// bytes with index x (nil for none yet), exactly m.size bytes long.
func (m *metadataLayout) payload(duration float64, size int64, x *keyframeIndex) ([]byte, error) {
	var times, positions []float64
	if x != nil {
		times = make([]float64, len(x.times))
		positions = make([]float64, len(x.positions))
		for i := range x.times {
			times[i] = float64(x.times[i]) / 1000
			positions[i] = float64(x.positions[i])
		}
	}
	b, err := m.encode(duration, float64(size), times, positions, 0)
	if err != nil {
		return nil, err
	}
	if gap := m.size - len(b); gap != 0 {
		if b, err = m.encode(duration, float64(size), times, positions, gap); err != nil {
			return nil, err
		}
	}
	if len(b) != m.size {
		return nil, fmt.Errorf("dvr: onMetaData is %d bytes, reserved %d", len(b), m.size)
	}
	return b, nil
}

func (m *metadataLayout) encode(duration, size float64, times, positions []float64, padding int) ([]byte, error) {
	arr := make(amf.ECMAArray, len(m.props), len(m.props)+4)
	copy(arr, m.props)
	arr = append(arr,
		amf.Property{Key: propDuration, Value: duration},
		amf.Property{Key: propFilesize, Value: size},
		amf.Property{Key: propKeyframes, Value: amf.Object{
			{Key: propPositions, Value: floats(positions)},
			{Key: propTimes, Value: floats(times)},
		}},
		amf.Property{Key: propPadding, Value: make([]any, padding)},
	)
	b, err := amf.AppendAll0(nil, "onMetaData", arr)
	if err != nil {
		return nil, fmt.Errorf("dvr: encode onMetaData: %w", err)
	}
	return b, nil
}

func floats(fs []float64) []any {
	vs := make([]any, len(fs))
	for i, f := range fs {
		vs[i] = f
	}
	return vs
}

// publisherMetadata extracts the property list of an onMetaData or
// @setDataFrame payload; anything else gives nil.
func publisherMetadata(payload []byte) amf.ECMAArray {
	vs, err := amf.DecodeAll0(payload)
	if err != nil {
		return nil
	}
	for i, v := range vs {
		if s, ok := v.(string); !ok || s != "onMetaData" || i+1 >= len(vs) {
			continue
		}
		switch o := vs[i+1].(type) {
		case amf.ECMAArray:
			return o
		case amf.Object:
			return amf.ECMAArray(o)
		}
	}
	return nil
}
