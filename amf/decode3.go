package amf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// AMF3 type markers.
const (
	marker3Undefined    = 0x00
	marker3Null         = 0x01
	marker3False        = 0x02
	marker3True         = 0x03
	marker3Integer      = 0x04
	marker3Double       = 0x05
	marker3String       = 0x06
	marker3XMLDocument  = 0x07
	marker3Date         = 0x08
	marker3Array        = 0x09
	marker3Object       = 0x0a
	marker3XML          = 0x0b
	marker3ByteArray    = 0x0c
	marker3VectorInt    = 0x0d
	marker3VectorUint   = 0x0e
	marker3VectorDouble = 0x0f
	marker3VectorObject = 0x10
	marker3Dictionary   = 0x11
)

// Decode3 decodes one AMF3 value from the front of b, with fresh reference
// tables, and returns it with the number of bytes it used.
func Decode3(b []byte) (v any, n int, err error) {
	d := getDecoder(b)
	defer putDecoder(d)
	v, n, err = d.value3(0, 1)
	if err != nil {
		return nil, 0, fmt.Errorf("amf: decode AMF3: %w", err)
	}
	return v, n, nil
}

// Decoder3 decodes a sequence of AMF3 values that share string, object and
// traits reference tables, such as the values of one AMF3 stream. The zero
// value is ready to use.
type Decoder3 struct {
	d decoder
}

// Decode decodes one AMF3 value from the front of b and returns it with the
// number of bytes it used. References may point to values of earlier calls.
// After an error the tables are as they were before the call.
func (dec *Decoder3) Decode(b []byte) (v any, n int, err error) {
	d := &dec.d
	nstrings, nobjects, ntraits := len(d.strings3), len(d.objects3), len(d.traits3)
	d.b = b
	d.expanded, d.deepest = 0, 0
	v, n, err = d.value3(0, 1)
	d.b = nil
	d.dropProps(0)
	if err != nil {
		d.strings3 = truncate(d.strings3, nstrings)
		d.objects3 = truncate(d.objects3, nobjects)
		d.traits3 = truncate(d.traits3, ntraits)
		return nil, 0, fmt.Errorf("amf: decode AMF3: %w", err)
	}
	return v, n, nil
}

// truncate shortens s to n elements, clearing the rest for the collector.
func truncate[S ~[]E, E any](s S, n int) S {
	clear(s[n:])
	return s[:n]
}

// Reset empties the reference tables.
func (dec *Decoder3) Reset() {
	dec.d.reset3()
	dec.d.props = resetSlice(dec.d.props)
}

// value3 decodes the AMF3 value at off, at container depth depth.
func (d *decoder) value3(off, depth int) (any, int, error) {
	if off >= len(d.b) {
		return nil, off, errShort("AMF3 type marker", off)
	}
	start := off
	off++
	switch m := d.b[start]; m {
	case marker3Undefined:
		return Undefined{}, off, nil
	case marker3Null:
		return nil, off, nil
	case marker3False:
		return false, off, nil
	case marker3True:
		return true, off, nil
	case marker3Integer:
		u, off, err := d.u29(off, "integer")
		if err != nil {
			return nil, off, err
		}
		return int32(u<<3) >> 3, off, nil
	case marker3Double:
		f, off, err := d.f64(off, "double")
		if err != nil {
			return nil, off, err
		}
		return boxNumber(f), off, nil
	case marker3String:
		return d.string3(off)
	case marker3XMLDocument, marker3XML, marker3Date, marker3ByteArray,
		marker3VectorInt, marker3VectorUint, marker3VectorDouble:
		return d.leaf3(m, start, depth)
	case marker3Array, marker3Object, marker3VectorObject, marker3Dictionary:
		return d.container3(m, start, depth)
	default:
		return nil, start, fmt.Errorf("AMF3 marker 0x%02x at offset %d: %w", m, start, ErrInvalidMarker)
	}
}

// string3 decodes a UTF-8-vr: a string reference or an inline string,
// which joins the string table unless empty.
func (d *decoder) string3(off int) (string, int, error) {
	start := off
	h, off, err := d.u29(off, "string header")
	if err != nil {
		return "", off, err
	}
	if h&1 == 0 {
		idx := h >> 1
		if uint64(idx) >= uint64(len(d.strings3)) {
			return "", off, fmt.Errorf("string reference %d at offset %d: table has %d entries: %w", idx, start, len(d.strings3), ErrInvalidReference)
		}
		return d.strings3[idx], off, nil
	}
	s, off, err := d.text(off, uint64(h>>1), "string")
	if err != nil {
		return "", off, err
	}
	if s != "" {
		d.strings3 = append(d.strings3, s)
	}
	return s, off, nil
}

