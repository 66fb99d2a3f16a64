package amf

import (
	"errors"
	"fmt"
)

// Sentinel errors. Decoders and encoders wrap them with context (the value
// being read and its offset); test with errors.Is.
var (
	// ErrShortBuffer means the input ends inside a value.
	ErrShortBuffer = errors.New("amf: short buffer")
	// ErrInvalidMarker means a type marker that is unknown, reserved or not
	// allowed where it appears (an object-end marker outside an object).
	ErrInvalidMarker = errors.New("amf: invalid type marker")
	// ErrTooDeep means containers nested deeper than MaxDepth.
	ErrTooDeep = errors.New("amf: nesting too deep")
	// ErrTooLarge means a count or length larger than the remaining input or
	// than the format can express, or references that expand the decoded
	// value beyond the decoder's limit.
	ErrTooLarge = errors.New("amf: value too large")
	// ErrInvalidReference means a reference to a table entry that does not
	// exist or to an object that is still being decoded (a cycle).
	ErrInvalidReference = errors.New("amf: invalid reference")
	// ErrExternalizable means an externalizable AMF3 object of a class whose
	// serialized form is unknown.
	ErrExternalizable = errors.New("amf: unsupported externalizable class")
	// ErrUnsupportedType means an encoder was given a Go value it has no
	// AMF representation for.
	ErrUnsupportedType = errors.New("amf: unsupported Go type")
	// ErrInvalidKey means a key the encoding cannot carry, such as an empty
	// dynamic member name in AMF3 (the empty string ends the member list).
	ErrInvalidKey = errors.New("amf: invalid key")
)

func errShort(what string, off int) error {
	return fmt.Errorf("%s at offset %d: %w", what, off, ErrShortBuffer)
}

func errCount(what string, count uint64, off int) error {
	return fmt.Errorf("%s %d at offset %d exceeds the remaining input: %w", what, count, off, ErrTooLarge)
}
