package amf

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"
)

// Append3 appends the AMF3 encoding of v to dst, with fresh reference
// tables. See the package documentation for the Go types it accepts. On
// error dst is returned unchanged.
func Append3(dst []byte, v any) ([]byte, error) {
	var e Encoder3
	return e.Append(dst, v)
}

// Encoder3 encodes a sequence of AMF3 values that share string and traits
// reference tables: a string or a set of traits written once is referenced
// afterwards. The zero value is ready to use.
type Encoder3 struct {
	strings map[string]int
	traits  map[string]int
	key     []byte // scratch for traits keys
}

// Append appends the AMF3 encoding of v to dst. On error dst is returned
// unchanged and the tables are as they were before the call.
func (e *Encoder3) Append(dst []byte, v any) ([]byte, error) {
	nstrings, ntraits := len(e.strings), len(e.traits)
	out, err := e.value(dst, v, 1)
	if err != nil {
		e.forget(nstrings, ntraits)
		return dst, fmt.Errorf("amf: encode AMF3: %w", err)
	}
	return out, nil
}

// Reset empties the reference tables.
func (e *Encoder3) Reset() {
	clear(e.strings)
	clear(e.traits)
}

// forget drops table entries added after the tables had the given sizes.
func (e *Encoder3) forget(nstrings, ntraits int) {
	for s, i := range e.strings {
		if i >= nstrings {
			delete(e.strings, s)
		}
	}
	for k, i := range e.traits {
		if i >= ntraits {
			delete(e.traits, k)
		}
	}
}

// value appends v at container depth depth.
func (e *Encoder3) value(dst []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, marker3Null), nil
	case Undefined:
		return append(dst, marker3Undefined), nil
	case bool:
		if v {
			return append(dst, marker3True), nil
		}
		return append(dst, marker3False), nil
	case float64:
		return appendDouble3(dst, v), nil
	case float32:
		return appendDouble3(dst, float64(v)), nil
	case int32:
		return appendInt3(dst, int64(v)), nil
	case int:
		return appendInt3(dst, int64(v)), nil
	case int8:
		return appendInt3(dst, int64(v)), nil
	case int16:
		return appendInt3(dst, int64(v)), nil
	case int64:
		return appendInt3(dst, v), nil
	case uint:
		return appendUint3(dst, uint64(v)), nil
	case uint8:
		return appendUint3(dst, uint64(v)), nil
	case uint16:
		return appendUint3(dst, uint64(v)), nil
	case uint32:
		return appendUint3(dst, uint64(v)), nil
	case uint64:
		return appendUint3(dst, v), nil
	case string:
		return e.string(append(dst, marker3String), v)
	case XMLDocument:
		return appendInline3(dst, marker3XMLDocument, string(v))
	case XML:
		return appendInline3(dst, marker3XML, string(v))
	case Date:
		return appendDate3(dst, v.Millis), nil
	case time.Time:
		return appendDate3(dst, NewDate(v).Millis), nil
	case []byte:
		return appendInline3(dst, marker3ByteArray, v)
	case Array3:
		return e.array(dst, v.Assoc, v.Dense, depth)
	case []any:
		return e.array(dst, nil, v, depth)
	case ECMAArray:
		return e.array(dst, Object(v), nil, depth)
	case Object3:
		return e.object(dst, v, depth)
	case Object:
		return e.object(dst, Object3{Dynamic: true, DynamicMembers: v}, depth)
	case []Property:
		return e.object(dst, Object3{Dynamic: true, DynamicMembers: v}, depth)
	case map[string]any:
		return e.object(dst, Object3{Dynamic: true, DynamicMembers: sortedProperties(v)}, depth)
	case TypedObject:
		return e.object(dst, Object3{Class: v.Class, Sealed: v.Object}, depth)
	case VectorInt:
		return appendNumberVector3(dst, marker3VectorInt, v.Fixed, v.Values, 4, func(b []byte, x int32) []byte {
			return binary.BigEndian.AppendUint32(b, uint32(x))
		})
	case VectorUint:
		return appendNumberVector3(dst, marker3VectorUint, v.Fixed, v.Values, 4, binary.BigEndian.AppendUint32)
	case VectorDouble:
		return appendNumberVector3(dst, marker3VectorDouble, v.Fixed, v.Values, 8, func(b []byte, x float64) []byte {
			return binary.BigEndian.AppendUint64(b, math.Float64bits(x))
		})
	case VectorObject:
		return e.vectorObject(dst, v, depth)
	case Dictionary:
		return e.dictionary(dst, v, depth)
	}
	return dst, fmt.Errorf("%T: %w", v, ErrUnsupportedType)
}

