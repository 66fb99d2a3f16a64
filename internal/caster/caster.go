// Package caster holds what the stream casters share: the output URL a
// stream_caster publishes to. Each caster lives in its own package below
// (udpts, flvpost, rtsp, srt) and publishes through session.Host, so
// admission, the API and the outputs are those of an RTMP publish.
package caster

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cascade-live/cascade/internal/session"
)

// ErrBadOutput reports an output URL that names no stream.
var ErrBadOutput = errors.New("caster: output URL names no app/stream")

// Target returns the request publishing to output, an rtmp:// URL in which
// [app] and [stream] are replaced with app and stream, as SRS does. The
// vhost is the URL's vhost parameter, else its host. param, the client's
// own query ("?a=b" or ""), is added to the URL's for on_publish.
func Target(output, app, stream, param string) (session.Request, error) {
	s := strings.NewReplacer("[app]", app, "[stream]", stream).Replace(output)
	u, err := url.Parse(s)
	if err != nil {
		return session.Request{}, fmt.Errorf("caster: output %q: %w", s, err)
	}
	p := strings.Trim(u.Path, "/")
	i := strings.LastIndexByte(p, '/')
	if i <= 0 || i == len(p)-1 {
		return session.Request{}, fmt.Errorf("caster: output %q: %w", s, ErrBadOutput)
	}
	req := session.Request{App: p[:i], Stream: p[i+1:], Vhost: u.Hostname()}
	q := u.Query()
	if v := q.Get("vhost"); v != "" {
		req.Vhost = v
	}
	req.TcURL = "rtmp://" + u.Host + "/" + req.App
	query := u.RawQuery
	if extra := strings.TrimPrefix(param, "?"); extra != "" {
		if query != "" {
			query += "&"
		}
		query += extra
	}
	if query != "" {
		req.Param = "?" + query
	}
	return req, nil
}

// SplitPath splits a request path "/app/stream.ext" into app and stream
// (without the extension); app may hold slashes.
func SplitPath(p string) (app, stream string, ok bool) {
	p = strings.Trim(p, "/")
	i := strings.LastIndexByte(p, '/')
	if i <= 0 || i == len(p)-1 {
		return "", "", false
	}
	app, stream = p[:i], p[i+1:]
	if j := strings.LastIndexByte(stream, '.'); j > 0 {
		stream = stream[:j]
	}
	return app, stream, true
}
