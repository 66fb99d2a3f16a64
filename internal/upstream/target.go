package upstream

import (
	"net"
	"net/url"
	"strings"
)

// DefaultVhost is SRS's name for the vhost that takes every other name; it
// is never written into an upstream URL.
const DefaultVhost = "__defaultVhost__"

// Target is what to pull from or push to, and where.
type Target struct {
	Server string // host:port (RTMP port, or HTTP port for FLV)
	Vhost  string // vhost to ask the upstream for; "" or the default vhost: none
	App    string
	Stream string
	Param  string // the client's query with its "?", passed on (tokens)
	// TcURL, when set, is the tcUrl sent in connect instead of the one
	// built from Server/App/Vhost: token_traverse passes the client's own.
	TcURL string
}

// vhostQuery is "?vhost=…" (SRS's way to name a vhost an IP address does
// not), or "" for the default vhost.
func (t Target) vhostQuery() string {
	if t.Vhost == "" || t.Vhost == DefaultVhost || t.Vhost == hostOnly(t.Server) {
		return ""
	}
	return "?vhost=" + url.QueryEscape(t.Vhost)
}

// RTMPURL is rtmp://server/app/stream, what the client dials.
func (t Target) RTMPURL() string {
	return "rtmp://" + t.Server + "/" + t.App + "/" + t.Stream
}

// ConnectTcURL is the tcUrl of the connect command: TcURL when set, else
// rtmp://server/app[?vhost=…] (SRS's edge names the vhost this way, which
// any SRS-like server parses).
func (t Target) ConnectTcURL() string {
	if t.TcURL != "" {
		return t.TcURL
	}
	return "rtmp://" + t.Server + "/" + t.App + t.vhostQuery()
}

// FLVURL is http://server/app/stream.flv[?param][&vhost=…].
func (t Target) FLVURL() string {
	q := strings.TrimPrefix(t.Param, "?")
	if vq := strings.TrimPrefix(t.vhostQuery(), "?"); vq != "" {
		if q != "" {
			q += "&"
		}
		q += vq
	}
	u := "http://" + t.Server + "/" + t.App + "/" + t.Stream + ".flv"
	if q != "" {
		u += "?" + q
	}
	return u
}

// String names the stream for logs.
func (t Target) String() string {
	return t.Server + "/" + t.App + "/" + t.Stream
}

// withRedirect returns t pointed at the server of an RTMP redirect URL
// (rtmp://host[:port]/app… as SRS's ex.redirect or ex.redirect2).
func (t Target) withRedirect(raw string) (Target, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "rtmp" || u.Host == "" {
		return t, false
	}
	t.Server = u.Host
	if u.Port() == "" {
		t.Server = net.JoinHostPort(u.Hostname(), "1935")
	}
	t.TcURL = ""
	return t, true
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
