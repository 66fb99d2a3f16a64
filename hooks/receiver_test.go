package hooks

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// request is what a receiver saw of one call.
type request struct {
	Method      string
	Path        string
	RawQuery    string
	ContentType string
	Body        []byte
}

// receiver is a callback service on 127.0.0.1 that records every call and
// answers with respond (by default 200 and "0").
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newReceiver(t *testing.T, respond http.HandlerFunc) *receiver {
	t.Helper()
	if respond == nil {
		respond = func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "0") }
	}
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), body})
		rc.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

func (rc *receiver) paths() []string {
	var paths []string
	for _, r := range rc.requests() {
		paths = append(paths, r.Path)
	}
	return paths
}

// closedURL returns an http URL on 127.0.0.1 where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr + "/hook"
}

// field is one member of a JSON object, its value as decoded with
// UseNumber, so that numbers keep their text.
type field struct {
	Key   string
	Value any
}

// fields returns the members of the JSON object body, in order.
func fields(t *testing.T, body []byte) []field {
	t.Helper()
	dec := json.NewDecoder(bytesReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok, "body %s", body)
	var out []field
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		var v any
		require.NoError(t, dec.Decode(&v))
		out = append(out, field{tok.(string), v})
	}
	return out
}
