package http1

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseRange(t *testing.T) {
	const size = 1000
	for _, tc := range []struct {
		v      string
		off, n int64
		err    error
	}{
		{"bytes=0-499", 0, 500, nil},
		{"bytes=500-", 500, 500, nil},
		{"bytes=-100", 900, 100, nil},
		{"bytes=-5000", 0, 1000, nil},
		{"bytes=900-5000", 900, 100, nil},
		{"BYTES = 1-1", 1, 1, nil},
		{"bytes=999-999", 999, 1, nil},
		{"bytes=1000-", 0, 0, ErrRangeUnsatisfiable},
		{"bytes=-0", 0, 0, ErrRangeUnsatisfiable},
		{"bytes=0-1,5-6", 0, 0, ErrRangeIgnored},
		{"bytes=5-1", 0, 0, ErrRangeIgnored},
		{"bytes=a-1", 0, 0, ErrRangeIgnored},
		{"bytes=+1-2", 0, 0, ErrRangeIgnored},
		{"bytes=99999999999999999999-", 0, 0, ErrRangeIgnored},
		{"items=0-1", 0, 0, ErrRangeIgnored},
		{"bytes", 0, 0, ErrRangeIgnored},
		{"bytes=", 0, 0, ErrRangeIgnored},
	} {
		off, n, err := ParseRange(tc.v, size)
		assert.ErrorIs(t, err, tc.err, tc.v)
		if tc.err == nil {
			assert.Equal(t, [2]int64{tc.off, tc.n}, [2]int64{off, n}, tc.v)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-499", "bytes=-1", "bytes=5-", "bytes=0-1,2-3", "bytes=-0"} {
		f.Add(s, int64(1000))
	}
	f.Fuzz(func(t *testing.T, v string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		off, n, err := ParseRange(v, size)
		if err != nil {
			return
		}
		if off < 0 || n <= 0 || off+n > size {
			t.Fatalf("ParseRange(%q, %d) = %d, %d: outside the representation", v, size, off, n)
		}
	})
}
