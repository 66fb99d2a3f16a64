package amf

// XML is an AMF3 XML value (an E4X flash.xml.XML document), kept distinct
// from the legacy XMLDocument type so that both round-trip.
type XML string

// Array3 is an AMF3 array: an associative part (string keys, in wire order)
// and a dense part (indices 0…len-1).
type Array3 struct {
	Assoc Object
	Dense []any
}

// Object3 is an AMF3 object.
//
// Class is the registered class alias, "" for an anonymous Object. Sealed
// holds the members the traits declare, in traits order; a Dynamic object
// may also carry DynamicMembers. Externalizable objects have no members on
// the wire but a class-defined body; only classes whose body is a single
// AMF3 value (see the package documentation) are supported, and that value
// is External.
type Object3 struct {
	Class          string
	Sealed         Object
	Dynamic        bool
	DynamicMembers Object
	Externalizable bool
	External       any
}

// Get returns the value of the first sealed or dynamic member named key.
func (o Object3) Get(key string) (any, bool) {
	if v, ok := getProperty(o.Sealed, key); ok {
		return v, true
	}
	return getProperty(o.DynamicMembers, key)
}

// VectorInt is an AMF3 Vector.<int>. A Fixed vector has a fixed length.
type VectorInt struct {
	Fixed  bool
	Values []int32
}

// VectorUint is an AMF3 Vector.<uint>.
type VectorUint struct {
	Fixed  bool
	Values []uint32
}

// VectorDouble is an AMF3 Vector.<Number>.
type VectorDouble struct {
	Fixed  bool
	Values []float64
}

// VectorObject is an AMF3 Vector of objects. Class is the element type
// name as on the wire ("" or "*" for untyped vectors).
type VectorObject struct {
	Fixed  bool
	Class  string
	Values []any
}

// Dictionary is an AMF3 flash.utils.Dictionary: entries in wire order, with
// keys of any type. WeakKeys is the dictionary's weak-keys flag.
type Dictionary struct {
	WeakKeys bool
	Entries  []DictionaryEntry
}

// DictionaryEntry is one key/value pair of a Dictionary.
type DictionaryEntry struct {
	Key   any
	Value any
}

// externalClasses are the externalizable classes whose body is one AMF3
// value: Flex collections wrap their source array, ObjectProxy its object.
var externalClasses = map[string]bool{
	"flex.messaging.io.ArrayCollection": true,
	"flex.messaging.io.ArrayList":       true,
	"flex.messaging.io.ObjectProxy":     true,
}
