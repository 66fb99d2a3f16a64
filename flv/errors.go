package flv

import "errors"

// Sentinel errors. Errors returned by this package wrap one of them with
// context; test for them with errors.Is.
var (
	// ErrTruncated reports input that ends before a structure is complete.
	ErrTruncated = errors.New("flv: truncated input")
	// ErrMalformed reports a field whose value is invalid or inconsistent.
	ErrMalformed = errors.New("flv: malformed input")
	// ErrUnsupported reports valid input that this package does not handle,
	// such as an unknown Enhanced RTMP FourCC or packet type.
	ErrUnsupported = errors.New("flv: unsupported")
	// ErrNotFLV reports a stream that does not start with an FLV header.
	ErrNotFLV = errors.New("flv: not an FLV stream")
	// ErrTagTooLarge reports a tag whose data is larger than MaxDataSize or
	// than the limit configured on a Reader.
	ErrTagTooLarge = errors.New("flv: tag data too large")
	// ErrEncrypted reports a tag with the Filter bit set (encrypted body).
	ErrEncrypted = errors.New("flv: encrypted tag")
	// ErrPreviousTagSize reports a PreviousTagSize field that does not match
	// the size of the tag before it.
	ErrPreviousTagSize = errors.New("flv: PreviousTagSize mismatch")
)