// objectHeader reads the U29 that starts every object-table type. It
// returns either the referenced value (isRef) or the inline value of the
// header's upper 28 bits.
func (d *decoder) objectHeader(start, depth int, what string) (v any, inline uint32, isRef bool, off int, err error) {
	h, off, err := d.u29(start+1, what)
	if err != nil {
		return nil, 0, false, off, err
	}
	if h&1 == 0 {
		v, err = d.resolve(d.objects3, h>>1, start, off-start, depth)
		return v, 0, true, off, err
	}
	return nil, h >> 1, false, off, nil
}

// leaf3 decodes the object-table types that hold no other values.
func (d *decoder) leaf3(m byte, start, depth int) (any, int, error) {
	v, n, isRef, off, err := d.objectHeader(start, depth, "header")
	if err != nil || isRef {
		return v, off, err
	}
	switch m {
	case marker3XMLDocument, marker3XML:
		var s string
		if s, off, err = d.text(off, uint64(n), "XML"); err != nil {
			return nil, off, err
		}
		if m == marker3XML {
			v = XML(s)
		} else {
			v = XMLDocument(s)
		}
	case marker3Date:
		var ms float64
		if ms, off, err = d.f64(off, "date"); err != nil {
			return nil, off, err
		}
		v = Date{Millis: ms}
	case marker3ByteArray:
		if uint64(n) > uint64(len(d.b)-off) {
			return nil, off, errShort("byte array", off)
		}
		v = append([]byte{}, d.b[off:off+int(n)]...)
		off += int(n)
	default:
		v, off, err = d.numberVector3(m, n, off)
		if err != nil {
			return nil, off, err
		}
	}
	d.objects3 = append(d.objects3, entry{v: v, size: off - start, done: true})
	return v, off, nil
}

func (d *decoder) numberVector3(m byte, count uint32, off int) (any, int, error) {
	fixed, off, err := d.vectorFixed(off)
	if err != nil {
		return nil, off, err
	}
	size := uint64(4)
	if m == marker3VectorDouble {
		size = 8
	}
	if uint64(count)*size > uint64(len(d.b)-off) {
		return nil, off, errCount("vector length", uint64(count), off)
	}
	b := d.b[off:]
	switch m {
	case marker3VectorInt:
		vs := make([]int32, count)
		for i := range vs {
			vs[i] = int32(binary.BigEndian.Uint32(b[4*i:]))
		}
		return VectorInt{Fixed: fixed, Values: vs}, off + 4*int(count), nil
	case marker3VectorUint:
		vs := make([]uint32, count)
		for i := range vs {
			vs[i] = binary.BigEndian.Uint32(b[4*i:])
		}
		return VectorUint{Fixed: fixed, Values: vs}, off + 4*int(count), nil
	default:
		vs := make([]float64, count)
		for i := range vs {
			vs[i] = math.Float64frombits(binary.BigEndian.Uint64(b[8*i:]))
		}
		return VectorDouble{Fixed: fixed, Values: vs}, off + 8*int(count), nil
	}
}

// vectorFixed reads the fixed-vector flag of a vector.
func (d *decoder) vectorFixed(off int) (bool, int, error) {
	if off >= len(d.b) {
		return false, off, errShort("vector fixed flag", off)
	}
	return d.b[off] != 0, off + 1, nil
}

// container3 decodes the object-table types that hold other values. The
// object joins the table before its members, as the specification orders.
func (d *decoder) container3(m byte, start, depth int) (any, int, error) {
	v, n, isRef, off, err := d.objectHeader(start, depth, "header")
	if err != nil || isRef {
		return v, off, err
	}
	mk, err := d.begin(start, depth)
	if err != nil {
		return nil, off, err
	}
	idx := len(d.objects3)
	d.objects3 = append(d.objects3, entry{})
	switch m {
	case marker3Array:
		v, off, err = d.array3(n, off, depth)
	case marker3Object:
		v, off, err = d.object3(n, off, depth)
	case marker3VectorObject:
		v, off, err = d.vectorObject3(n, off, depth)
	case marker3Dictionary:
		v, off, err = d.dictionary3(n, off, depth)
	}
	if err != nil {
		return nil, off, err
	}
	d.objects3[idx] = d.end(mk, v, off, depth)
	return v, off, nil
}

func (d *decoder) array3(count uint32, off, depth int) (any, int, error) {
	if uint64(count) > uint64(len(d.b)-off) {
		return nil, off, errCount("array length", uint64(count), off)
	}
	assoc, off, err := d.dynamicMembers3(off, depth, "array")
	if err != nil {
		return nil, off, err
	}
	if uint64(count) > uint64(len(d.b)-off) {
		return nil, off, errCount("array length", uint64(count), off)
	}
	dense := make([]any, count)
	for i := range dense {
		dense[i], off, err = d.value3(off, depth+1)
		if err != nil {
			return nil, off, fmt.Errorf("array element %d: %w", i, err)
		}
	}
	return Array3{Assoc: assoc, Dense: dense}, off, nil
}

