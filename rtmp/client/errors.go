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
	// Redirect is where an RTMP 302 (NetConnection.Connect.Rejected with
	// ex.code 302, as SRS's origin cluster sends) points: ex.redirect2,
	// the full stream URL, when given, else ex.redirect, a tcUrl.
	Redirect string
}

func (e *StatusError) Error() string {
	if e.Description == "" {
		return fmt.Sprintf("rtmp client: %s: %s", e.Command, e.Code)
	}
	return fmt.Sprintf("rtmp client: %s: %s: %s", e.Command, e.Code, e.Description)
}
