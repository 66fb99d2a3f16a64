package hds

import "errors"

// Sentinel errors, wrapped with context; test with errors.Is.
var (
	// ErrInvalidConfig means an hds directive with a value SRS would reject.
	ErrInvalidConfig = errors.New("hds: invalid configuration")
	// ErrShortBox means box data that ends inside a box or field.
	ErrShortBox = errors.New("hds: short box")
	// ErrInvalidBox means a box of the wrong type or with impossible sizes
	// or counts.
	ErrInvalidBox = errors.New("hds: invalid box")
)
