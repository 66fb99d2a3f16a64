package http1

import (
	"bytes"
	"strings"
)

// Default limits of a [Parser].
const (
	DefaultMaxHeaderBytes = 8 << 10 // bytes of head, request-line included
	DefaultMaxHeaders     = 100     // header field lines
)

// A Parser parses request heads under configurable limits. The zero value
// uses the defaults. A Parser is not modified by parsing and may be shared.
type Parser struct {
	// MaxHeaderBytes bounds the head, from the first byte to the end of
	// the empty line that ends it. Zero or negative means
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int

	// MaxHeaders bounds the number of header field lines. Zero or negative
	// means DefaultMaxHeaders.
	MaxHeaders int
}

// ParseRequest parses one request head from the start of b with the
// default field limit and a head limit of maxHeaderBytes (the default if
// maxHeaderBytes <= 0). See [Parser.Parse].
func ParseRequest(b []byte, maxHeaderBytes int) (req *Request, n int, err error) {
	p := Parser{MaxHeaderBytes: maxHeaderBytes}
	return p.Parse(b)
}

// Parse parses one request head from the start of b and returns it with
// the number of bytes it occupies; a body or a pipelined request may follow
// at b[n:]. Parse does not retain b.
//
// If b holds only the beginning of a head, Parse returns [ErrIncomplete]
// and the caller parses again with more bytes. A head that grows past the
// limits is refused with [ErrHeaderTooLarge] before it ends, so a client
// cannot make the caller buffer more than MaxHeaderBytes. Other errors wrap
// [ErrMalformed] or [ErrVersion]. On error n is 0.
func (p *Parser) Parse(b []byte) (req *Request, n int, err error) {
	maxBytes, maxFields := p.MaxHeaderBytes, p.MaxHeaders
	if maxBytes <= 0 {
		maxBytes = DefaultMaxHeaderBytes
	}
	if maxFields <= 0 {
		maxFields = DefaultMaxHeaders
	}
	n, fields, err := findHead(b, maxBytes, maxFields)
	if err != nil {
		return nil, 0, err
	}
	req, err = parseHead(string(b[:n]), fields)
	if err != nil {
		return nil, 0, err
	}
	return req, n, nil
}

// findHead finds the end of the head at the start of b without parsing it.
// It returns the head's length and its number of header fields, or
// ErrIncomplete, or an error if b already cannot begin a valid head.
func findHead(b []byte, maxBytes, maxFields int) (n, fields int, err error) {
	scan := b
	if len(scan) > maxBytes {
		scan = scan[:maxBytes]
	}
	start := -1 // start of the request-line, once seen
	lines := 0  // non-empty lines
	for i := 0; ; {
		j := bytes.IndexByte(scan[i:], '\n')
		if j < 0 {
			break
		}
		next := i + j + 1
		line := scan[i : i+j]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			if lines > 0 {
				return next, lines - 1, nil
			}
			// RFC 9112 §2.2: ignore empty lines before the request-line.
		} else {
			if lines == 0 {
				start = i
			}
			lines++
			if lines-1 > maxFields {
				return 0, 0, errTooManyFields
			}
		}
		i = next
	}
	if len(b) >= maxBytes {
		return 0, 0, errTooLong
	}
	if start < 0 {
		// Only empty lines so far; the request-line begins after them.
		start = len(b)
		for start > 0 && b[start-1] != '\n' {
			start--
		}
	}
	if err := checkMethodPrefix(b[start:]); err != nil {
		return 0, 0, err
	}
	return 0, 0, ErrIncomplete
}

// checkMethodPrefix refuses early what cannot begin a request-line: a
// non-token byte before the first space, or a line that ends without one.
// This turns away TLS, RTMP and other protocols sent to an HTTP port
// without waiting for a head that will never come.
func checkMethodPrefix(b []byte) error {
	for i, c := range b {
		switch {
		case c == ' ':
			if i == 0 {
				return errRequestLine
			}
			return nil
		case tokenChars[c]:
		case c == '\r' && i == len(b)-1:
			// Maybe the CR of an empty line; wait for the LF.
		default:
			return errMethod
		}
	}
	return nil
}

// nextLine returns the line of s starting at i, without its terminator,
// and the index of the line after it. s must hold a LF after i.
func nextLine(s string, i int) (line string, next int) {
	j := strings.IndexByte(s[i:], '\n')
	line, next = s[i:i+j], i+j+1
	if line != "" && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, next
}

