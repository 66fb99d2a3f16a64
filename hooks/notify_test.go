package hooks

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func notifyResult(t *testing.T, c *Client, templates []string, n HLSNotify) error {
	t.Helper()
	results := make(chan error, 1)
	c.Notify(templates, n, func(err error) { results <- err })
	return collect(t, results, 1)[0]
}

func TestNotify(t *testing.T) {
	rc := newReceiver(t, nil)
	c := NewClient(Options{ServerID: "vid-srv", ServiceID: "svc"})
	defer c.Close()
	n := HLSNotify{App: "live", Stream: "livestream", Param: "?token=abc", TSURL: "livestream-12.ts"}

	tmpl := rc.URL + "/api/v1/hls/[server_id]/[service_id]/[app]/[stream]/[ts_url][param]"
	require.NoError(t, notifyResult(t, c, []string{tmpl, rc.URL + "/second/[stream]"}, n))
	reqs := rc.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, "/api/v1/hls/vid-srv/svc/live/livestream/livestream-12.ts", reqs[0].Path)
	assert.Equal(t, "token=abc", reqs[0].RawQuery)
	assert.Equal(t, "/second/livestream", reqs[1].Path)
}

func TestNotifyAbsoluteTSURL(t *testing.T) {
	rc := newReceiver(t, nil)
	c := NewClient(Options{})
	defer c.Close()
	n := HLSNotify{App: "live", Stream: "s", TSURL: rc.URL + "/cdn/s-1.ts"}
	require.NoError(t, notifyResult(t, c, []string{"http://127.0.0.1:1/never/[ts_url]"}, n))
	assert.Equal(t, []string{"/cdn/s-1.ts"}, rc.paths())
}

// TestNotifyReadsLittle checks that Notify stops reading at ReadLimit, as SRS
// reads hls_nb_notify bytes: the answer here never ends.
func TestNotifyReadsLittle(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 100))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c := NewClient(Options{Timeout: 5 * time.Second})
	defer c.Close()
	start := time.Now()
	require.NoError(t, notifyResult(t, c, []string{rc.URL}, HLSNotify{ReadLimit: 64}))
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestNotifyIgnoresAnswer(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"code":1}`)
	})
	c := NewClient(Options{})
	defer c.Close()
	require.NoError(t, notifyResult(t, c, []string{rc.URL + "/a", rc.URL + "/b"}, HLSNotify{}))
	assert.Equal(t, []string{"/a", "/b"}, rc.paths())
}

func TestNotifyUnreachable(t *testing.T) {
	rc := newReceiver(t, nil)
	c := NewClient(Options{})
	defer c.Close()
	url := closedURL(t)
	err := notifyResult(t, c, []string{url, rc.URL}, HLSNotify{})
	var he *Error
	require.True(t, errors.As(err, &he), "error %v", err)
	assert.ErrorIs(t, err, ErrRejected)
	assert.Equal(t, ActionHLSNotify, he.Action)
	assert.Equal(t, url, he.URL)
	assert.Empty(t, rc.requests(), "the chain stops")
}

func TestNotifyExpand(t *testing.T) {
	c := NewClient(Options{ServerID: "S", ServiceID: "V"})
	defer c.Close()
	tests := []struct {
		tmpl string
		n    HLSNotify
		want string
	}{
		{"http://h/[app]/[stream]/[ts_url][param]", HLSNotify{App: "a", Stream: "s", TSURL: "s-1.ts", Param: "?k=v"}, "http://h/a/s/s-1.ts?k=v"},
		{"http://h/[server_id]/[service_id]/[app]/[app]", HLSNotify{App: "a"}, "http://h/S/V/a/a"},
		{"http://h/[stream][param]", HLSNotify{Stream: "[app]"}, "http://h/[app]"},
		{"http://h/[ts_url]", HLSNotify{TSURL: "https://cdn/x/[stream].ts", Stream: "s"}, "https://cdn/x/s.ts"},
		{"http://h/[unknown]", HLSNotify{}, "http://h/[unknown]"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, c.expand(tt.tmpl, tt.n), "%q", tt.tmpl)
	}
}

// TestPost: the fire-and-forget callbacks go to their URLs, on_hls with its
// on_hls_notify; the deciding ones are left to admission.
func TestPost(t *testing.T) {
	rc := newReceiver(t, nil)
	cfg := &Config{Enabled: true, OnConnect: []string{rc.URL + "/connect"}, OnPublish: []string{rc.URL + "/publish"},
		OnPlay: []string{rc.URL + "/play"}, OnClose: []string{rc.URL + "/close"}, OnUnpublish: []string{rc.URL + "/unpublish"},
		OnStop: []string{rc.URL + "/stop"}, OnDVR: []string{rc.URL + "/dvr"}, OnHLS: []string{rc.URL + "/hls"},
		OnHLSNotify: []string{rc.URL + "/notify/[app]/[stream]/[ts_url]"}}
	c := NewClient(Options{})
	defer c.Close()
	for _, p := range []Payload{OnConnect{}, OnPublish{}, OnPlay{}, OnClose{}, OnUnpublish{}, OnStop{}, OnDVR{},
		OnHLS{Conn: Conn{App: "live"}, Stream: "s", URL: "s-1.ts"}} {
		c.Post(cfg, p)
	}
	c.Post(&Config{OnClose: cfg.OnClose}, OnClose{}) // disabled
	require.Eventually(t, func() bool { return len(rc.requests()) == 6 }, 5*time.Second, 10*time.Millisecond)
	assert.ElementsMatch(t, []string{"/close", "/unpublish", "/stop", "/dvr", "/hls", "/notify/live/s/s-1.ts"}, rc.paths())
	time.Sleep(50 * time.Millisecond)
	assert.Len(t, rc.requests(), 6)
}
