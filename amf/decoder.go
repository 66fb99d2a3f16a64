package amf

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// maxExpansion bounds how many bytes references may add to a decoded value
// beyond its wire size (sizes counted as encoded without references).
const maxExpansion = 4 << 20

// decoder is the state of one decoding run over b: reference tables, the
// accounting that bounds what references expand to, and a scratch stack
// for properties. AMF0 and AMF3 share it so that limits hold across an AVM+
// switch.
type decoder struct {
	b []byte

	expanded int // bytes added by resolved references in this run
	deepest  int // deepest container depth reached in the current subtree

	objects0 []entry  // AMF0 complex objects, by reference index
	strings3 []string // AMF3 string table
	objects3 []entry  // AMF3 object table
	traits3  []traits // AMF3 traits table

	props []Property // scratch stack of properties being decoded
}

// entry is one object in a reference table: its value once decoded, its
// size as encoded without references and the nesting it spans.
type entry struct {
	v      any
	size   int
	height int
	done   bool
}

// traits is an AMF3 traits record.
type traits struct {
	class          string
	names          []string
	dynamic        bool
	externalizable bool
}

// mark remembers where a container started, to compute its entry.
type mark struct{ start, expanded, deepest int }

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

func getDecoder(b []byte) *decoder {
	d := decoderPool.Get().(*decoder)
	d.b = b
	return d
}

func putDecoder(d *decoder) {
	d.b = nil
	d.expanded, d.deepest = 0, 0
	d.objects0 = resetSlice(d.objects0)
	d.reset3()
	d.props = resetSlice(d.props)
	decoderPool.Put(d)
}

// reset3 empties the AMF3 tables, keeping their memory when small.
func (d *decoder) reset3() {
	d.strings3 = resetSlice(d.strings3)
	d.objects3 = resetSlice(d.objects3)
	d.traits3 = resetSlice(d.traits3)
}

func resetSlice[S ~[]E, E any](s S) S {
	if cap(s) > 1024 {
		return nil
	}
	clear(s)
	return s[:0]
}

// begin opens a container at depth, starting at offset start.
func (d *decoder) begin(start, depth int) (mark, error) {
	if depth > MaxDepth {
		return mark{}, fmt.Errorf("container at offset %d: %w", start, ErrTooDeep)
	}
	m := mark{start: start, expanded: d.expanded, deepest: d.deepest}
	d.deepest = depth
	return m, nil
}

// end closes the container opened by begin; it returns the entry for the
// container's value v, ending at offset end.
func (d *decoder) end(m mark, v any, end, depth int) entry {
	e := entry{
		v:      v,
		size:   end - m.start + d.expanded - m.expanded,
		height: d.deepest - depth + 1,
		done:   true,
	}
	d.deepest = max(d.deepest, m.deepest)
	return e
}

// resolve returns the value of table entry idx for a reference of refLen
// bytes at offset off, placed at depth.
func (d *decoder) resolve(table []entry, idx uint32, off, refLen, depth int) (any, error) {
	if uint64(idx) >= uint64(len(table)) {
		return nil, fmt.Errorf("reference %d at offset %d: table has %d entries: %w", idx, off, len(table), ErrInvalidReference)
	}
	e := &table[idx]
	if !e.done {
		return nil, fmt.Errorf("reference %d at offset %d to an object being decoded: %w", idx, off, ErrInvalidReference)
	}
	if e.height > 0 {
		if depth+e.height-1 > MaxDepth {
			return nil, fmt.Errorf("reference %d at offset %d: %w", idx, off, ErrTooDeep)
		}
		d.deepest = max(d.deepest, depth+e.height-1)
	}
	d.expanded += e.size - refLen
	if d.expanded > maxExpansion {
		return nil, fmt.Errorf("reference %d at offset %d expands the value beyond %d bytes: %w", idx, off, maxExpansion, ErrTooLarge)
	}
	return e.v, nil
}

// finishProps moves the properties pushed since base off the scratch stack
// into a new slice.
func (d *decoder) finishProps(base int) []Property {
	if len(d.props) == base {
		return nil
	}
	ps := make([]Property, len(d.props)-base)
	copy(ps, d.props[base:])
	d.dropProps(base)
	return ps
}

// dropProps pops the scratch stack back to base.
func (d *decoder) dropProps(base int) {
	clear(d.props[base:])
	d.props = d.props[:base]
}

func (d *decoder) u16(off int, what string) (int, int, error) {
	if len(d.b)-off < 2 {
		return 0, off, errShort(what, off)
	}
	return int(binary.BigEndian.Uint16(d.b[off:])), off + 2, nil
}

func (d *decoder) u32(off int, what string) (uint32, int, error) {
	if len(d.b)-off < 4 {
		return 0, off, errShort(what, off)
	}
	return binary.BigEndian.Uint32(d.b[off:]), off + 4, nil
}

func (d *decoder) f64(off int, what string) (float64, int, error) {
	if len(d.b)-off < 8 {
		return 0, off, errShort(what, off)
	}
	return math.Float64frombits(binary.BigEndian.Uint64(d.b[off:])), off + 8, nil
}

// text returns n bytes at off as a string.
func (d *decoder) text(off int, n uint64, what string) (string, int, error) {
	if uint64(len(d.b)-off) < n {
		return "", off, errShort(what, off)
	}
	end := off + int(n)
	return intern(d.b[off:end]), end, nil
}

// textValue is text for a string value, boxed.
func (d *decoder) textValue(off int, n uint64, what string) (any, int, error) {
	if uint64(len(d.b)-off) < n {
		return nil, off, errShort(what, off)
	}
	end := off + int(n)
	return internValue(d.b[off:end]), end, nil
}
