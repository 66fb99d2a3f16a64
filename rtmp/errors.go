package rtmp

import "errors"

// Sentinel errors. Functions wrap them with context; test with errors.Is.
var (
	// ErrMessageTooLarge reports a message length above the reader's MaxMessageSize.
	ErrMessageTooLarge = errors.New("rtmp: message too large")
	// ErrInvalidChunkSize reports a Set Chunk Size of 0 or above MaxChunkSize.
	ErrInvalidChunkSize = errors.New("rtmp: invalid chunk size")
	// ErrNoPreviousHeader reports a fmt 2 or 3 chunk on a chunk stream that
	// has never carried a full header.
	ErrNoPreviousHeader = errors.New("rtmp: compressed chunk header without a previous header")
	// ErrUnexpectedHeader reports a chunk header that cannot continue the
	// message in progress on its chunk stream.
	ErrUnexpectedHeader = errors.New("rtmp: unexpected chunk header in the middle of a message")
	// ErrTooManyChunkStreams reports more distinct chunk stream IDs than the
	// reader's MaxChunkStreams.
	ErrTooManyChunkStreams = errors.New("rtmp: too many chunk streams")
	// ErrShortPayload reports a control message payload shorter than its fields.
	ErrShortPayload = errors.New("rtmp: payload too short")
	// ErrHandshake reports a malformed or unsupported handshake.
	ErrHandshake = errors.New("rtmp: handshake failed")
	// ErrInvalidCommand reports a command or data message that does not have
	// the expected shape (name, transaction ID, command object, arguments).
	ErrInvalidCommand = errors.New("rtmp: invalid command")
)
