package client

import (
	"errors"
	"fmt"
)

// ErrUnexpectedResponse reports a response the client cannot use, such as
// a createStream result without a stream ID.
var ErrUnexpectedResponse = errors.New("rtmp client: unexpected response")

// StatusError is the error a server answered a command with: an _error
// result or an onStatus of level error (or an unexpected status code, such
// as NetStream.Play.StreamNotFound). Use errors.As to read the code.
type StatusError struct {
	Command     string // the command that failed: connect, publish, play…
	Level       string
	Code        string // e.g. NetConnection.Connect.Rejected, NetStream.Publish.BadName
	Description string
}

func (e *StatusError) Error() string {
	if e.Description == "" {
		return fmt.Sprintf("rtmp client: %s: %s", e.Command, e.Code)
	}
	return fmt.Sprintf("rtmp client: %s: %s: %s", e.Command, e.Code, e.Description)
}
