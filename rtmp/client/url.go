package client

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultPort is the RTMP port used when the URL has none.
const DefaultPort = "1935"

// URL is a parsed rtmp://host[:port]/app[/instance]/stream[?query] URL.
type URL struct {
	Host   string // host:port, with the default port filled in
	App    string // every path segment but the last, "app" or "app/instance"
	Stream string // the last path segment, with the query if any
	// TcURL is the tcUrl of the connect command: rtmp://host[:port]/app as
	// written in the URL (without a default port added), with the query
	// when the URL names no stream.
	TcURL string
}

// ParseURL parses an RTMP URL. A URL with a single path segment names the
// app and no stream.
func ParseURL(raw string) (*URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("rtmp client: parse URL: %w", err)
	}
	if u.Scheme != "rtmp" {
		return nil, fmt.Errorf("rtmp client: URL %q: scheme %q is not rtmp", raw, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("rtmp client: URL %q has no host", raw)
	}
	path := strings.Trim(u.Path, "/")
	if path == "" {
		return nil, fmt.Errorf("rtmp client: URL %q has no app", raw)
	}
	p := &URL{Host: u.Host}
	if u.Port() == "" {
		p.Host = net.JoinHostPort(u.Hostname(), DefaultPort)
	}
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		p.App, p.Stream = path[:i], path[i+1:]
	} else {
		p.App = path
	}
	p.TcURL = "rtmp://" + u.Host + "/" + p.App
	switch {
	case u.RawQuery == "":
	case p.Stream == "":
		// No stream to carry it: the query goes with the app, in the
		// tcUrl (SRS's bandwidth check reads its key there).
		p.TcURL += "?" + u.RawQuery
	default:
		p.Stream += "?" + u.RawQuery
	}
	return p, nil
}