func appendDouble3(dst []byte, f float64) []byte {
	dst = append(dst, marker3Double)
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(f))
}

// appendInt3 appends i as an integer when it fits in 29 bits, else as a
// double.
func appendInt3(dst []byte, i int64) []byte {
	if i < minInt29 || i > maxInt29 {
		return appendDouble3(dst, float64(i))
	}
	return appendU29(append(dst, marker3Integer), uint32(i)&maxU29)
}

func appendUint3(dst []byte, u uint64) []byte {
	if u > maxInt29 {
		return appendDouble3(dst, float64(u))
	}
	return appendInt3(dst, int64(u))
}

func appendDate3(dst []byte, ms float64) []byte {
	dst = append(dst, marker3Date, 0x01)
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(ms))
}

// appendInline3 appends an inline XML document, XML or byte array.
func appendInline3[T string | []byte](dst []byte, m byte, b T) ([]byte, error) {
	if len(b) > maxCount3 {
		return dst, fmt.Errorf("value of %d bytes: %w", len(b), ErrTooLarge)
	}
	dst = appendU29(append(dst, m), uint32(len(b))<<1|1)
	return append(dst, b...), nil
}

// string appends a UTF-8-vr: a reference if s was written before.
func (e *Encoder3) string(dst []byte, s string) ([]byte, error) {
	if s == "" {
		return append(dst, 0x01), nil
	}
	if i, ok := e.strings[s]; ok {
		return appendU29(dst, uint32(i)<<1), nil
	}
	if len(s) > maxCount3 {
		return dst, fmt.Errorf("string of %d bytes: %w", len(s), ErrTooLarge)
	}
	if e.strings == nil {
		e.strings = make(map[string]int)
	}
	if n := len(e.strings); n <= maxCount3 {
		e.strings[s] = n
	}
	dst = appendU29(dst, uint32(len(s))<<1|1)
	return append(dst, s...), nil
}

// appendCount3 appends a U29 count (or length) with the inline flag.
func appendCount3(dst []byte, n int, what string) ([]byte, error) {
	if n > maxCount3 {
		return dst, fmt.Errorf("%s of %d: %w", what, n, ErrTooLarge)
	}
	return appendU29(dst, uint32(n)<<1|1), nil
}

func appendNumberVector3[T any](dst []byte, m byte, fixed bool, vs []T, size int, put func([]byte, T) []byte) ([]byte, error) {
	dst, err := appendCount3(append(dst, m), len(vs), "vector length")
	if err != nil {
		return dst, err
	}
	dst = appendFlag(dst, fixed)
	dst = slices.Grow(dst, size*len(vs))
	for _, x := range vs {
		dst = put(dst, x)
	}
	return dst, nil
}

func appendFlag(dst []byte, f bool) []byte {
	if f {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func (e *Encoder3) array(dst []byte, assoc []Property, dense []any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return dst, ErrTooDeep
	}
	dst, err := appendCount3(append(dst, marker3Array), len(dense), "array length")
	if err != nil {
		return dst, err
	}
	if dst, err = e.dynamicMembers(dst, assoc, depth, "array"); err != nil {
		return dst, err
	}
	for i, v := range dense {
		if dst, err = e.value(dst, v, depth+1); err != nil {
			return dst, fmt.Errorf("array element %d: %w", i, err)
		}
	}
	return dst, nil
}

// dynamicMembers appends name/value pairs and the empty name that ends them.
func (e *Encoder3) dynamicMembers(dst []byte, ps []Property, depth int, what string) ([]byte, error) {
	var err error
	for _, p := range ps {
		if p.Key == "" {
			return dst, fmt.Errorf("%s member with an empty name: %w", what, ErrInvalidKey)
		}
		if dst, err = e.string(dst, p.Key); err != nil {
			return dst, fmt.Errorf("%s member name: %w", what, err)
		}
		if dst, err = e.value(dst, p.Value, depth+1); err != nil {
			return dst, fmt.Errorf("%s member %q: %w", what, p.Key, err)
		}
	}
	return append(dst, 0x01), nil
}

func (e *Encoder3) object(dst []byte, o Object3, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return dst, ErrTooDeep
	}
	dst = append(dst, marker3Object)
	var err error
	if o.Externalizable {
		if !externalClasses[o.Class] {
			return dst, fmt.Errorf("object of class %q: %w", o.Class, ErrExternalizable)
		}
		if dst, err = e.objectTraits(dst, o, false); err != nil {
			return dst, err
		}
		if dst, err = e.value(dst, o.External, depth+1); err != nil {
			return dst, fmt.Errorf("externalizable %q body: %w", o.Class, err)
		}
		return dst, nil
	}
	dynamic := o.Dynamic || len(o.DynamicMembers) > 0
	if dst, err = e.objectTraits(dst, o, dynamic); err != nil {
		return dst, err
	}
	for _, p := range o.Sealed {
		if dst, err = e.value(dst, p.Value, depth+1); err != nil {
			return dst, fmt.Errorf("object %q sealed member %q: %w", o.Class, p.Key, err)
		}
	}
	if dynamic {
		return e.dynamicMembers(dst, o.DynamicMembers, depth, "object")
	}
	return dst, nil
}

