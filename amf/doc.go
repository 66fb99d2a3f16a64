// Package amf implements the Action Message Format used by RTMP and FLV:
// AMF0 (Adobe "Action Message Format -- AMF 0", December 2007) and AMF3
// (Adobe "Action Message Format -- AMF 3", January 2013, including the
// Flash Player 10 vector and dictionary types).
//
// The codec works on byte slices: decoders read one value from the front of
// a slice and report how many bytes it used, encoders append to a slice.
// Decoded strings and byte arrays are copies; nothing keeps a reference to
// the input.
//
// # AMF0 values
//
//	wire type              Go value
//	number                 float64
//	boolean                bool
//	string, long string    string (Append0 picks the long form above 65535 bytes)
//	object                 Object (ordered properties, keys as on the wire)
//	null                   nil
//	undefined              Undefined{}
//	reference              the referenced value, already decoded
//	ECMA array             ECMAArray
//	strict array           []any
//	date                   Date
//	unsupported            Unsupported{}
//	XML document           XMLDocument
//	typed object           TypedObject
//	AVM+ switch (0x11)     the following AMF3 value (see below)
//
// Append0 also encodes int, int8…int64, uint…uint64 and float32 as numbers,
// map[string]any as an object with sorted keys, []Property as an object and
// time.Time as a date. Values that exist only in AMF3 (Array3, Object3, XML,
// []byte, the vectors, Dictionary) are written behind an AVM+ switch marker,
// so that anything Decode0 returns can be encoded again.
//
// # AMF3 values
//
//	wire type              Go value
//	undefined              Undefined{}
//	null                   nil
//	false, true            bool
//	integer                int32 (29-bit, sign-extended)
//	double                 float64
//	string                 string
//	XMLDocument            XMLDocument
//	XML                    XML
//	date                   Date (TimeZone 0)
//	array                  Array3
//	object                 Object3
//	ByteArray              []byte
//	Vector.<int>           VectorInt
//	Vector.<uint>          VectorUint
//	Vector.<Number>        VectorDouble
//	Vector.<Object>        VectorObject
//	Dictionary             Dictionary
//
// Append3 encodes Go integers in [-2^28, 2^28-1] as AMF3 integers and all
// other numbers as doubles; float64 always becomes a double. Object and
// map[string]any become anonymous dynamic objects, ECMAArray the associative
// part of an array, []any the dense part, TypedObject a sealed object of
// that class.
//
// AMF3 reference tables: Decoder3 resolves string, object and traits
// references and keeps its tables across calls; Encoder3 emits string and
// traits references (never object references). Decode3 and Append3 use fresh
// tables for one value, as does every AVM+ switch inside AMF0.
//
// Externalizable AMF3 objects carry a body whose format only the class
// knows. The decoder understands the flex.messaging.io.ArrayCollection,
// ArrayList and ObjectProxy classes (whose body is one AMF3 value) and
// rejects every other with ErrExternalizable.
//
// # References and limits
//
// Values reached through a reference are shared, not copied: the same
// Object may appear at several places of the result. A reference to an
// object that is still being decoded (a cycle) is rejected with
// ErrInvalidReference, since plain Go values cannot express cycles.
//
// Decoders never allocate more than the input can justify: every count or
// length read from the wire is checked against the remaining input before
// anything is allocated (ErrTooLarge), nesting of containers is limited to
// MaxDepth (ErrTooDeep), and references may grow the decoded value to at
// most 4 MiB beyond the wire size (ErrTooLarge), so that a small message
// cannot expand into a huge tree when walked or encoded again. Encoders
// apply the same depth limit, so cyclic Go values fail instead of recursing
// forever.
//
// All errors wrap one of the package's sentinel errors with context; test
// them with errors.Is.
package amf