// dynamicMembers3 decodes name/value pairs up to the empty name.
func (d *decoder) dynamicMembers3(off, depth int, what string) (Object, int, error) {
	base := len(d.props)
	for {
		key, next, err := d.string3(off)
		if err != nil {
			d.dropProps(base)
			return nil, next, fmt.Errorf("%s member name: %w", what, err)
		}
		if key == "" {
			return d.finishProps(base), next, nil
		}
		v, next, err := d.value3(next, depth+1)
		if err != nil {
			d.dropProps(base)
			return nil, next, fmt.Errorf("%s member %q: %w", what, key, err)
		}
		d.props = append(d.props, Property{Key: key, Value: v})
		off = next
	}
}

func (d *decoder) object3(h uint32, off, depth int) (any, int, error) {
	t, off, err := d.traits(h, off)
	if err != nil {
		return nil, off, err
	}
	o := Object3{Class: t.class, Dynamic: t.dynamic, Externalizable: t.externalizable}
	if t.externalizable {
		if !externalClasses[t.class] {
			return nil, off, fmt.Errorf("object of class %q at offset %d: %w", t.class, off, ErrExternalizable)
		}
		o.External, off, err = d.value3(off, depth+1)
		if err != nil {
			return nil, off, fmt.Errorf("externalizable %q body: %w", t.class, err)
		}
		return o, off, nil
	}
	if len(t.names) > 0 {
		if len(t.names) > len(d.b)-off {
			return nil, off, errCount("sealed member count", uint64(len(t.names)), off)
		}
		o.Sealed = make(Object, len(t.names))
		for i, name := range t.names {
			o.Sealed[i].Key = name
			o.Sealed[i].Value, off, err = d.value3(off, depth+1)
			if err != nil {
				return nil, off, fmt.Errorf("object %q sealed member %q: %w", t.class, name, err)
			}
		}
	}
	if t.dynamic {
		o.DynamicMembers, off, err = d.dynamicMembers3(off, depth, "object")
		if err != nil {
			return nil, off, err
		}
	}
	return o, off, nil
}

// traits decodes the traits part of an object header h (already shifted
// past the inline-object bit): a traits reference or inline traits, which
// join the traits table.
func (d *decoder) traits(h uint32, off int) (traits, int, error) {
	if h&1 == 0 {
		idx := h >> 1
		if uint64(idx) >= uint64(len(d.traits3)) {
			return traits{}, off, fmt.Errorf("traits reference %d at offset %d: table has %d entries: %w", idx, off, len(d.traits3), ErrInvalidReference)
		}
		return d.traits3[idx], off, nil
	}
	var t traits
	class, off, err := d.string3(off)
	if err != nil {
		return t, off, fmt.Errorf("class name: %w", err)
	}
	t.class = class
	if h&2 != 0 {
		t.externalizable = true
	} else {
		t.dynamic = h&4 != 0
		count := h >> 3
		if uint64(count) > uint64(len(d.b)-off) {
			return t, off, errCount("sealed member count", uint64(count), off)
		}
		if count > 0 {
			t.names = make([]string, count)
		}
		for i := range t.names {
			t.names[i], off, err = d.string3(off)
			if err != nil {
				return t, off, fmt.Errorf("class %q sealed member name %d: %w", class, i, err)
			}
		}
	}
	d.traits3 = append(d.traits3, t)
	return t, off, nil
}

func (d *decoder) vectorObject3(count uint32, off, depth int) (any, int, error) {
	fixed, off, err := d.vectorFixed(off)
	if err != nil {
		return nil, off, err
	}
	class, off, err := d.string3(off)
	if err != nil {
		return nil, off, fmt.Errorf("vector type name: %w", err)
	}
	if uint64(count) > uint64(len(d.b)-off) {
		return nil, off, errCount("vector length", uint64(count), off)
	}
	vs := make([]any, count)
	for i := range vs {
		vs[i], off, err = d.value3(off, depth+1)
		if err != nil {
			return nil, off, fmt.Errorf("vector element %d: %w", i, err)
		}
	}
	return VectorObject{Fixed: fixed, Class: class, Values: vs}, off, nil
}

func (d *decoder) dictionary3(count uint32, off, depth int) (any, int, error) {
	if off >= len(d.b) {
		return nil, off, errShort("dictionary weak-keys flag", off)
	}
	weak := d.b[off] != 0
	off++
	if uint64(count)*2 > uint64(len(d.b)-off) {
		return nil, off, errCount("dictionary size", uint64(count), off)
	}
	es := make([]DictionaryEntry, count)
	var err error
	for i := range es {
		if es[i].Key, off, err = d.value3(off, depth+1); err != nil {
			return nil, off, fmt.Errorf("dictionary key %d: %w", i, err)
		}
		if es[i].Value, off, err = d.value3(off, depth+1); err != nil {
			return nil, off, fmt.Errorf("dictionary value %d: %w", i, err)
		}
	}
	return Dictionary{WeakKeys: weak, Entries: es}, off, nil
}
