package admission

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/security"
)

// callbacks is a callback service that answers by path: /ok accepts,
// /no answers {"code":1}; it records the bodies.
type callbacks struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
}

func newCallbacks(t *testing.T) *callbacks {
	cb := &callbacks{}
	cb.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &m)
		cb.mu.Lock()
		cb.bodies = append(cb.bodies, m)
		cb.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/no") {
			io.WriteString(w, `{"code":1}`)
			return
		}
		io.WriteString(w, "0")
	}))
	t.Cleanup(cb.Close)
	return cb
}

func (cb *callbacks) last() map[string]any {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if len(cb.bodies) == 0 {
		return nil
	}
	return cb.bodies[len(cb.bodies)-1]
}

func parsePolicy(t *testing.T, text string) *Policy {
	t.Helper()
	root, err := config.Parse("test.conf", []byte(text))
	require.NoError(t, err)
	v := root.Get("vhost")
	p := &Policy{}
	p.Security, err = security.ParseSecurity(v.Get("security"))
	require.NoError(t, err)
	p.Refer, err = security.ParseRefer(v.Get("refer"))
	require.NoError(t, err)
	p.Hooks, err = hooks.ParseConfig(v.Get("http_hooks"))
	require.NoError(t, err)
	return p
}

func TestAdmit(t *testing.T) {
	cb := newCallbacks(t)
	policies := map[string]*Policy{
		"open": parsePolicy(t, `vhost open { }`),
		"rules": parsePolicy(t, `vhost rules {
    security { enabled on; deny publish 10.0.0.1; allow publish all; allow play all; }
    refer { enabled on; play example.com; }
}`),
		"hooks": parsePolicy(t, `vhost hooks { http_hooks { enabled on;
    on_connect `+cb.URL+`/ok; on_publish `+cb.URL+`/ok `+cb.URL+`/no; on_play `+cb.URL+`/ok; } }`),
		"deny": parsePolicy(t, `vhost deny { security { enabled on; deny play all; }
    http_hooks { enabled on; on_play `+cb.URL+`/ok; } }`),
	}
	client := hooks.NewClient(hooks.Options{Timeout: 5 * time.Second})
	t.Cleanup(func() { client.Close() })
	a := New(client, func(vhost string) (*Policy, bool) { p, ok := policies[vhost]; return p, ok })

	ip := netip.MustParseAddr("10.0.0.1")
	other := netip.MustParseAddr("10.0.0.2")
	tests := []struct {
		name     string
		req      Request
		by       string // "" admits
		rule     string // part of the refusal
		callback bool   // a callback decides
	}{
		{"open publish", Request{Action: Publish, Vhost: "open", IP: ip}, "", "", false},
		{"unknown vhost", Request{Action: Play, Vhost: "nope", IP: ip}, "vhost", "vhost nope is not served", false},
		{"security deny", Request{Action: Publish, Vhost: "rules", IP: ip}, "security", "deny publish 10.0.0.1", false},
		{"security allow", Request{Action: Publish, Vhost: "rules", IP: other}, "", "", false},
		{"refer deny", Request{Action: Play, Vhost: "rules", IP: other, PageURL: "http://evil.org/x"}, "refer", "evil.org", false},
		{"refer allow", Request{Action: Play, Vhost: "rules", IP: other, PageURL: "http://www.example.com/p"}, "", "", false},
		{"no refer for protocols without a page", Request{Action: Play, Vhost: "rules", IP: other, NoRefer: true}, "", "", false},
		{"no address: only all rules", Request{Action: Play, Vhost: "deny"}, "security", "deny play all", false},
		{"rules before callbacks", Request{Action: Play, Vhost: "deny", IP: ip}, "security", "deny play all", false},
		{"on_connect accepts", Request{Action: Connect, Vhost: "hooks", App: "live", IP: ip}, "", "", true},
		{"on_play accepts", Request{Action: Play, Vhost: "hooks", App: "live", Stream: "s", IP: ip}, "", "", true},
		{"on_publish: second URL rejects", Request{Action: Publish, Vhost: "hooks", App: "live", Stream: "s", IP: ip},
			"on_publish", cb.URL + "/no", true},
		{"no callback for HEAD", Request{Action: Publish, Vhost: "hooks", IP: ip, NoCallback: true}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(t *testing.T, err error) {
				if tt.by == "" {
					assert.NoError(t, err)
					return
				}
				var r *Refusal
				require.True(t, errors.As(err, &r), "error %v", err)
				assert.ErrorIs(t, err, ErrRefused)
				assert.Equal(t, tt.by, r.By)
				assert.Contains(t, r.Rule, tt.rule)
				assert.Contains(t, err.Error(), "refused by "+tt.by)
				assert.Contains(t, err.Error(), tt.rule, "the error names the rule or callback")
			}
			t.Run("blocking", func(t *testing.T) {
				check(t, a.Admit(context.Background(), tt.req))
			})
			t.Run("async", func(t *testing.T) {
				got := make(chan error, 1)
				decided, err := a.AdmitAsync(tt.req, func(err error) { got <- err })
				assert.Equal(t, !tt.callback, decided, "decided at once unless a callback decides")
				if !decided {
					select {
					case err = <-got:
					case <-time.After(5 * time.Second):
						t.Fatal("no verdict")
					}
				}
				check(t, err)
			})
		})
	}
}

func TestAdmitPayload(t *testing.T) {
	cb := newCallbacks(t)
	p := parsePolicy(t, `vhost v { http_hooks { enabled on; on_play `+cb.URL+`/ok; on_connect `+cb.URL+`/ok; } }`)
	client := hooks.NewClient(hooks.Options{ServerID: "srv"})
	t.Cleanup(func() { client.Close() })
	a := New(client, func(string) (*Policy, bool) { return p, true })
	req := Request{Action: Play, Proto: "rtmp", ClientID: "c1", IP: netip.MustParseAddr("127.0.0.1"), Vhost: "v",
		App: "live", Stream: "s", Param: "?token=1", TcURL: "rtmp://v/live", PageURL: "http://p/"}
	require.NoError(t, a.Admit(context.Background(), req))
	want := map[string]any{"server_id": "srv", "service_id": "", "action": "on_play", "client_id": "c1", "ip": "127.0.0.1",
		"vhost": "v", "app": "live", "stream": "s", "tcUrl": "rtmp://v/live", "param": "?token=1",
		"pageUrl": "http://p/", "stream_url": "v/live/s"}
	assert.Equal(t, want, cb.last())

	req.Action = Connect
	req.Stream = ""
	require.NoError(t, a.Admit(context.Background(), req))
	assert.Equal(t, "on_connect", cb.last()["action"])
	assert.Equal(t, "http://p/", cb.last()["pageUrl"])
}

func TestAdmitContext(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) }) // runs first
	p := parsePolicy(t, `vhost v { http_hooks { enabled on; on_publish `+hang.URL+`; } }`)
	client := hooks.NewClient(hooks.Options{Timeout: time.Minute})
	t.Cleanup(func() { client.Close() })
	a := New(client, func(string) (*Policy, bool) { return p, true })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := a.Admit(ctx, Request{Action: Publish, Vhost: "v"})
	assert.ErrorIs(t, err, ErrRefused)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "refused by on_publish: "+hang.URL)
}
