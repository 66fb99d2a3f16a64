package amf

import (
	"fmt"
	"math"
	"testing"
)

// equalValues reports whether two decoded values are the same: like
// reflect.DeepEqual, but floats compare by bits (so NaN equals itself), nil
// and empty slices are equal, and, if looseNumbers, an int32 equals the
// float64 of the same value (AMF0 re-encodes AMF3 integers as numbers).
func equalValues(a, b any, looseNumbers bool) bool {
	if looseNumbers {
		if i, ok := a.(int32); ok {
			a = float64(i)
		}
		if i, ok := b.(int32); ok {
			b = float64(i)
		}
	}
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	case Date:
		b, ok := b.(Date)
		return ok && math.Float64bits(a.Millis) == math.Float64bits(b.Millis) && a.TimeZone == b.TimeZone
	case Object:
		b, ok := b.(Object)
		return ok && equalProperties(a, b, looseNumbers)
	case ECMAArray:
		b, ok := b.(ECMAArray)
		return ok && equalProperties(a, b, looseNumbers)
	case TypedObject:
		b, ok := b.(TypedObject)
		return ok && a.Class == b.Class && equalProperties(a.Object, b.Object, looseNumbers)
	case []any:
		b, ok := b.([]any)
		return ok && equalSlices(a, b, looseNumbers)
	case []byte:
		b, ok := b.([]byte)
		return ok && string(a) == string(b)
	case Array3:
		b, ok := b.(Array3)
		return ok && equalProperties(a.Assoc, b.Assoc, false) && equalSlices(a.Dense, b.Dense, false)
	case Object3:
		b, ok := b.(Object3)
		return ok && a.Class == b.Class && a.Dynamic == b.Dynamic && a.Externalizable == b.Externalizable &&
			equalProperties(a.Sealed, b.Sealed, false) && equalProperties(a.DynamicMembers, b.DynamicMembers, false) &&
			equalValues(a.External, b.External, false)
	case VectorInt:
		b, ok := b.(VectorInt)
		return ok && a.Fixed == b.Fixed && fmt.Sprint(a.Values) == fmt.Sprint(b.Values)
	case VectorUint:
		b, ok := b.(VectorUint)
		return ok && a.Fixed == b.Fixed && fmt.Sprint(a.Values) == fmt.Sprint(b.Values)
	case VectorDouble:
		b, ok := b.(VectorDouble)
		if !ok || a.Fixed != b.Fixed || len(a.Values) != len(b.Values) {
			return false
		}
		for i := range a.Values {
			if math.Float64bits(a.Values[i]) != math.Float64bits(b.Values[i]) {
				return false
			}
		}
		return true
	case VectorObject:
		b, ok := b.(VectorObject)
		return ok && a.Fixed == b.Fixed && a.Class == b.Class && equalSlices(a.Values, b.Values, false)
	case Dictionary:
		b, ok := b.(Dictionary)
		if !ok || a.WeakKeys != b.WeakKeys || len(a.Entries) != len(b.Entries) {
			return false
		}
		for i := range a.Entries {
			if !equalValues(a.Entries[i].Key, b.Entries[i].Key, false) || !equalValues(a.Entries[i].Value, b.Entries[i].Value, false) {
				return false
			}
		}
		return true
	case nil, bool, string, int32, Undefined, Unsupported, XMLDocument, XML:
		return a == b
	}
	panic(fmt.Sprintf("equalValues: unexpected type %T", a))
}

func equalProperties(a, b []Property, loose bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || !equalValues(a[i].Value, b[i].Value, loose) {
			return false
		}
	}
	return true
}

func equalSlices(a, b []any, loose bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalValues(a[i], b[i], loose) {
			return false
		}
	}
	return true
}

func assertEqualValue(t testing.TB, want, got any) {
	t.Helper()
	if !equalValues(want, got, false) {
		t.Fatalf("value mismatch\nwant %#v\n got %#v", want, got)
	}
}
