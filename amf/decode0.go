package amf

import "fmt"

// AMF0 type markers.
const (
	marker0Number      = 0x00
	marker0Boolean     = 0x01
	marker0String      = 0x02
	marker0Object      = 0x03
	marker0MovieClip   = 0x04 // reserved, not supported
	marker0Null        = 0x05
	marker0Undefined   = 0x06
	marker0Reference   = 0x07
	marker0ECMAArray   = 0x08
	marker0ObjectEnd   = 0x09
	marker0StrictArray = 0x0a
	marker0Date        = 0x0b
	marker0LongString  = 0x0c
	marker0Unsupported = 0x0d
	marker0RecordSet   = 0x0e // reserved, not supported
	marker0XMLDocument = 0x0f
	marker0TypedObject = 0x10
	marker0AVMPlus     = 0x11
)

// Decode0 decodes one AMF0 value from the front of b and returns it with
// the number of bytes it used.
func Decode0(b []byte) (v any, n int, err error) {
	d := getDecoder(b)
	defer putDecoder(d)
	v, n, err = d.value0(0, 1)
	if err != nil {
		return nil, 0, fmt.Errorf("amf: decode AMF0: %w", err)
	}
	return v, n, nil
}

// DecodeAll0 decodes AMF0 values until b is exhausted, as in the payload of
// an RTMP command or data message. The values share one reference table.
func DecodeAll0(b []byte) ([]any, error) {
	d := getDecoder(b)
	defer putDecoder(d)
	vs := make([]any, 0, 4)
	for off := 0; off < len(b); {
		v, next, err := d.value0(off, 1)
		if err != nil {
			return nil, fmt.Errorf("amf: decode AMF0 value %d: %w", len(vs), err)
		}
		vs = append(vs, v)
		off = next
	}
	return vs, nil
}

// value0 decodes the AMF0 value at off, at container depth depth.
func (d *decoder) value0(off, depth int) (any, int, error) {
	if off >= len(d.b) {
		return nil, off, errShort("AMF0 type marker", off)
	}
	start := off
	off++
	switch m := d.b[start]; m {
	case marker0Number:
		f, off, err := d.f64(off, "number")
		if err != nil {
			return nil, off, err
		}
		return boxNumber(f), off, nil
	case marker0Boolean:
		if off >= len(d.b) {
			return nil, off, errShort("boolean", off)
		}
		return d.b[off] != 0, off + 1, nil
	case marker0String:
		n, off, err := d.u16(off, "string length")
		if err != nil {
			return nil, off, err
		}
		return d.textValue(off, uint64(n), "string")
	case marker0LongString:
		n, off, err := d.u32(off, "long string length")
		if err != nil {
			return nil, off, err
		}
		return d.textValue(off, uint64(n), "long string")
	case marker0XMLDocument:
		n, off, err := d.u32(off, "XML document length")
		if err != nil {
			return nil, off, err
		}
		s, off, err := d.text(off, uint64(n), "XML document")
		return XMLDocument(s), off, err
	case marker0Null:
		return nil, off, nil
	case marker0Undefined:
		return Undefined{}, off, nil
	case marker0Unsupported:
		return Unsupported{}, off, nil
	case marker0Date:
		ms, off, err := d.f64(off, "date")
		if err != nil {
			return nil, off, err
		}
		tz, off, err := d.u16(off, "date time zone")
		if err != nil {
			return nil, off, err
		}
		return Date{Millis: ms, TimeZone: int16(tz)}, off, nil
	case marker0Reference:
		idx, off, err := d.u16(off, "reference")
		if err != nil {
			return nil, off, err
		}
		v, err := d.resolve(d.objects0, uint32(idx), start, off-start, depth)
		return v, off, err
	case marker0Object, marker0ECMAArray, marker0StrictArray, marker0TypedObject:
		return d.complex0(m, start, depth)
	case marker0AVMPlus:
		// Each switch starts with fresh AMF3 reference tables.
		d.reset3()
		return d.value3(off, depth)
	default:
		return nil, start, fmt.Errorf("AMF0 marker 0x%02x at offset %d: %w", m, start, ErrInvalidMarker)
	}
}

// complex0 decodes an object, ECMA array, strict array or typed object at
// start, registering it in the reference table before its members.
func (d *decoder) complex0(m byte, start, depth int) (any, int, error) {
	mk, err := d.begin(start, depth)
	if err != nil {
		return nil, start, err
	}
	idx := len(d.objects0)
	d.objects0 = append(d.objects0, entry{})
	off := start + 1
	var v any
	switch m {
	case marker0Object:
		var ps []Property
		ps, off, err = d.properties0(off, depth)
		v = Object(ps)
	case marker0ECMAArray:
		// The count is only a hint (encoders get it wrong): the end marker
		// ends the array.
		if _, off, err = d.u32(off, "ECMA array count"); err != nil {
			return nil, off, err
		}
		var ps []Property
		ps, off, err = d.properties0(off, depth)
		v = ECMAArray(ps)
	case marker0TypedObject:
		var class string
		var n int
		if n, off, err = d.u16(off, "typed object class length"); err != nil {
			return nil, off, err
		}
		if class, off, err = d.text(off, uint64(n), "typed object class"); err != nil {
			return nil, off, err
		}
		var ps []Property
		ps, off, err = d.properties0(off, depth)
		if err != nil {
			err = fmt.Errorf("typed object %q: %w", class, err)
		}
		v = TypedObject{Class: class, Object: ps}
	case marker0StrictArray:
		v, off, err = d.strictArray0(off, depth)
	}
	if err != nil {
		return nil, off, err
	}
	d.objects0[idx] = d.end(mk, v, off, depth)
	return v, off, nil
}

// properties0 decodes properties up to and including the object end marker.
func (d *decoder) properties0(off, depth int) ([]Property, int, error) {
	base := len(d.props)
	for {
		n, next, err := d.u16(off, "property name length")
		if err != nil {
			d.dropProps(base)
			return nil, next, err
		}
		if n == 0 && next < len(d.b) && d.b[next] == marker0ObjectEnd {
			return d.finishProps(base), next + 1, nil
		}
		key, next, err := d.text(next, uint64(n), "property name")
		if err != nil {
			d.dropProps(base)
			return nil, next, err
		}
		v, next, err := d.value0(next, depth+1)
		if err != nil {
			d.dropProps(base)
			return nil, next, fmt.Errorf("property %q: %w", key, err)
		}
		d.props = append(d.props, Property{Key: key, Value: v})
		off = next
	}
}

func (d *decoder) strictArray0(off, depth int) ([]any, int, error) {
	count, off, err := d.u32(off, "strict array count")
	if err != nil {
		return nil, off, err
	}
	if uint64(count) > uint64(len(d.b)-off) {
		return nil, off, errCount("strict array count", uint64(count), off-4)
	}
	vs := make([]any, count)
	for i := range vs {
		vs[i], off, err = d.value0(off, depth+1)
		if err != nil {
			return nil, off, fmt.Errorf("strict array element %d: %w", i, err)
		}
	}
	return vs, off, nil
}
