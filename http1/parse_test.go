package http1

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// ffplayGET is what ffplay/ffmpeg (libavformat) sends for an HTTP-FLV URL.
const ffplayGET = "GET /live/livestream.flv HTTP/1.1\r\n" +
	"User-Agent: Lavf/60.16.100\r\n" +
	"Accept: */*\r\n" +
	"Range: bytes=0-\r\n" +
	"Connection: close\r\n" +
	"Host: 127.0.0.1:8080\r\n" +
	"Icy-MetaData: 1\r\n" +
	"\r\n"

// flvjsGET is what a browser sends for flv.js's fetch of an HTTP-FLV URL.
const flvjsGET = "GET /live/livestream.flv?token=a%20b&vhost=Example.com HTTP/1.1\r\n" +
	"Host: stream.example.com\r\n" +
	"Connection: keep-alive\r\n" +
	"sec-ch-ua-platform: \"Linux\"\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36\r\n" +
	"sec-ch-ua: \"Not/A)Brand\";v=\"8\", \"Chromium\";v=\"126\"\r\n" +
	"sec-ch-ua-mobile: ?0\r\n" +
	"Accept: */*\r\n" +
	"Origin: https://player.example.com\r\n" +
	"Sec-Fetch-Site: same-site\r\n" +
	"Sec-Fetch-Mode: cors\r\n" +
	"Sec-Fetch-Dest: empty\r\n" +
	"Referer: https://player.example.com/\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"\r\n"

// mustParse parses s with the default limits and fails the test on error
// or if the head is not all of s.
func mustParse(t *testing.T, s string) *Request {
	t.Helper()
	r, n, err := ParseRequest([]byte(s), 0)
	if err != nil {
		t.Fatalf("ParseRequest(%q): %v", s, err)
	}
	if n != len(s) {
		t.Fatalf("ParseRequest(%q): n = %d, want %d", s, n, len(s))
	}
	return r
}