// parseHead parses a complete head s holding the given number of fields.
func parseHead(s string, fields int) (*Request, error) {
	var line string
	i := 0
	for line == "" {
		line, i = nextLine(s, i)
	}
	if strings.IndexByte(line, '\r') >= 0 {
		return nil, errBareCR
	}
	req := &Request{Header: make(Header, 0, fields)}
	if err := req.parseRequestLine(line); err != nil {
		return nil, err
	}

	var (
		host                 string
		hosts                int
		length               int64 = -1
		connClose, keepAlive bool
	)
	for {
		line, i = nextLine(s, i)
		if line == "" {
			break
		}
		if strings.IndexByte(line, '\r') >= 0 {
			return nil, errBareCR
		}
		f, err := parseFieldLine(line)
		if err != nil {
			return nil, err
		}
		req.Header = append(req.Header, f)
		switch {
		case equalFold(f.Name, "Host"):
			host = f.Value
			hosts++
		case equalFold(f.Name, "Content-Length"):
			n, err := parseContentLength(f.Value)
			if err != nil {
				return nil, err
			}
			if length >= 0 && n != length {
				return nil, errConflictLength
			}
			length = n
		case equalFold(f.Name, "Transfer-Encoding"):
			if req.Chunked {
				return nil, errRepeatedTE
			}
			if !equalFold(f.Value, "chunked") {
				return nil, errTransferCoding
			}
			req.Chunked = true
		case equalFold(f.Name, "Connection"):
			connClose = connClose || hasToken(f.Value, "close")
			keepAlive = keepAlive || hasToken(f.Value, "keep-alive")
		}
	}

	switch {
	case hosts > 1:
		return nil, errDuplicateHost
	case req.Chunked && length >= 0:
		return nil, errTEWithLength
	case req.Chunked && req.Minor == 0:
		return nil, errTEInHTTP10
	case req.Chunked:
		req.ContentLength = -1
	case length > 0:
		req.ContentLength = length
	}
	if req.Minor == 0 {
		req.KeepAlive = keepAlive && !connClose
	} else {
		req.KeepAlive = !connClose
	}

	hasAuthority, err := req.parseTarget()
	if err != nil {
		return nil, err
	}
	switch {
	case hosts == 0 && req.Minor > 0:
		// RFC 9112 §3.2, whatever the form of the target.
		return nil, errMissingHost
	case hasAuthority:
		// RFC 9112 §3.2.2: the target's authority replaces the Host header.
	case hosts == 1:
		if req.Host, req.Port, err = parseAuthority(host); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// parseRequestLine parses "method SP request-target SP HTTP-version".
func (r *Request) parseRequestLine(line string) error {
	method, rest, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || target == "" {
		return errRequestLine
	}
	if !isToken(method) {
		return errMethod
	}
	for i := 0; i < len(target); i++ {
		if !isTargetByte(target[i]) {
			return errTargetByte
		}
	}
	// HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive.
	if len(proto) != len("HTTP/1.1") || proto[:5] != "HTTP/" ||
		!isDigit(proto[5]) || proto[6] != '.' || !isDigit(proto[7]) {
		return errVersionSyntax
	}
	if proto[5] != '1' {
		return errVersion
	}
	r.Method, r.Target, r.Proto = method, target, proto
	r.Major, r.Minor = 1, int(proto[7]-'0')
	return nil
}

// parseFieldLine parses "field-name ":" OWS field-value OWS".
func parseFieldLine(line string) (HeaderField, error) {
	if line[0] == ' ' || line[0] == '\t' {
		return HeaderField{}, errObsFold
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return HeaderField{}, errFieldNoColon
	}
	if !isToken(name) {
		return HeaderField{}, errFieldName
	}
	value = trimOWS(value)
	for i := 0; i < len(value); i++ {
		if !isFieldValueByte(value[i]) {
			return HeaderField{}, errFieldValue
		}
	}
	return HeaderField{Name: name, Value: value}, nil
}

// parseContentLength parses 1*DIGIT. Several Content-Length lines with
// the same value are accepted by the caller (RFC 9110 §8.6); a comma list
// in one line is not.
func parseContentLength(v string) (int64, error) {
	if v == "" {
		return 0, errContentLength
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isDigit(c) || n > (1<<63-1-int64(c-'0'))/10 {
			return 0, errContentLength
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}
