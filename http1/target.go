package http1

import (
	"net/netip"
	"path"
	"strings"
)

// parseTarget sets r.Path and r.RawQuery from r.Target and, for the
// absolute and authority forms, r.Host and r.Port. It reports whether the
// target carried an authority.
func (r *Request) parseTarget() (hasAuthority bool, err error) {
	t := r.Target
	switch {
	case t[0] == '/': // origin-form
	case t == "*" && r.Method == "OPTIONS": // asterisk-form
		r.Path = "*"
		return false, nil
	case r.Method == "CONNECT": // authority-form
		if r.Host, r.Port, err = parseAuthority(t); err != nil {
			return false, err
		}
		if r.Host == "" || r.Port == "" {
			return false, errTarget
		}
		return true, nil
	default: // absolute-form
		rest, ok := cutSchemePrefix(t)
		if !ok {
			return false, errTarget
		}
		end := strings.IndexAny(rest, "/?")
		if end < 0 {
			end = len(rest)
		}
		if r.Host, r.Port, err = parseAuthority(rest[:end]); err != nil {
			return false, err
		}
		if r.Host == "" {
			return false, errHost
		}
		hasAuthority, t = true, rest[end:]
	}

	rawPath, query, _ := strings.Cut(t, "?")
	r.RawQuery = query
	if rawPath == "" {
		r.Path = "/"
		return hasAuthority, nil
	}
	p, err := unescapePath(rawPath)
	if err != nil {
		return false, err
	}
	r.Path = cleanPath(p)
	return hasAuthority, nil
}

// cutSchemePrefix removes a case-insensitive "http://" or "https://".
func cutSchemePrefix(t string) (rest string, ok bool) {
	for _, scheme := range [...]string{"http://", "https://"} {
		if len(t) >= len(scheme) && equalFold(t[:len(scheme)], scheme) {
			return t[len(scheme):], true
		}
	}
	return t, false
}

// parseAuthority splits "host[:port]" as found in a Host header or a
// target. The host is a bracketed IPv6 address or a name or IPv4 address
// of unreserved characters (letters, digits, "-._~") not starting with
// ".", so it is safe to use as a path element (vhost directories). It is
// returned lower-cased and without brackets. An empty authority gives an
// empty host.
func parseAuthority(a string) (host, port string, err error) {
	if a == "" {
		return "", "", nil
	}
	if strings.IndexByte(a, '@') >= 0 {
		return "", "", errUserinfo // RFC 9110 §4.2.4
	}
	var rest string
	if a[0] == '[' {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", errHost
		}
		host, rest = a[1:end], a[end+1:]
		if !validIPv6(host) {
			return "", "", errHost
		}
	} else {
		host, rest = a, ""
		if i := strings.IndexByte(a, ':'); i >= 0 {
			host, rest = a[:i], a[i:]
		}
		if host == "" || host[0] == '.' || !validRegName(host) {
			return "", "", errHost
		}
	}
	if rest != "" {
		if rest[0] != ':' {
			return "", "", errHost
		}
		port = rest[1:]
		if !validPort(port) {
			return "", "", errPort
		}
	}
	return toLower(host), port, nil
}

func validRegName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) ||
			c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// validIPv6 reports whether s is an IPv6 address without a zone.
func validIPv6(s string) bool {
	ip, err := netip.ParseAddr(s)
	return err == nil && ip.Is6() && ip.Zone() == ""
}

// validPort accepts *DIGIT up to 65535; an empty port means the default.
func validPort(s string) bool {
	if len(s) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= 65535
}

// unescapePath decodes percent-escapes in a path, allocating only if there
// are any. It refuses invalid escapes and escaped control bytes.
func unescapePath(s string) (string, error) {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, nil
	}
	b := make([]byte, i, len(s))
	copy(b, s)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) {
				return "", errEscape
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", errEscape
			}
			c = hi<<4 | lo
			if c < ' ' || c == 0x7f {
				return "", errPathControl
			}
			i += 2
		}
		b = append(b, c)
	}
	return string(b), nil
}

// cleanPath returns the shortest equivalent of the rooted path p as
// path.Clean does, but keeps a trailing slash, which names a directory.
// It allocates only if p is not already clean.
func cleanPath(p string) string {
	if isCleanPath(p) {
		return p
	}
	c := path.Clean(p)
	if p[len(p)-1] == '/' && c != "/" {
		c += "/"
	}
	return c
}

// isCleanPath reports whether the path p, which starts with "/", has no
// empty, "." or ".." segments other than an empty last one.
func isCleanPath(p string) bool {
	for i := 0; i < len(p); {
		// p[i] == '/'; find the segment after it.
		j := strings.IndexByte(p[i+1:], '/')
		if j < 0 {
			seg := p[i+1:]
			return seg != "." && seg != ".."
		}
		seg := p[i+1 : i+1+j]
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		i += 1 + j
	}
	return true
}
