// Package streamreq is what a client asked for: the tcUrl, app and stream
// name SRS identifies a stream by, with their query, and how callbacks
// describe the client and its stream.
package streamreq

import (
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/netpoll"
)

// DefaultVhost is SRS's name for the vhost that takes every other name.
const DefaultVhost = "__defaultVhost__"

// Request is what a client asked for: the parts SRS identifies a
// stream by, and the query it passed (tokens and vhost hints).
type Request struct {
	TcURL  string
	Host   string // host of the tcUrl or the HTTP Host header
	Vhost  string // requested vhost (from ?vhost=, ?domain= or the host)
	App    string
	Stream string
	Param  string // the query string, with its "?", as SRS's callbacks pass it
}

// StreamURL is the stream's address as SRS prints it (vhost/app/stream
// without the default vhost).
func (r *Request) StreamURL() string {
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

// Parse takes the connect command's tcUrl and app (either may carry a
// query, as some encoders put ?vhost=… in the app).
func Parse(tcURL, app string) Request {
	req := Request{TcURL: tcURL}
	app, appQuery := splitQuery(app)
	req.App = strings.Trim(app, "/")
	rest := tcURL
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	hostport, path, _ := strings.Cut(rest, "/")
	req.Host = HostOnly(hostport)
	_, tcQuery := splitQuery(path)
	if req.App == "" {
		p, _ := splitQuery(path)
		req.App = strings.Trim(p, "/")
	}
	req.Vhost = req.Host
	for _, q := range []string{tcQuery, appQuery} {
		if v := VhostParam(q); v != "" {
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

// SetStream applies a publish/play name (which may carry its own query).
func (r *Request) SetStream(name string) {
	name, q := splitQuery(name)
	r.Stream = strings.Trim(name, "/")
	if q != "" {
		r.Param = "?" + q
		if v := VhostParam(q); v != "" {
			r.Vhost = v
		}
	}
}

// VhostParam is the vhost a query names (vhost= or domain=), or "".
func VhostParam(query string) string {
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

// HostOnly is hostport without its port and brackets.
func HostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// ClientIP is the client's address for security rules and callbacks.
func ClientIP(c *netpoll.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if a, ok := netip.AddrFromSlice(ta.IP); ok {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}

// HookConn is the part of every callback that describes the connection.
func HookConn(c *netpoll.Conn, req *Request) hooks.Conn {
	return hooks.Conn{ClientID: c.ID, IP: ClientIP(c).String(), Vhost: req.Vhost, App: req.App}
}

// StreamEvent is the body of a stream's publish, unpublish and stop
// events (hooks.OnUnpublish and hooks.OnStop convert from it).
func StreamEvent(conn hooks.Conn, req *Request, streamID string) hooks.OnPublish {
	return hooks.OnPublish{Conn: conn, TcURL: req.TcURL, Stream: req.Stream, Param: req.Param,
		StreamURL: req.StreamURL(), StreamID: streamID}
}

// PlayEvent is the body of a play event.
func PlayEvent(conn hooks.Conn, req *Request, pageURL, streamID string) hooks.OnPlay {
	return hooks.OnPlay{Conn: conn, Stream: req.Stream, TcURL: req.TcURL, Param: req.Param, PageURL: pageURL,
		StreamURL: req.StreamURL(), StreamID: streamID}
}
