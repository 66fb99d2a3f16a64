package http1

import "strings"

// A Request is a parsed request head. All its strings are slices of one
// copy of the head, so it does not refer to the caller's buffer.
type Request struct {
	Method string // e.g. "GET"; any valid token, case-sensitive
	Target string // request-target exactly as received

	// Path is the decoded, cleaned path of Target: percent-escapes are
	// decoded (including %2F), then dot segments and repeated slashes are
	// removed as by path.Clean, so the result always starts with "/" and
	// never climbs above it. A trailing slash is kept. Path is "*" for
	// "OPTIONS *" and empty for CONNECT.
	Path string

	RawQuery string // Target after "?", still encoded; see [Request.Query]

	Proto string // "HTTP/1.0", "HTTP/1.1"
	Major int    // always 1
	Minor int

	// Host and Port come from the Host header, or from the target in the
	// absolute form ("GET http://host/path"), which overrides the header.
	// Host is lower-cased and has no brackets around an IPv6 address; both
	// are empty when the request has no host (HTTP/1.0 without Host).
	Host string
	Port string

	Header Header // header fields in the order received

	// ContentLength is the body length: 0 when there is no body, -1 when
	// Chunked.
	ContentLength int64
	Chunked       bool // Transfer-Encoding: chunked

	// KeepAlive reports whether the connection may stay open after the
	// response: by default in HTTP/1.1 unless the client sent
	// "Connection: close", in HTTP/1.0 only with "Connection: keep-alive".
	KeepAlive bool
}

// A HeaderField is one field line, name as received and value with
// surrounding whitespace removed.
type HeaderField struct {
	Name, Value string
}

// Header is a request's header fields in the order received.
type Header []HeaderField

// Get returns the value of the first field named name, compared without
// regard to case, or "" if there is none.
func (h Header) Get(name string) string {
	for _, f := range h {
		if equalFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Query returns the first value of key in r.RawQuery, decoded as in
// application/x-www-form-urlencoded ("+" is a space), or "" if key is
// absent. Pairs with invalid percent-escapes are skipped.
func (r *Request) Query(key string) string {
	q := r.RawQuery
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(pair, "=")
		if k, ok := unescapeQuery(k); !ok || k != key {
			continue
		}
		if v, ok := unescapeQuery(v); ok {
			return v
		}
	}
	return ""
}

// unescapeQuery decodes a query component, allocating only if it has
// escapes.
func unescapeQuery(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) {
				return "", false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", false
			}
			b = append(b, hi<<4|lo)
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}
