package testpeer

import (
	"bytes"
	"fmt"
	"strconv"
)

// ffprobe's JSON writes most numbers as strings ("10.080000", "44100") and
// unknown values as "N/A". flexFloat and flexInt accept either form; an
// unknown value decodes as 0.

type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" || s == "N/A" || s == "" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("ffprobe number %s: %w", b, err)
	}
	*f = flexFloat(v)
	return nil
}

type flexInt int64

func (i *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" || s == "N/A" || s == "" {
		*i = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("ffprobe integer %s: %w", b, err)
	}
	*i = flexInt(v)
	return nil
}
