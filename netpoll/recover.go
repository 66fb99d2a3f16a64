package netpoll

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// A PanicError is how a panic while handling one connection closes it:
// the connection ends with an ERROR line holding the stack, and the event
// loop goes on with the others.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack where it was recovered
}

func (e *PanicError) Error() string { return fmt.Sprintf("netpoll: panic: %v", e.Value) }

// guard runs fn, turning a panic into a *PanicError.
func guard(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// stackOf returns the stack of a *PanicError in err, or nil.
func stackOf(err error) []byte {
	var pe *PanicError
	if errors.As(err, &pe) {
		return pe.Stack
	}
	return nil
}
