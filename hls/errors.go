package hls

import "errors"

// Errors returned (wrapped with context) by this package. Test for them
// with errors.Is. Configuration errors wrap config.ErrInvalidValue or
// config.ErrOutOfRange in a *config.ValueError instead.
var (
	// ErrPlaylist means a media playlist that cannot be parsed.
	ErrPlaylist = errors.New("hls: invalid playlist")
	// ErrDisabled means hls.enabled is off for the stream's vhost.
	ErrDisabled = errors.New("hls: disabled")
	// ErrNoStore means NewMuxer was given no Store.
	ErrNoStore = errors.New("hls: no store")
	// ErrStreamID means a stream identity that cannot name files: an empty
	// app or stream, or one holding "..", a NUL or a path separator it
	// must not.
	ErrStreamID = errors.New("hls: invalid stream identity")
)
