package amf

import (
	"bytes"
	"strings"
	"testing"
)

// TestTypedAppend0 checks that the typed encoders write what Append0
// writes for the same value.
func TestTypedAppend0(t *testing.T) {
	for _, s := range []string{"", "onStatus", strings.Repeat("x", 70000)} {
		want, err := Append0([]byte{1}, s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendString0([]byte{1}, s)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("AppendString0(%d bytes) = % x…, %v; want % x…", len(s), got[:min(8, len(got))], err, want[:min(8, len(want))])
		}
	}
	for _, f := range []float64{0, 1, -2.5, 1e300} {
		want, _ := Append0([]byte{1}, f)
		if got := AppendNumber0([]byte{1}, f); !bytes.Equal(got, want) {
			t.Errorf("AppendNumber0(%v) = % x, want % x", f, got, want)
		}
	}
}
