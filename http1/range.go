package http1

import (
	"errors"
	"strconv"
	"strings"
)

// Errors of ParseRange.
var (
	// ErrRangeUnsatisfiable: the range lies past the end (answer 416).
	ErrRangeUnsatisfiable = errors.New("http1: range not satisfiable")
	// ErrRangeIgnored: a Range field that is malformed, in another unit or
	// asks for several ranges; RFC 9110 lets a server ignore it and send
	// the whole representation (200).
	ErrRangeIgnored = errors.New("http1: range ignored")
)

// ParseRange reads a Range field value of one byte range ("bytes=0-499",
// "bytes=500-", "bytes=-500") against a representation of size bytes, and
// returns the first byte offset and the length of the range, clamped to
// size (RFC 9110 section 14).
func ParseRange(v string, size int64) (off, n int64, err error) {
	unit, spec, ok := strings.Cut(v, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return 0, 0, ErrRangeIgnored
	}
	spec = strings.TrimSpace(spec)
	if strings.Contains(spec, ",") {
		return 0, 0, ErrRangeIgnored
	}
	first, last, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, 0, ErrRangeIgnored
	}
	if first == "" {
		// Suffix: the last bytes.
		suffix, ok := parseDigits(last)
		if !ok {
			return 0, 0, ErrRangeIgnored
		}
		if suffix == 0 || size == 0 {
			return 0, 0, ErrRangeUnsatisfiable
		}
		n = min(suffix, size)
		return size - n, n, nil
	}
	start, ok := parseDigits(first)
	if !ok {
		return 0, 0, ErrRangeIgnored
	}
	end := size - 1
	if last != "" {
		e, ok := parseDigits(last)
		if !ok || e < start {
			return 0, 0, ErrRangeIgnored
		}
		end = min(e, size-1)
	}
	if start >= size {
		return 0, 0, ErrRangeUnsatisfiable
	}
	return start, end - start + 1, nil
}

// parseDigits parses a non-empty run of ASCII digits that fits in int64.
func parseDigits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}
