package security

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cascade-live/cascade/config"
)

// Errors ParseSecurity and ParseRefer report. They are wrapped in a
// *config.ValueError naming the file and line of the directive; test for
// them with errors.Is.
var (
	// ErrInvalidRule means an allow or deny directive is not
	// "allow|deny publish|play target".
	ErrInvalidRule = errors.New("invalid security rule")
	// ErrInvalidAddress means a rule's target is neither "all", an IP
	// address nor a CIDR network.
	ErrInvalidAddress = errors.New("invalid address")
	// ErrInvalidDomain means a refer domain holds a character that the
	// host of a page URL never does (a "/" or ":"), so it could never
	// match: most likely a URL written where a domain belongs.
	ErrInvalidDomain = errors.New("invalid refer domain")
)

// valueError reports directive d as invalid, in the config package's form so
// that security errors read like every other configuration error.
func valueError(d *config.Directive, sentinel error, format string, args ...any) error {
	return &config.ValueError{
		File:      d.File,
		Line:      d.Line,
		Directive: d.Name,
		Value:     strings.Join(d.Args, " "),
		Err:       fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...)),
	}
}

// at formats where a directive is, for the reasons checks return: " at
// file:line", " at line N", or nothing when the position is unknown.
func at(file string, line int) string {
	switch {
	case line <= 0 && file == "":
		return ""
	case line <= 0:
		return " at " + file
	case file == "":
		return " at line " + strconv.Itoa(line)
	}
	return " at " + file + ":" + strconv.Itoa(line)
}
