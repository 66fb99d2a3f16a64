package server

import (
	"net"
	"net/url"
	"strings"
)

// DefaultVhost is SRS's name for the vhost that takes every other name.
const DefaultVhost = "__defaultVhost__"

// StreamRequest is what a client asked for: the parts SRS identifies a
// stream by, and the query it passed (tokens and vhost hints).
type StreamRequest struct {
	TcURL  string
	Host   string // host of the tcUrl or the HTTP Host header
	Vhost  string // requested vhost (from ?vhost=, ?domain= or the host)
	App    string
	Stream string
	Param  string // the query string, with its "?", as SRS's callbacks pass it
}

// StreamURL is the stream's address as SRS prints it (vhost/app/stream
// without the default vhost).
func (r *StreamRequest) StreamURL() string {
	if r.Vhost == "" || r.Vhost == DefaultVhost {
		return "/" + r.App + "/" + r.Stream
	}
	return r.Vhost + "/" + r.App + "/" + r.Stream
}

// splitQuery cuts "name?query" into its parts.
func splitQuery(s string) (name, query string) {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// parseTcURL takes the connect command's tcUrl and app (either may carry a
// query, as some encoders put ?vhost=… in the app).
func parseTcURL(tcURL, app string) StreamRequest {
	req := StreamRequest{TcURL: tcURL}
	app, appQuery := splitQuery(app)
	req.App = strings.Trim(app, "/")
	rest := tcURL
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	hostport, path, _ := strings.Cut(rest, "/")
	req.Host = hostOnly(hostport)
	_, tcQuery := splitQuery(path)
	if req.App == "" {
		p, _ := splitQuery(path)
		req.App = strings.Trim(p, "/")
	}
	req.Vhost = req.Host
	for _, q := range []string{tcQuery, appQuery} {
		if v := vhostParam(q); v != "" {
			req.Vhost = v
		}
		if q != "" && req.Param == "" {
			req.Param = "?" + q
		}
	}
	// Some clients (SRS's own convention) pass the vhost as "...vhost...":
	// rtmp://ip/app...vhost...name
	if a, v, ok := strings.Cut(req.App, "...vhost..."); ok {
		req.App, req.Vhost = a, v
	}
	return req
}

// setStream applies a publish/play name (which may carry its own query).
func (r *StreamRequest) setStream(name string) {
	name, q := splitQuery(name)
	r.Stream = strings.Trim(name, "/")
	if q != "" {
		r.Param = "?" + q
		if v := vhostParam(q); v != "" {
			r.Vhost = v
		}
	}
}

func vhostParam(query string) string {
	if query == "" {
		return ""
	}
	v, err := url.ParseQuery(query)
	if err != nil {
		return ""
	}
	if s := v.Get("vhost"); s != "" {
		return s
	}
	return v.Get("domain")
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}
