package http1

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseRequest checks that the parser never panics, never claims more
// bytes than it was given, is stable on its own output, and never calls a
// prefix of a valid head anything but incomplete.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		ffplayGET,
		flvjsGET,
		"GET / HTTP/1.0\n\n",
		"\r\nGET http://h:1/a/../b?c=%20 HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
		"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
		"POST /api HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"POST /api HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
		"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"\x16\x03\x01\x02\x00",
	} {
		f.Add([]byte(s), 0)
	}
	f.Add([]byte(ffplayGET), 40)
	f.Fuzz(func(t *testing.T, b []byte, maxHeaderBytes int) {
		if len(b) > 1<<14 {
			return
		}
		maxHeaderBytes %= 1 << 13 // keep the limit meaningful and bounded
		req, n, err := ParseRequest(b, maxHeaderBytes)
		if err != nil {
			if req != nil || n != 0 {
				t.Fatalf("error %v with request %v and n = %d", err, req, n)
			}
			if err != ErrIncomplete && !errors.Is(err, ErrHeaderTooLarge) &&
				!errors.Is(err, ErrMalformed) && !errors.Is(err, ErrVersion) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("n = %d for %d bytes", n, len(b))
		}
		checkRequest(t, req)

		again, m, err := ParseRequest(b[:n], maxHeaderBytes)
		if err != nil || m != n || !reflect.DeepEqual(req, again) {
			t.Fatalf("reparse of b[:%d] = %+v, %d, %v; want %+v", n, again, m, err, req)
		}

		// Every prefix of a valid head is incomplete. Checking them all
		// costs O(n²); the head is at most 8 KiB.
		for i := 0; i < n; i++ {
			if _, _, err := ParseRequest(b[:i], maxHeaderBytes); err != ErrIncomplete {
				t.Fatalf("prefix b[:%d] of a valid head of %d bytes: %v", i, n, err)
			}
		}
	})
}

// checkRequest checks the invariants of a successfully parsed request.
func checkRequest(t *testing.T, r *Request) {
	t.Helper()
	if r.Major != 1 || r.Proto != "HTTP/1."+itoa(int64(r.Minor)) {
		t.Fatalf("version %q %d.%d", r.Proto, r.Major, r.Minor)
	}
	if !isToken(r.Method) {
		t.Fatalf("method %q", r.Method)
	}
	switch {
	case r.Path == "*" && r.Method == "OPTIONS":
	case r.Path == "" && r.Method == "CONNECT":
	case !strings.HasPrefix(r.Path, "/"):
		t.Fatalf("path %q is not rooted", r.Path)
	case cleanPath(r.Path) != r.Path:
		t.Fatalf("path %q is not clean", r.Path)
	case strings.Contains(r.Path, "/../") || strings.HasSuffix(r.Path, "/.."):
		t.Fatalf("path %q climbs", r.Path)
	}
	if strings.ContainsAny(r.Path, "\x00\r\n") {
		t.Fatalf("path %q has control bytes", r.Path)
	}
	if strings.ContainsAny(r.Host, "/\\@ \x00") || strings.HasPrefix(r.Host, ".") || toLower(r.Host) != r.Host {
		t.Fatalf("host %q", r.Host)
	}
	if r.Chunked != (r.ContentLength == -1) || r.ContentLength < -1 {
		t.Fatalf("Chunked %v, ContentLength %d", r.Chunked, r.ContentLength)
	}
	for _, f := range r.Header {
		if !isToken(f.Name) || strings.ContainsAny(f.Value, "\x00\r\n") || trimOWS(f.Value) != f.Value {
			t.Fatalf("field %q: %q", f.Name, f.Value)
		}
	}
}
