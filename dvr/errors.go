package dvr

import "errors"

// Sentinel errors, wrapped with context; test with errors.Is.
var (
	// ErrInvalidConfig means a dvr directive with a value SRS would reject.
	ErrInvalidConfig = errors.New("dvr: invalid configuration")
	// ErrUnsupportedFormat means a dvr_path naming a container other than
	// FLV (SRS also records MP4; this package does not).
	ErrUnsupportedFormat = errors.New("dvr: unsupported file format")
	// ErrFileExists means the path of a new file is taken: like SRS, a
	// recording never appends to or overwrites a file.
	ErrFileExists = errors.New("dvr: file exists")
)
