package amf

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"
)

// Append0 appends the AMF0 encoding of v to dst. See the package
// documentation for the Go types it accepts. On error dst is returned
// unchanged.
func Append0(dst []byte, v any) ([]byte, error) {
	out, err := append0(dst, v, 1)
	if err != nil {
		return dst, fmt.Errorf("amf: encode AMF0: %w", err)
	}
	return out, nil
}

// AppendAll0 appends the AMF0 encodings of vs to dst, as in the payload of
// an RTMP command or data message. On error dst is returned unchanged.
func AppendAll0(dst []byte, vs ...any) ([]byte, error) {
	out := dst
	for i, v := range vs {
		var err error
		if out, err = append0(out, v, 1); err != nil {
			return dst, fmt.Errorf("amf: encode AMF0 value %d: %w", i, err)
		}
	}
	return out, nil
}

// AppendString0 appends s as an AMF0 string (a long string over 65,535
// bytes): Append0 without boxing s, for hot paths.
func AppendString0(dst []byte, s string) ([]byte, error) {
	out, err := appendString0(dst, s)
	if err != nil {
		return dst, fmt.Errorf("amf: encode AMF0: %w", err)
	}
	return out, nil
}

// AppendNumber0 appends f as an AMF0 number.
func AppendNumber0(dst []byte, f float64) []byte { return appendNumber0(dst, f) }

// append0 appends v at container depth depth.
func append0(dst []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, marker0Null), nil
	case float64:
		return appendNumber0(dst, v), nil
	case bool:
		if v {
			return append(dst, marker0Boolean, 1), nil
		}
		return append(dst, marker0Boolean, 0), nil
	case string:
		return appendString0(dst, v)
	case Object:
		return appendObject0(dst, marker0Object, v, depth)
	case []Property:
		return appendObject0(dst, marker0Object, v, depth)
	case ECMAArray:
		return appendObject0(dst, marker0ECMAArray, v, depth)
	case TypedObject:
		return appendTypedObject0(dst, v, depth)
	case []any:
		return appendStrictArray0(dst, v, depth)
	case map[string]any:
		return appendObject0(dst, marker0Object, sortedProperties(v), depth)
	case Undefined:
		return append(dst, marker0Undefined), nil
	case Unsupported:
		return append(dst, marker0Unsupported), nil
	case Date:
		return appendDate0(dst, v), nil
	case time.Time:
		return appendDate0(dst, NewDate(v)), nil
	case XMLDocument:
		if uint64(len(v)) > math.MaxUint32 {
			return dst, fmt.Errorf("XML document of %d bytes: %w", len(v), ErrTooLarge)
		}
		dst = append(dst, marker0XMLDocument)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		return append(dst, v...), nil
	case Array3, Object3, XML, []byte, VectorInt, VectorUint, VectorDouble, VectorObject, Dictionary:
		// AMF3-only values go behind an AVM+ switch, with fresh tables.
		var e Encoder3
		return e.value(append(dst, marker0AVMPlus), v, depth)
	}
	if f, ok := numberOf(v); ok {
		return appendNumber0(dst, f), nil
	}
	return dst, fmt.Errorf("%T: %w", v, ErrUnsupportedType)
}

func appendNumber0(dst []byte, f float64) []byte {
	dst = append(dst, marker0Number)
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(f))
}

func appendDate0(dst []byte, d Date) []byte {
	dst = append(dst, marker0Date)
	dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(d.Millis))
	return binary.BigEndian.AppendUint16(dst, uint16(d.TimeZone))
}

func appendString0(dst []byte, s string) ([]byte, error) {
	switch {
	case len(s) <= math.MaxUint16:
		dst = append(dst, marker0String)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	case uint64(len(s)) <= math.MaxUint32:
		dst = append(dst, marker0LongString)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	default:
		return dst, fmt.Errorf("string of %d bytes: %w", len(s), ErrTooLarge)
	}
	return append(dst, s...), nil
}

// appendKey0 appends a property name or class name (UTF-8 with a 16-bit
// length).
func appendKey0(dst []byte, s string) ([]byte, error) {
	if len(s) > math.MaxUint16 {
		return dst, fmt.Errorf("name of %d bytes: %w", len(s), ErrTooLarge)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...), nil
}

// appendObject0 appends an object or ECMA array (marker m) with properties ps.
func appendObject0(dst []byte, m byte, ps []Property, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return dst, ErrTooDeep
	}
	dst = append(dst, m)
	if m == marker0ECMAArray {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(ps)))
	}
	return appendProperties0(dst, ps, depth)
}

func appendTypedObject0(dst []byte, t TypedObject, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return dst, ErrTooDeep
	}
	dst, err := appendKey0(append(dst, marker0TypedObject), t.Class)
	if err != nil {
		return dst, fmt.Errorf("typed object class: %w", err)
	}
	dst, err = appendProperties0(dst, t.Object, depth)
	if err != nil {
		return dst, fmt.Errorf("typed object %q: %w", t.Class, err)
	}
	return dst, nil
}

// appendProperties0 appends properties and the object end marker.
func appendProperties0(dst []byte, ps []Property, depth int) ([]byte, error) {
	var err error
	for _, p := range ps {
		if dst, err = appendKey0(dst, p.Key); err != nil {
			return dst, fmt.Errorf("property name: %w", err)
		}
		if dst, err = append0(dst, p.Value, depth+1); err != nil {
			return dst, fmt.Errorf("property %q: %w", p.Key, err)
		}
	}
	return append(dst, 0, 0, marker0ObjectEnd), nil
}

func appendStrictArray0(dst []byte, vs []any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return dst, ErrTooDeep
	}
	if uint64(len(vs)) > math.MaxUint32 {
		return dst, fmt.Errorf("strict array of %d elements: %w", len(vs), ErrTooLarge)
	}
	dst = append(dst, marker0StrictArray)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(vs)))
	var err error
	for i, v := range vs {
		if dst, err = append0(dst, v, depth+1); err != nil {
			return dst, fmt.Errorf("strict array element %d: %w", i, err)
		}
	}
	return dst, nil
}

// sortedProperties returns the entries of m sorted by key.
func sortedProperties(m map[string]any) []Property {
	ps := make([]Property, 0, len(m))
	for k, v := range m {
		ps = append(ps, Property{Key: k, Value: v})
	}
	slices.SortFunc(ps, func(a, b Property) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	return ps
}
