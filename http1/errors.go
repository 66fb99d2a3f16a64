package http1

import "errors"

// Errors returned by [ParseRequest]. Errors other than ErrIncomplete wrap
// one of these sentinels with detail; test them with [errors.Is].
var (
	// ErrIncomplete means the bytes so far are a valid beginning of a
	// request head that has not ended yet. The caller keeps the bytes and
	// parses again when more arrive.
	ErrIncomplete = errors.New("http1: incomplete request head")

	// ErrHeaderTooLarge means the head is longer than the byte limit or has
	// more header fields than the field limit (431).
	ErrHeaderTooLarge = errors.New("http1: request head too large")

	// ErrMalformed means the head is not valid HTTP/1.x syntax, or is
	// ambiguous in a way a server must refuse (400).
	ErrMalformed = errors.New("http1: malformed request")

	// ErrVersion means the request-line names an HTTP version other than
	// 1.x (505).
	ErrVersion = errors.New("http1: unsupported HTTP version")
)

// A parseError is a sentinel with the reason the parser gave up.
// The parser's errors are package variables, so rejecting a request does
// not allocate.
type parseError struct {
	err    error
	detail string
}

func (e *parseError) Error() string { return e.err.Error() + ": " + e.detail }
func (e *parseError) Unwrap() error { return e.err }

func malformed(detail string) error { return &parseError{ErrMalformed, detail} }

var (
	errTooLong        = &parseError{ErrHeaderTooLarge, "head exceeds the byte limit"}
	errTooManyFields  = &parseError{ErrHeaderTooLarge, "too many header fields"}
	errVersion        = &parseError{ErrVersion, "major version is not 1"}
	errRequestLine    = malformed("request-line is not method SP request-target SP HTTP-version")
	errMethod         = malformed("invalid method token")
	errTargetByte     = malformed("invalid byte in request-target")
	errTarget         = malformed("unsupported request-target form")
	errVersionSyntax  = malformed("invalid HTTP-version")
	errBareCR         = malformed("bare CR in line")
	errObsFold        = malformed("obsolete line folding")
	errFieldNoColon   = malformed("header line without colon")
	errFieldName      = malformed("invalid header field name")
	errFieldValue     = malformed("invalid byte in header field value")
	errMissingHost    = malformed("missing Host header in HTTP/1.1 request")
	errDuplicateHost  = malformed("more than one Host header")
	errHost           = malformed("invalid host")
	errPort           = malformed("invalid port")
	errUserinfo       = malformed("userinfo in host")
	errContentLength  = malformed("invalid Content-Length")
	errConflictLength = malformed("conflicting Content-Length values")
	errTransferCoding = malformed("unsupported Transfer-Encoding")
	errRepeatedTE     = malformed("repeated Transfer-Encoding")
	errTEWithLength   = malformed("both Transfer-Encoding and Content-Length")
	errTEInHTTP10     = malformed("Transfer-Encoding in an HTTP/1.0 request")
	errEscape         = malformed("invalid percent-escape in path")
	errPathControl    = malformed("control byte in decoded path")
)

// StatusForError returns the response status for an error from
// [ParseRequest]: 431 for [ErrHeaderTooLarge], 505 for [ErrVersion], 400
// for [ErrMalformed], and 500 for anything else. It returns 0 for nil and
// [ErrIncomplete], which call for no response.
func StatusForError(err error) int {
	switch {
	case err == nil, errors.Is(err, ErrIncomplete):
		return 0
	case errors.Is(err, ErrHeaderTooLarge):
		return 431
	case errors.Is(err, ErrVersion):
		return 505
	case errors.Is(err, ErrMalformed):
		return 400
	}
	return 500
}