func TestParseRequestFFplay(t *testing.T) {
	b := []byte(ffplayGET + "body or next request")
	r, n, err := ParseRequest(b, 0)
	if err != nil || n != len(ffplayGET) {
		t.Fatalf("ParseRequest = _, %d, %v; want %d, nil", n, err, len(ffplayGET))
	}
	want := &Request{
		Method: "GET", Target: "/live/livestream.flv", Path: "/live/livestream.flv",
		Proto: "HTTP/1.1", Major: 1, Minor: 1,
		Host: "127.0.0.1", Port: "8080",
		Header: Header{
			{"User-Agent", "Lavf/60.16.100"},
			{"Accept", "*/*"},
			{"Range", "bytes=0-"},
			{"Connection", "close"},
			{"Host", "127.0.0.1:8080"},
			{"Icy-MetaData", "1"},
		},
		KeepAlive: false,
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	if got := r.Header.Get("range"); got != "bytes=0-" {
		t.Errorf(`Get("range") = %q`, got)
	}
	if got := r.Header.Get("Origin"); got != "" {
		t.Errorf(`Get("Origin") = %q, want ""`, got)
	}
}

func TestParseRequestFlvjs(t *testing.T) {
	r := mustParse(t, flvjsGET)
	for _, c := range []struct{ name, got, want string }{
		{"Path", r.Path, "/live/livestream.flv"},
		{"RawQuery", r.RawQuery, "token=a%20b&vhost=Example.com"},
		{"Query(token)", r.Query("token"), "a b"},
		{"Query(vhost)", r.Query("vhost"), "Example.com"},
		{"Host", r.Host, "stream.example.com"},
		{"Port", r.Port, ""},
		{"Origin", r.Header.Get("ORIGIN"), "https://player.example.com"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !r.KeepAlive || len(r.Header) != 14 {
		t.Errorf("KeepAlive = %v, %d fields; want true, 14", r.KeepAlive, len(r.Header))
	}
}

func TestParseRequestValid(t *testing.T) {
	// want lists the fields to check, by name, as strings.
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"bare LF", "GET /a HTTP/1.1\nHost: h\n\n",
			map[string]string{"Path": "/a", "Host": "h"}},
		{"mixed CRLF and LF", "GET /a HTTP/1.1\r\nHost: h\n\r\n",
			map[string]string{"Host": "h"}},
		{"leading empty lines", "\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
			map[string]string{"Method": "GET"}},
		{"HTTP/1.0 without Host", "GET /x.flv HTTP/1.0\r\n\r\n",
			map[string]string{"Minor": "0", "Host": "", "KeepAlive": "false", "Header": "[]"}},
		{"HTTP/1.2 is 1.x", "GET / HTTP/1.2\r\nHost: h\r\n\r\n",
			map[string]string{"Minor": "2", "KeepAlive": "true"}},
		{"extension method", "M-SEARCH / HTTP/1.1\r\nHost: h\r\n\r\n",
			map[string]string{"Method": "M-SEARCH"}},
		{"OWS trimmed, empty values", "GET / HTTP/1.1\r\nHost:\th \t\r\nX-Empty:\r\nX-Sp:   \r\n\r\n",
			map[string]string{"Header": "[{Host h} {X-Empty } {X-Sp }]"}},
		{"obs-text in value", "GET / HTTP/1.1\r\nHost: h\r\nX-U: caf\xc3\xa9\r\n\r\n",
			map[string]string{"Header": "[{Host h} {X-U caf\xc3\xa9}]"}},
		{"host lowercased, port split", "GET / HTTP/1.1\r\nHost: Live.Example.COM:1985\r\n\r\n",
			map[string]string{"Host": "live.example.com", "Port": "1985"}},
		{"host with empty port", "GET / HTTP/1.1\r\nHost: h:\r\n\r\n",
			map[string]string{"Host": "h", "Port": ""}},
		{"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
			map[string]string{"Host": ""}},
		{"IPv6 host", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
			map[string]string{"Host": "::1", "Port": "8080"}},
		{"SRS default vhost", "GET / HTTP/1.1\r\nHost: __defaultVhost__\r\n\r\n",
			map[string]string{"Host": "__defaultvhost__"}},
		{"absolute-form overrides Host", "GET http://Origin.Example:8080/live/a.flv?x=1 HTTP/1.1\r\nHost: other\r\n\r\n",
			map[string]string{"Host": "origin.example", "Port": "8080", "Path": "/live/a.flv", "RawQuery": "x=1",
				"Target": "http://Origin.Example:8080/live/a.flv?x=1"}},
		{"absolute-form without path", "GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n",
			map[string]string{"Host": "h", "Path": "/"}},
		{"absolute-form query only", "GET http://h?a=b HTTP/1.0\r\n\r\n",
			map[string]string{"Path": "/", "RawQuery": "a=b"}},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
			map[string]string{"Path": "*", "Host": "h"}},
		{"CONNECT authority-form", "CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n",
			map[string]string{"Host": "h.example", "Port": "443", "Path": ""}},
		{"Content-Length", "POST /api HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n",
			map[string]string{"ContentLength": "42", "Chunked": "false"}},
		{"repeated equal Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\ncontent-length: 007\r\n\r\n",
			map[string]string{"ContentLength": "7"}},
		{"largest Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n",
			map[string]string{"ContentLength": "9223372036854775807"}},
		{"chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n",
			map[string]string{"Chunked": "true", "ContentLength": "-1"}},
		{"unescaped non-ASCII target", "GET /live/\xe6\xb5\x81.flv HTTP/1.1\r\nHost: h\r\n\r\n",
			map[string]string{"Path": "/live/\xe6\xb5\x81.flv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reflect.ValueOf(mustParse(t, tt.in)).Elem()
			for field, want := range tt.want {
				got := fmtValue(r.FieldByName(field))
				if got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
		})
	}
}

// fmtValue formats a Request field for comparison in tables.
func fmtValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int64:
		return itoa(v.Int())
	case reflect.Bool:
		if v.Bool() {
			return "true"
		}
		return "false"
	case reflect.Slice:
		s := "["
		for i := 0; i < v.Len(); i++ {
			f := v.Index(i).Interface().(HeaderField)
			if i > 0 {
				s += " "
			}
			s += "{" + f.Name + " " + f.Value + "}"
		}
		return s + "]"
	}
	panic("unexpected kind " + v.Kind().String())
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestParseRequestInvalid(t *testing.T) {
	const host = "Host: h\r\n"
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty method", " / HTTP/1.1\r\n\r\n", ErrMalformed},
		{"method not token", "GE(T / HTTP/1.1\r\n\r\n", ErrMalformed},
		{"double space", "GET  / HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"trailing space", "GET / HTTP/1.1 \r\n" + host + "\r\n", ErrMalformed},
		{"HTTP/0.9 request", "GET /\r\n\r\n", ErrMalformed},
		{"lowercase version", "GET / http/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"version 1.10", "GET / HTTP/1.10\r\n" + host + "\r\n", ErrMalformed},
		{"HTTP/2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", ErrVersion},
		{"HTTP/0.9 version", "GET / HTTP/0.9\r\n" + host + "\r\n", ErrVersion},
		{"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ErrVersion},
		{"NUL in target", "GET /a\x00b HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"tab in target", "GET /a\tb HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"fragment in target", "GET /a#b HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"relative target", "GET a/b HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"asterisk with GET", "GET * HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"ftp scheme", "GET ftp://h/ HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"absolute-form empty host", "GET http:///a HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"absolute-form userinfo", "GET http://u:p@h/a HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"CONNECT without port", "CONNECT h HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"absolute-form without Host", "GET http://h/ HTTP/1.1\r\n\r\n", ErrMalformed},
		{"bad escape", "GET /a%zz HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"short escape", "GET /a%4 HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"escaped NUL", "GET /a%00b HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"escaped LF", "GET /a%0a HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"bare CR in request-line", "GET /\r HTTP/1.1\r\n" + host + "\r\n", ErrMalformed},
		{"bare CR in field", "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", ErrMalformed},
		{"NUL in field value", "GET / HTTP/1.1\r\n" + host + "X: a\x00b\r\n\r\n", ErrMalformed},
		{"DEL in field value", "GET / HTTP/1.1\r\n" + host + "X: a\x7fb\r\n\r\n", ErrMalformed},
		{"obs-fold", "GET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n", ErrMalformed},
		{"obs-fold with tab", "GET / HTTP/1.1\r\n" + host + "X: a\r\n\tb\r\n\r\n", ErrMalformed},
		{"space before first field", "GET / HTTP/1.1\r\n " + host + "\r\n", ErrMalformed},
		{"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", ErrMalformed},
		{"no colon", "GET / HTTP/1.1\r\n" + host + "X\r\n\r\n", ErrMalformed},
		{"empty name", "GET / HTTP/1.1\r\n" + host + ": v\r\n\r\n", ErrMalformed},
		{"NUL in name", "GET / HTTP/1.1\r\n" + host + "X\x00: v\r\n\r\n", ErrMalformed},
		{"missing Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", ErrMalformed},
		{"duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ErrMalformed},
		{"duplicate identical Host", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", ErrMalformed},
		{"Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", ErrMalformed},
		{"Host with userinfo", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", ErrMalformed},
		{"Host dot-dot", "GET / HTTP/1.1\r\nHost: ..\r\n\r\n", ErrMalformed},
		{"Host bad port", "GET / HTTP/1.1\r\nHost: h:8o\r\n\r\n", ErrMalformed},
		{"Host port too big", "GET / HTTP/1.1\r\nHost: h:65536\r\n\r\n", ErrMalformed},
		{"Host only port", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", ErrMalformed},
		{"Host unclosed IPv6", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", ErrMalformed},
		{"Host junk after IPv6", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", ErrMalformed},
		{"Host not IPv6", "GET / HTTP/1.1\r\nHost: [.:0]:0\r\n\r\n", ErrMalformed},
		{"Host IPv4 in brackets", "GET / HTTP/1.1\r\nHost: [1.2.3.4]\r\n\r\n", ErrMalformed},
		{"Host IPv6 zone", "GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n", ErrMalformed},
		{"conflicting Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n", ErrMalformed},
		{"Content-Length list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1, 1\r\n\r\n", ErrMalformed},
		{"negative Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", ErrMalformed},
		{"signed Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: +1\r\n\r\n", ErrMalformed},
		{"empty Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n", ErrMalformed},
		{"overflowing Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: 9223372036854775808\r\n\r\n", ErrMalformed},
		{"gzip coding", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n", ErrMalformed},
		{"identity coding", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: identity\r\n\r\n", ErrMalformed},
		{"repeated chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", ErrMalformed},
		{"Transfer-Encoding and Content-Length", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", ErrMalformed},
		{"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", ErrMalformed},
		// Other protocols are refused before their bytes could end a head.
		{"TLS ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", ErrMalformed},
		{"RTMP C0C1", "\x03\x00\x00\x00\x00", ErrMalformed},
		{"SSH banner", "SSH-2.0-OpenSSH_9.6\r\n", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, n, err := ParseRequest([]byte(tt.in), 0)
			if !errors.Is(err, tt.want) || r != nil || n != 0 {
				t.Fatalf("ParseRequest(%q) = %v, %d, %v; want nil, 0, %v", tt.in, r, n, err, tt.want)
			}
			if tt.want == ErrMalformed && errors.Is(err, ErrVersion) {
				t.Errorf("error %v is both malformed and version", err)
			}
		})
	}
}

func TestParseRequestPathCleaning(t *testing.T) {
	tests := []struct{ target, path string }{
		{"/", "/"},
		{"/live/a.flv", "/live/a.flv"},
		{"/../../etc/passwd", "/etc/passwd"},
		{"/live/../../../etc/passwd", "/etc/passwd"},
		{"/%2e%2e/%2E%2E/etc/passwd", "/etc/passwd"},
		{"/live/..%2f..%2fetc/passwd", "/etc/passwd"},
		{"/a/./b/../c", "/a/c"},
		{"//a///b", "/a/b"},
		{"/a/b/", "/a/b/"},
		{"/a/b/..", "/a"},
		{"/a/b/../", "/a/"},
		{"/a/.", "/a"},
		{"/..", "/"},
		{"/../", "/"},
		{"/a%20b/c%2Bd+e", "/a b/c+d+e"},
		{"/a%2fb", "/a/b"},
		{"/%E6%B5%81.flv", "/\xe6\xb5\x81.flv"},
		{"/...", "/..."},
		{"/a..b/.c", "/a..b/.c"},
		{`/a\..\b`, `/a\..\b`}, // backslash is no separator on Unix
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r := mustParse(t, "GET "+tt.target+"?q HTTP/1.1\r\nHost: h\r\n\r\n")
			if r.Path != tt.path || r.RawQuery != "q" || r.Target != tt.target+"?q" {
				t.Errorf("Path, RawQuery, Target = %q, %q, %q; want %q, %q, %q",
					r.Path, r.RawQuery, r.Target, tt.path, "q", tt.target+"?q")
			}
		})
	}
}

func TestParseRequestKeepAlive(t *testing.T) {
	tests := []struct {
		proto, connection string
		want              bool
	}{
		{"HTTP/1.1", "", true},
		{"HTTP/1.1", "keep-alive", true},
		{"HTTP/1.1", "close", false},
		{"HTTP/1.1", "Close", false},
		{"HTTP/1.1", "Upgrade, close", false},
		{"HTTP/1.1", "keep-alive, close", false},
		{"HTTP/1.1", "closed", true},
		{"HTTP/1.0", "", false},
		{"HTTP/1.0", "Keep-Alive", true},
		{"HTTP/1.0", "TE ,keep-alive", true},
		{"HTTP/1.0", "keep-alive, close", false},
		{"HTTP/1.0", "close", false},
	}
	for _, tt := range tests {
		head := "GET / " + tt.proto + "\r\nHost: h\r\n"
		if tt.connection != "" {
			head += "Connection: " + tt.connection + "\r\n"
		}
		if r := mustParse(t, head+"\r\n"); r.KeepAlive != tt.want {
			t.Errorf("%s with Connection %q: KeepAlive = %v, want %v", tt.proto, tt.connection, r.KeepAlive, tt.want)
		}
	}

	// Connection options in separate lines combine.
	if r := mustParse(t, "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"); r.KeepAlive {
		t.Error("keep-alive and close in two lines: KeepAlive = true")
	}
}

// TestParseRequestIncremental feeds requests one byte at a time, as a slow
// client (or a slowloris attack) does.
func TestParseRequestIncremental(t *testing.T) {
	for _, in := range []string{
		ffplayGET,
		flvjsGET,
		"\r\nGET / HTTP/1.0\n\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX:\r\n\r\n",
	} {
		b := []byte(in + "NEXT")
		for i := 0; i < len(in); i++ {
			if r, n, err := ParseRequest(b[:i], 0); err != ErrIncomplete || r != nil || n != 0 {
				t.Fatalf("ParseRequest(%q) = %v, %d, %v; want ErrIncomplete", b[:i], r, n, err)
			}
		}
		for i := len(in); i <= len(b); i++ {
			if _, n, err := ParseRequest(b[:i], 0); err != nil || n != len(in) {
				t.Fatalf("ParseRequest(%q) = %d, %v; want %d, nil", b[:i], n, err, len(in))
			}
		}
	}
}

func TestParseRequestSizeLimit(t *testing.T) {
	head := []byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if _, n, err := ParseRequest(head, len(head)); err != nil || n != len(head) {
		t.Errorf("head at the limit: %d, %v", n, err)
	}
	if _, _, err := ParseRequest(head, len(head)-1); !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("head over the limit: %v, want ErrHeaderTooLarge", err)
	}

	// A head that never ends is refused when it reaches the limit, and
	// stays refused however many bytes follow.
	const limit = 64
	dribble := []byte("GET /live/a.flv HTTP/1.1\r\n" + strings.Repeat("X-Pad: slowloris\r\n", 10))
	for i := 0; i <= len(dribble); i++ {
		_, _, err := ParseRequest(dribble[:i], limit)
		want := ErrIncomplete
		if i >= limit {
			want = ErrHeaderTooLarge
		}
		if !errors.Is(err, want) {
			t.Fatalf("%d bytes: %v, want %v", i, err, want)
		}
	}

	// The same with the default limit.
	long := []byte("GET /" + strings.Repeat("a", DefaultMaxHeaderBytes))
	if _, _, err := ParseRequest(long[:DefaultMaxHeaderBytes-1], 0); err != ErrIncomplete {
		t.Errorf("long request-line under the default limit: %v", err)
	}
	if _, _, err := ParseRequest(long, 0); !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("long request-line over the default limit: %v", err)
	}
}

func TestParserMaxHeaders(t *testing.T) {
	p := Parser{MaxHeaders: 3}
	head := "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n"
	r, _, err := p.Parse([]byte(head + "\r\n"))
	if err != nil || len(r.Header) != 3 || cap(r.Header) != 3 {
		t.Fatalf("3 fields: %v, %v", r, err)
	}

	// The fourth field is refused as soon as its line ends.
	if _, _, err := p.Parse([]byte(head + "C: 3\r\n")); !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("4 fields: %v, want ErrHeaderTooLarge", err)
	}

	many := "GET / HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X: y\r\n", DefaultMaxHeaders)
	if _, _, err := ParseRequest([]byte(many+"\r\n"), 1<<20); !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("%d fields: %v, want ErrHeaderTooLarge", DefaultMaxHeaders+1, err)
	}
}

func TestParseRequestPipelined(t *testing.T) {
	b := []byte("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n")
	r1, n1, err1 := ParseRequest(b, 0)
	r2, n2, err2 := ParseRequest(b[n1:], 0)
	if err1 != nil || err2 != nil || r1.Path != "/1" || r2.Path != "/2" || n1+n2 != len(b) {
		t.Errorf("pipelined: %v %v %v %v %d+%d", r1, err1, r2, err2, n1, n2)
	}
}

func TestParseRequestDoesNotRetainInput(t *testing.T) {
	b := []byte(ffplayGET)
	r, _, err := ParseRequest(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 'x'
	}
	if r.Path != "/live/livestream.flv" || r.Header.Get("User-Agent") != "Lavf/60.16.100" {
		t.Errorf("request changed with its input: %+v", r)
	}
}

func TestParseRequestAllocs(t *testing.T) {
	for _, in := range []string{ffplayGET, flvjsGET} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { ParseRequest(b, 0) }); n > 3 {
			t.Errorf("complete head: %v allocs, want <= 3", n)
		}
		partial := b[:len(b)-1]
		if n := testing.AllocsPerRun(100, func() { ParseRequest(partial, 0) }); n != 0 {
			t.Errorf("incomplete head: %v allocs, want 0", n)
		}
	}
}

func TestQuery(t *testing.T) {
	r := &Request{RawQuery: "a=1&b=x+y&a=2&c&d=%zz&d=ok&e%20f=%2B&=empty&g="}
	for _, tt := range []struct{ key, want string }{
		{"a", "1"},
		{"b", "x y"},
		{"c", ""},
		{"d", "ok"},
		{"e f", "+"},
		{"", "empty"},
		{"g", ""},
		{"missing", ""},
	} {
		if got := r.Query(tt.key); got != tt.want {
			t.Errorf("Query(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	if got := new(Request).Query("a"); got != "" {
		t.Errorf("Query on empty RawQuery = %q", got)
	}
}

func TestStatusForError(t *testing.T) {
	_, _, errMalformed := ParseRequest([]byte("GET / HTTP/1.1\r\n\r\n"), 0)
	_, _, errVersion := ParseRequest([]byte("GET / HTTP/3.0\r\n\r\n"), 0)
	_, _, errTooLarge := ParseRequest([]byte("GET / HTTP/1.1\r\n"), 4)
	for _, tt := range []struct {
		err  error
		want int
	}{
		{errMalformed, 400},
		{errVersion, 505},
		{errTooLarge, 431},
		{ErrIncomplete, 0},
		{nil, 0},
		{errors.New("other"), 500},
	} {
		if got := StatusForError(tt.err); got != tt.want {
			t.Errorf("StatusForError(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	const msg = "http1: malformed request: missing Host header in HTTP/1.1 request"
	if errMalformed.Error() != msg {
		t.Errorf("error text %q, want %q", errMalformed, msg)
	}
}
