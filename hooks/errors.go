package hooks

import (
	"errors"
	"strconv"
	"strings"
)

var (
	// ErrRejected means a hook URL did not accept the call: a status other
	// than 200 or 201, a body other than 0 or {"code":0}, or no answer at all.
	// Every *Error wraps it.
	ErrRejected = errors.New("rejected")
	// ErrBusy means Go or Notify found the worker pool and its queue full.
	ErrBusy = errors.New("hooks: too many calls queued")
	// ErrClosed means the Client was closed.
	ErrClosed = errors.New("hooks: client closed")
)

// maxErrorBody is how much of a response body an *Error quotes.
const maxErrorBody = 128

// An Error reports a hook URL that did not accept a call.
type Error struct {
	Action string // "on_publish", ...
	URL    string // the URL called
	Status int    // HTTP status of the answer; 0 when none arrived
	Body   string // start of the answer's body, for logs
	Err    error  // why: a verdict, transport or context error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("hooks: ")
	b.WriteString(e.Action)
	b.WriteString(" ")
	b.WriteString(e.URL)
	b.WriteString(" rejected: ")
	b.WriteString(e.Err.Error())
	if e.Body != "" {
		b.WriteString(", body ")
		b.WriteString(strconv.Quote(e.Body))
	}
	return b.String()
}

// Unwrap returns ErrRejected and the cause, so both match errors.Is.
func (e *Error) Unwrap() []error { return []error{ErrRejected, e.Err} }

// bodySnippet returns the start of body for an *Error.
func bodySnippet(body []byte) string {
	if len(body) > maxErrorBody {
		return string(body[:maxErrorBody]) + "..."
	}
	return string(body)
}
