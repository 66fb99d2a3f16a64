package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// postAll posts body to each URL in turn and stops at the first rejection.
func (c *Client) postAll(ctx context.Context, action string, urls []string, body []byte) error {
	for _, u := range urls {
		if err := c.post(ctx, action, u, body); err != nil {
			return err
		}
	}
	return nil
}

// post makes one call and applies the verdict.
func (c *Client) post(ctx context.Context, action, u string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	fail := func(status int, resp []byte, err error) error {
		return &Error{Action: action, URL: u, Status: status, Body: bodySnippet(resp), Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fail(0, nil, unwrapURLError(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return fail(0, nil, c.transportError(ctx, err))
	}
	defer resp.Body.Close()
	// Read first, so that a rejection can quote the body.
	data, readErr := readAtMost(resp.Body, MaxResponseBody)
	err = checkStatus(resp.StatusCode)
	if err == nil && readErr != nil {
		err = readErr
		if !errors.Is(err, errTooLarge) {
			err = c.transportError(ctx, err)
		}
	}
	if err == nil {
		err = checkBody(data)
	}
	if err != nil {
		return fail(resp.StatusCode, data, err)
	}
	return nil
}

var errTooLarge = fmt.Errorf("response body over %d bytes", MaxResponseBody)

// readAtMost reads r to its end, or fails with errTooLarge and the first
// max bytes once it holds more than max.
func readAtMost(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return data, err
	}
	if int64(len(data)) > max {
		return data[:max], errTooLarge
	}
	return data, nil
}

// transportError says a timeout in words, and drops the *url.Error wrapper
// whose message repeats the URL.
func (c *Client) transportError(ctx context.Context, err error) error {
	err = unwrapURLError(err)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %v: %w", c.timeout, err)
	}
	return err
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