// objectTraits appends the object header: a reference to identical traits
// written before, or the traits inline.
func (e *Encoder3) objectTraits(dst []byte, o Object3, dynamic bool) ([]byte, error) {
	k := e.key[:0]
	switch {
	case o.Externalizable:
		k = append(k, 'e')
	case dynamic:
		k = append(k, 'd')
	default:
		k = append(k, 's')
	}
	k = binary.AppendUvarint(k, uint64(len(o.Class)))
	k = append(k, o.Class...)
	if !o.Externalizable {
		for _, p := range o.Sealed {
			k = binary.AppendUvarint(k, uint64(len(p.Key)))
			k = append(k, p.Key...)
		}
	}
	e.key = k
	if i, ok := e.traits[string(k)]; ok {
		return appendU29(dst, uint32(i)<<2|0x01), nil
	}
	if e.traits == nil {
		e.traits = make(map[string]int)
	}
	if n := len(e.traits); n < 1<<27 {
		e.traits[string(k)] = n
	}
	var err error
	switch {
	case o.Externalizable:
		dst = append(dst, 0x07)
	case len(o.Sealed) >= 1<<25:
		return dst, fmt.Errorf("object %q with %d sealed members: %w", o.Class, len(o.Sealed), ErrTooLarge)
	default:
		h := uint32(len(o.Sealed))<<4 | 0x03
		if dynamic {
			h |= 0x08
		}
		dst = appendU29(dst, h)
	}
	if dst, err = e.string(dst, o.Class); err != nil {
		return dst, fmt.Errorf("class name: %w", err)
	}
	if !o.Externalizable {
		for _, p := range o.Sealed {
			if dst, err = e.string(dst, p.Key); err != nil {
				return dst, fmt.Errorf("object %q sealed member name: %w", o.Class, err)
			}
		}
	}
	return dst, nil
}

func (e *Encoder3) vectorObject(dst []byte, v VectorObject, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return dst, ErrTooDeep
	}
	dst, err := appendCount3(append(dst, marker3VectorObject), len(v.Values), "vector length")
	if err != nil {
		return dst, err
	}
	dst = appendFlag(dst, v.Fixed)
	if dst, err = e.string(dst, v.Class); err != nil {
		return dst, fmt.Errorf("vector type name: %w", err)
	}
	for i, x := range v.Values {
		if dst, err = e.value(dst, x, depth+1); err != nil {
			return dst, fmt.Errorf("vector element %d: %w", i, err)
		}
	}
	return dst, nil
}

func (e *Encoder3) dictionary(dst []byte, d Dictionary, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return dst, ErrTooDeep
	}
	dst, err := appendCount3(append(dst, marker3Dictionary), len(d.Entries), "dictionary size")
	if err != nil {
		return dst, err
	}
	dst = appendFlag(dst, d.WeakKeys)
	for i, en := range d.Entries {
		if dst, err = e.value(dst, en.Key, depth+1); err != nil {
			return dst, fmt.Errorf("dictionary key %d: %w", i, err)
		}
		if dst, err = e.value(dst, en.Value, depth+1); err != nil {
			return dst, fmt.Errorf("dictionary value %d: %w", i, err)
		}
	}
	return dst, nil
}
