package listen

import (
	"strings"
	"testing"
)

// FuzzMatch: any start of a request is classified without panicking, a
// match really has the prefix, and the answer is final once peekSize bytes
// are there.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"GET /api/v1/versions HTTP/1.1\r\n", "GET /ap", "POST /rtc/v1/play/ HTTP/1.1", "GET / HTTP/1.0", "\x16\x03\x01", ""} {
		f.Add([]byte(s))
	}
	d := &Demux{prefixes: []string{"/api/", "/rtc/"}}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > peekSize {
			b = b[:peekSize]
		}
		match, done := d.match(b)
		if match && !done {
			t.Fatalf("%q: a match that is not final", b)
		}
		if match {
			_, path, _ := strings.Cut(string(b), " ")
			if !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/rtc/") {
				t.Fatalf("%q matched without a prefix", b)
			}
		}
	})
}
