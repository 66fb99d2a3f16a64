package hooks

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerdict runs SRS's verdict rule end to end: a callback service gives
// each answer, and the Call accepts or rejects it.
func TestVerdict(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		accept bool
		reason string // part of the error message when rejected
	}{
		{"0", 200, "0", true, ""},
		{"0 with whitespace", 200, " 0\n", false, "neither 0"},
		{"code 0", 200, `{"code":0}`, true, ""},
		{"code 0 with data", 200, `{"code":0,"data":1}`, true, ""},
		{"code 0 spaced", 200, "{ \"code\" : 0, \"msg\": \"OK\" }\n", true, ""},
		{"code -0", 200, `{"code":-0}`, true, ""},
		{"201 and 0", 201, "0", true, ""},
		{"code 1", 200, `{"code":1}`, false, `"code" is 1`},
		{"1", 200, "1", false, "neither 0 nor"},
		{"code as string", 200, `{"code":"0"}`, false, "not an integer"},
		{"code as float", 200, `{"code":0.0}`, false, "not an integer"},
		{"code with exponent", 200, `{"code":0e0}`, false, "not an integer"},
		{"no code", 200, `{"data":0}`, false, `no "code"`},
		{"string 0", 200, `"0"`, false, "neither 0 nor"},
		{"array", 200, `[0]`, false, "neither 0 nor"},
		{"-0", 200, `-0`, false, "neither 0 nor"},
		{"empty", 200, "", false, "empty"},
		{"blank", 200, " \n", false, "empty"},
		{"HTML", 200, "<html><body>ok</body></html>", false, "not JSON"},
		{"trailing garbage", 200, `{"code":0} x`, false, "not JSON"},
		{"500", 500, "0", false, "HTTP status 500"},
		{"403", 403, `{"code":0}`, false, "HTTP status 403"},
		{"204", 204, "", false, "HTTP status 204"},
		{"too large", 200, `{"code":0,"pad":"` + strings.Repeat("x", MaxResponseBody) + `"}`, false, "over 65536 bytes"},
	}
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/case/"))
		w.WriteHeader(tests[i].status)
		io.WriteString(w, tests[i].body)
	})
	c := NewClient(Options{Timeout: 5 * time.Second})
	t.Cleanup(func() { c.Close() })
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := rc.URL + "/case/" + strconv.Itoa(i)
			err := c.Call(context.Background(), []string{url}, OnPublish{Stream: "s"})
			if tt.accept {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrRejected)
			var he *Error
			require.True(t, errors.As(err, &he))
			assert.Equal(t, url, he.URL)
			assert.Equal(t, ActionPublish, he.Action)
			assert.Equal(t, tt.status, he.Status)
			assert.Contains(t, err.Error(), url)
			assert.Contains(t, err.Error(), tt.reason)
			assert.LessOrEqual(t, len(he.Body), maxErrorBody+3, "the body quoted is bounded")
		})
	}
}

func TestRejectNoAnswer(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		c := NewClient(Options{Timeout: 100 * time.Millisecond})
		defer c.Close()
		start := time.Now()
		err := c.Call(context.Background(), []string{rc.URL + "/slow"}, OnPlay{})
		assert.Less(t, time.Since(start), 3*time.Second)
		assert.ErrorIs(t, err, ErrRejected)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), rc.URL+"/slow")
		assert.Contains(t, err.Error(), "no answer within 100ms")
	})
	t.Run("slow body", func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "0")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		c := NewClient(Options{Timeout: 100 * time.Millisecond})
		defer c.Close()
		err := c.Call(context.Background(), []string{rc.URL}, OnPlay{})
		assert.ErrorIs(t, err, ErrRejected)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("closed port", func(t *testing.T) {
		url := closedURL(t)
		c := NewClient(Options{Timeout: 5 * time.Second})
		defer c.Close()
		err := c.Call(context.Background(), []string{url}, OnConnect{})
		var he *Error
		require.True(t, errors.As(err, &he), "error %v", err)
		assert.ErrorIs(t, err, ErrRejected)
		assert.Equal(t, 0, he.Status)
		assert.Contains(t, err.Error(), url)
		assert.Contains(t, err.Error(), "refused")
	})
	t.Run("bad URL", func(t *testing.T) {
		c := NewClient(Options{})
		defer c.Close()
		err := c.Call(context.Background(), []string{"http://[::1"}, OnConnect{})
		assert.ErrorIs(t, err, ErrRejected)
	})
	t.Run("redirect not followed", func(t *testing.T) {
		target := newReceiver(t, nil)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL, http.StatusFound)
		})
		c := NewClient(Options{})
		defer c.Close()
		err := c.Call(context.Background(), []string{rc.URL}, OnConnect{})
		assert.ErrorIs(t, err, ErrRejected)
		assert.Contains(t, err.Error(), "HTTP status 302")
		assert.Empty(t, target.requests())
	})
}

func TestCallOrder(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/no") {
			io.WriteString(w, `{"code":403}`)
			return
		}
		io.WriteString(w, "0")
	})
	c := NewClient(Options{})
	t.Cleanup(func() { c.Close() })

	t.Run("all accept", func(t *testing.T) {
		before := len(rc.requests())
		err := c.Call(context.Background(), []string{rc.URL + "/a", rc.URL + "/b", rc.URL + "/c"}, OnPublish{})
		require.NoError(t, err)
		assert.Equal(t, []string{"/a", "/b", "/c"}, rc.paths()[before:])
	})
	t.Run("first failure stops", func(t *testing.T) {
		before := len(rc.requests())
		err := c.Call(context.Background(), []string{rc.URL + "/a", rc.URL + "/no", rc.URL + "/c"}, OnPublish{})
		var he *Error
		require.True(t, errors.As(err, &he))
		assert.Equal(t, rc.URL+"/no", he.URL)
		assert.Equal(t, []string{"/a", "/no"}, rc.paths()[before:])
	})
	t.Run("unreachable stops", func(t *testing.T) {
		before := len(rc.requests())
		err := c.Call(context.Background(), []string{closedURL(t), rc.URL + "/c"}, OnPublish{})
		assert.ErrorIs(t, err, ErrRejected)
		assert.Empty(t, rc.paths()[before:])
	})
	t.Run("no URLs accept", func(t *testing.T) {
		assert.NoError(t, c.Call(context.Background(), nil, OnPublish{}))
	})
}

func TestCallContext(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := NewClient(Options{Timeout: time.Minute})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := c.Call(ctx, []string{rc.URL}, OnPlay{})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestConnectionReuse(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "0")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := NewClient(Options{})
	defer c.Close()
	for range 5 {
		require.NoError(t, c.Call(context.Background(), []string{srv.URL}, OnPlay{}))
	}
	assert.Equal(t, int32(1), conns.Load())
}
