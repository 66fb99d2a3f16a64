package config

import (
	"errors"
	"fmt"
	"strconv"
)

// Errors reported by the parser and the typed builder. They are wrapped in a
// *SyntaxError or a *ValueError that says where the problem is; test for
// them with errors.Is.
var (
	// ErrIncludeCycle means a file includes itself, directly or not.
	ErrIncludeCycle = errors.New("include cycle")
	// ErrIncludeDepth means includes are nested deeper than MaxIncludeDepth.
	ErrIncludeDepth = errors.New("includes nested too deeply")
	// ErrTooManyIncludes means more than MaxIncludes files were included.
	ErrTooManyIncludes = errors.New("too many included files")
	// ErrTooLarge means a file exceeds MaxFileSize, or all files together
	// exceed MaxTotalSize or MaxTokens.
	ErrTooLarge = errors.New("configuration too large")
	// ErrTokenTooLong means a name or argument exceeds MaxTokenSize.
	ErrTokenTooLong = errors.New("token too long")
	// ErrNestingTooDeep means blocks are nested deeper than MaxNesting.
	ErrNestingTooDeep = errors.New("blocks nested too deeply")
	// ErrNotRegular means an included path is not a regular file.
	ErrNotRegular = errors.New("not a regular file")

	// ErrInvalidValue means a directive's value cannot be read as the
	// type the directive takes.
	ErrInvalidValue = errors.New("invalid value")
	// ErrOutOfRange means a directive's value is outside its allowed range.
	ErrOutOfRange = errors.New("value out of range")
	// ErrConflict means directives contradict each other, in a way SRS
	// also refuses.
	ErrConflict = errors.New("conflicting directives")
)

// A SyntaxError reports a configuration file that cannot be parsed.
type SyntaxError struct {
	File string // file holding the error, as named to Parse or by include
	Line int    // 1-based line of the error
	Msg  string // what is wrong
	Err  error  // underlying cause, if any (a sentinel above, or an I/O error)
}

func (e *SyntaxError) Error() string {
	return "config: " + joinPosition(position(e.File, e.Line), e.Msg)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// A ValueError reports a directive whose value is invalid or out of range,
// or which conflicts with another directive.
type ValueError struct {
	File      string // file of the directive; "env SRS_X" for an environment variable
	Line      int    // line of the directive; 0 if it does not come from a file
	Directive string // directive name
	Value     string // the offending value
	Err       error  // wraps ErrInvalidValue, ErrOutOfRange or ErrConflict
}

func (e *ValueError) Error() string {
	what := e.Directive + " " + strconv.Quote(e.Value) + ": " + e.Err.Error()
	return "config: " + joinPosition(position(e.File, e.Line), what)
}

func (e *ValueError) Unwrap() error { return e.Err }

// valueError returns a *ValueError for directive d, whose value is value.
func valueError(d *Directive, value string, sentinel error, format string, args ...any) *ValueError {
	return &ValueError{
		File:      d.File,
		Line:      d.Line,
		Directive: d.Name,
		Value:     value,
		Err:       fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...)),
	}
}

// position formats where something is: "file:line", "line N" when the file
// has no name, just the file (or environment variable) when there is no
// line, and "" when neither is known.
func position(file string, line int) string {
	switch {
	case line <= 0:
		return file
	case file == "":
		return "line " + strconv.Itoa(line)
	default:
		return file + ":" + strconv.Itoa(line)
	}
}

func joinPosition(pos, msg string) string {
	if pos == "" {
		return msg
	}
	return pos + ": " + msg
}

// InvalidValue returns a *ValueError wrapping ErrInvalidValue for the
// argument value of directive d, saying why, for packages that read their
// own blocks.
func InvalidValue(d *Directive, value, why string) *ValueError {
	return valueError(d, value, ErrInvalidValue, "%s", why)
}
