package amf

import (
	"math"
	"time"
)

// MaxDepth is the deepest nesting of containers (objects, arrays, vectors
// of objects, dictionaries) the decoders accept and the encoders produce.
// A top-level container is at depth 1.
const MaxDepth = 64

// Property is one key/value pair of an object or an associative array.
type Property struct {
	Key   string
	Value any
}

// Object is an AMF0 anonymous object (or the member list of other object
// types): properties in wire order. Keys are not required to be unique;
// lookups use the first match.
type Object []Property

// ECMAArray is an AMF0 ECMA (associative) array, as used by onMetaData.
// It has the same methods as Object.
type ECMAArray []Property

// Undefined is the AMF undefined value.
type Undefined struct{}

// Unsupported is the AMF0 unsupported marker, which a sender writes in
// place of a value it cannot serialize.
type Unsupported struct{}

// Date is an AMF date: milliseconds since the Unix epoch in UTC. TimeZone
// is the AMF0 time zone field, which the specification reserves and asks
// senders to set to 0; AMF3 dates have no such field and decode with 0.
type Date struct {
	Millis   float64
	TimeZone int16
}

// NewDate returns the Date of t. Sub-millisecond precision is kept as far
// as a float64 allows (about a quarter of a microsecond for current dates).
func NewDate(t time.Time) Date {
	return Date{Millis: float64(t.UnixMilli()) + float64(t.Nanosecond()%1e6)/1e6}
}

// Time returns d as a time.Time in UTC, ignoring TimeZone. Dates outside
// the range of time.Time, and NaN, give the zero Time.
func (d Date) Time() time.Time {
	if math.IsNaN(d.Millis) || math.Abs(d.Millis) > 9.2e15 {
		return time.Time{}
	}
	sec := math.Floor(d.Millis / 1e3)
	nsec := (d.Millis - sec*1e3) * 1e6
	return time.Unix(int64(sec), int64(math.Round(nsec))).UTC()
}

// XMLDocument is an XML document: the AMF0 XML document type and the AMF3
// XMLDocument (legacy flash.xml.XMLDocument) type.
type XMLDocument string

// TypedObject is an AMF0 typed object: an object with a registered class
// name.
type TypedObject struct {
	Class  string
	Object Object
}

// Get returns the value of the first property named key.
func (o Object) Get(key string) (any, bool) { return getProperty(o, key) }

// GetString returns the value of key if it is a string.
func (o Object) GetString(key string) (string, bool) { return getString(o, key) }

// GetNumber returns the value of key if it is a number: a float64, an AMF3
// int32 or any other Go integer or float type.
func (o Object) GetNumber(key string) (float64, bool) { return getNumber(o, key) }

// GetBool returns the value of key if it is a bool.
func (o Object) GetBool(key string) (bool, bool) { return getBool(o, key) }

// Set replaces the value of the first property named key, or appends the
// property if there is none.
func (o *Object) Set(key string, v any) { *o = setProperty(*o, key, v) }

// Delete removes every property named key and reports whether there was one.
func (o *Object) Delete(key string) bool {
	var found bool
	*o, found = deleteProperty(*o, key)
	return found
}

// Get returns the value of the first property named key.
func (a ECMAArray) Get(key string) (any, bool) { return getProperty(a, key) }

// GetString returns the value of key if it is a string.
func (a ECMAArray) GetString(key string) (string, bool) { return getString(a, key) }

// GetNumber returns the value of key if it is a number: a float64, an AMF3
// int32 or any other Go integer or float type.
func (a ECMAArray) GetNumber(key string) (float64, bool) { return getNumber(a, key) }

// GetBool returns the value of key if it is a bool.
func (a ECMAArray) GetBool(key string) (bool, bool) { return getBool(a, key) }

// Set replaces the value of the first property named key, or appends the
// property if there is none.
func (a *ECMAArray) Set(key string, v any) { *a = setProperty(*a, key, v) }

// Delete removes every property named key and reports whether there was one.
func (a *ECMAArray) Delete(key string) bool {
	var found bool
	*a, found = deleteProperty(*a, key)
	return found
}

func getProperty(ps []Property, key string) (any, bool) {
	for i := range ps {
		if ps[i].Key == key {
			return ps[i].Value, true
		}
	}
	return nil, false
}

func getString(ps []Property, key string) (string, bool) {
	v, _ := getProperty(ps, key)
	s, ok := v.(string)
	return s, ok
}

func getBool(ps []Property, key string) (bool, bool) {
	v, _ := getProperty(ps, key)
	b, ok := v.(bool)
	return b, ok
}

func getNumber(ps []Property, key string) (float64, bool) {
	v, _ := getProperty(ps, key)
	return numberOf(v)
}

// numberOf converts any Go number type to float64.
func numberOf(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int32:
		return float64(n), true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	return 0, false
}

func setProperty[S ~[]Property](ps S, key string, v any) S {
	for i := range ps {
		if ps[i].Key == key {
			ps[i].Value = v
			return ps
		}
	}
	return append(ps, Property{Key: key, Value: v})
}

func deleteProperty[S ~[]Property](ps S, key string) (S, bool) {
	n := len(ps)
	out := ps[:0]
	for _, p := range ps {
		if p.Key != key {
			out = append(out, p)
		}
	}
	clear(ps[len(out):n])
	return out, len(out) != n
}
