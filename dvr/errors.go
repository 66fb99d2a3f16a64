package dvr

import "errors"

// Sentinel errors, wrapped with context; test with errors.Is.
var (
	// ErrInvalidConfig means a dvr directive with a value SRS would reject.
	ErrInvalidConfig = errors.New("dvr: invalid configuration")
	// ErrUnsupportedCodec means a stream whose codecs an MP4 file cannot
	// hold (MP4 recording takes H.264 or H.265 video, AAC or MP3 audio).
	ErrUnsupportedCodec = errors.New("dvr: codec not supported in MP4")
	// ErrFileExists means the path of a new file is taken: like SRS, a
	// recording never appends to or overwrites a file.
	ErrFileExists = errors.New("dvr: file exists")
)
