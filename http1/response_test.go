package http1

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// checkGolden compares got with testdata/golden/name, or rewrites the file
// with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot:\n%q\nwant:\n%q", name, got, want)
	}
}

func TestResponseGolden(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"head_flv.golden", AppendResponseHead(nil, 200,
			"Content-Type", "video/x-flv",
			"Server", "cascade",
			"Connection", "Keep-Alive",
		)},
		{"head_no_fields.golden", AppendResponseHead(nil, 204)},
		{"head_unknown_status.golden", AppendResponseHead(nil, 599)},
		{"head_injection.golden", AppendResponseHead(nil, 302,
			"Location", "/live/a.flv?x=1\r\nSet-Cookie: evil",
		)},
		{"head_flv_cors.golden", func() []byte {
			b := AppendStatusLine(nil, 200)
			b = AppendHeader(b, "Content-Type", "video/x-flv")
			b = AppendCORS(b)
			return append(b, "\r\n"...)
		}()},
		{"cors_preflight.golden", func() []byte {
			b := AppendStatusLine(nil, 200)
			b = AppendCORS(b)
			b = AppendHeader(b, "Content-Length", "0")
			return append(b, "\r\n"...)
		}()},
		{"error_400_close.golden", AppendError(nil, 400, false)},
		{"error_403.golden", AppendError(nil, 403, true)},
		{"error_404.golden", AppendError(nil, 404, true)},
		{"error_405.golden", AppendError(nil, 405, true)},
		{"error_413_close.golden", AppendError(nil, 413, false)},
		{"error_431_close.golden", AppendError(nil, 431, false)},
		{"error_500_close.golden", AppendError(nil, 500, false)},
		{"error_503.golden", AppendError(nil, 503, true)},
		{"error_505_close.golden", AppendError(nil, 505, false)},
		{"error_599.golden", AppendError(nil, 599, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkGolden(t, tt.name, tt.b) })
	}
}

func TestAppendAppends(t *testing.T) {
	prefix := []byte("previous bytes")
	b := AppendError(bytes.Clone(prefix), 404, true)
	if !bytes.HasPrefix(b, prefix) || !bytes.Equal(b[len(prefix):], AppendError(nil, 404, true)) {
		t.Errorf("AppendError did not append: %q", b)
	}
}

func TestAppendErrorContentLength(t *testing.T) {
	for _, status := range []int{400, 403, 404, 405, 413, 431, 500, 503} {
		b := AppendError(nil, status, true)
		head, body, ok := bytes.Cut(b, []byte("\r\n\r\n"))
		if !ok || string(body) != StatusText(status) {
			t.Errorf("%d: body %q", status, body)
		}
		if !bytes.Contains(head, []byte("\r\nContent-Length: "+itoa(int64(len(body))))) {
			t.Errorf("%d: Content-Length does not match body: %q", status, head)
		}
		if bytes.Contains(head, []byte("Connection")) {
			t.Errorf("%d: keep-alive response has a Connection field: %q", status, head)
		}
	}
}

func TestAppendPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"odd fields":  func() { AppendResponseHead(nil, 200, "Content-Type") },
		"status 99":   func() { AppendStatusLine(nil, 99) },
		"status 1000": func() { AppendError(nil, 1000, false) },
		"status -200": func() { AppendResponseHead(nil, -200) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestAppendAllocs(t *testing.T) {
	buf := make([]byte, 0, 1024)
	n := testing.AllocsPerRun(100, func() {
		b := AppendResponseHead(buf[:0], 200, "Content-Type", "video/x-flv", "Connection", "close")
		b = AppendCORS(b)
		_ = AppendError(b, 404, false)
	})
	if n != 0 {
		t.Errorf("%v allocs into a large enough buffer, want 0", n)
	}
}
