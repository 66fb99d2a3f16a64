package hooks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	// DefaultNotifyRead is how much of an on_hls_notify answer is read,
	// SRS's default hls_nb_notify.
	DefaultNotifyRead = 64
	// NotifyTimeout bounds an on_hls_notify call, as SRS_HLS_NOTIFY_TIMEOUT
	// does; a shorter Options.Timeout wins.
	NotifyTimeout = 10 * time.Second
)

// HLSNotify is what on_hls_notify tells about a new HLS segment, through the
// placeholders of its URL templates.
type HLSNotify struct {
	App    string // [app]
	Stream string // [stream]
	Param  string // [param], the query with its "?", or ""
	// TSURL is the segment's URI as written in the playlist, for [ts_url].
	// When it is an http(s) URL, SRS GETs it in place of the template.
	TSURL string
	// ReadLimit is how many bytes of the answer to read before closing,
	// the vhost's hls_nb_notify; 0 means DefaultNotifyRead.
	ReadLimit int
}

// Notify GETs each of the on_hls_notify URL templates in turn, on the
// worker pool, with the placeholders [server_id], [service_id], [app],
// [stream], [param] and [ts_url] replaced. Like SRS it reads at most
// n.ReadLimit bytes of each answer and takes any answer, whatever its
// status, as done; a URL that cannot be reached ends the chain with an
// *Error. done is called as by Go, and may be nil.
func (c *Client) Notify(templates []string, n HLSNotify, done func(error)) {
	if len(templates) == 0 {
		finish(done, nil)
		return
	}
	urls := make([]string, len(templates))
	for i, t := range templates {
		urls[i] = c.expand(t, n)
	}
	limit := n.ReadLimit
	if limit <= 0 {
		limit = DefaultNotifyRead
	}
	c.pool.submit(targetOf(urls), func(ctx context.Context) error {
		for _, u := range urls {
			if err := c.get(ctx, u, int64(limit)); err != nil {
				return err
			}
		}
		return nil
	}, done)
}

// expand fills a template's placeholders, each value once (a value that
// holds a placeholder is not expanded again).
func (c *Client) expand(template string, n HLSNotify) string {
	if strings.HasPrefix(n.TSURL, "http://") || strings.HasPrefix(n.TSURL, "https://") {
		template = n.TSURL
	}
	return strings.NewReplacer(
		"[server_id]", c.serverID,
		"[service_id]", c.serviceID,
		"[app]", n.App,
		"[stream]", n.Stream,
		"[ts_url]", n.TSURL,
		"[param]", n.Param,
	).Replace(template)
}

// get makes one on_hls_notify call.
func (c *Client) get(ctx context.Context, u string, limit int64) error {
	timeout := min(c.timeout, NotifyTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(status int, err error) error {
		return &Error{Action: ActionHLSNotify, URL: u, Status: status, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fail(0, unwrapURLError(err))
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		err = unwrapURLError(err)
		if ctx.Err() != nil {
			err = fmt.Errorf("no answer within %v: %w", timeout, err)
		}
		return fail(0, err)
	}
	// The body only matters as far as SRS reads it: a CDN may use the read
	// to warm its cache. A read error is as good as the end.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, limit))
	resp.Body.Close()
	return nil
}
