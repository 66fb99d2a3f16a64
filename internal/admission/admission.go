// Package admission decides whether a client may connect, publish or play:
// the vhost's security rules (by address), its refer rules (by page URL or
// Referer) and its on_connect, on_publish and on_play callbacks, with SRS's
// verdict rule. Every kind of session asks here: RTMP and HTTP connections
// on the event loops, which must not block and wait for the verdict with
// AdmitAsync, and goroutine sessions (pulls, casters, ingests), which call
// Admit.
package admission

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/security"
)

// An Action is what a client asks for.
type Action uint8

// The actions.
const (
	Connect Action = iota + 1 // an RTMP connect: on_connect
	Publish                   // security, refer and on_publish
	Play                      // security, refer and on_play
)

func (a Action) String() string {
	switch a {
	case Connect:
		return "connect"
	case Publish:
		return "publish"
	case Play:
		return "play"
	}
	return "unknown action"
}

// ErrRefused is wrapped by every refusal (a *Refusal).
var ErrRefused = errors.New("refused")

// Request is what a client asks, as the callbacks report it.
type Request struct {
	Action   Action
	Proto    string     // how the client came: "rtmp", "http-flv", "hls", "srt", ... (for logs)
	ClientID string     // the client's id: the callbacks' client_id
	IP       netip.Addr // the client's address; invalid for a server's own session
	Vhost    string     // the vhost as resolved
	App      string
	Stream   string // empty for Connect
	Param    string // the query with its "?", or ""
	TcURL    string
	PageURL  string // RTMP's pageUrl or HTTP's Referer, for the refer rules
	// NoCallback applies the rules but calls no callback (an HTTP HEAD,
	// which SRS does not report as a play).
	NoCallback bool
	// NoRefer leaves out the refer rules, for protocols that carry no page
	// URL (SRT, RTSP, MPEG-TS over UDP): SRS checks refer for RTMP and
	// HTTP players only.
	NoRefer bool
}

// StreamURL is SRS's stream URL of the request ("vhost/app/stream", the
// default vhost left out).
func (r Request) StreamURL() string { return hooks.StreamURL(r.Vhost, r.App, r.Stream) }

// Conn is the callbacks' description of the client.
func (r Request) Conn() hooks.Conn {
	ip := ""
	if r.IP.IsValid() {
		ip = r.IP.String()
	}
	return hooks.Conn{ClientID: r.ClientID, IP: ip, Vhost: r.Vhost, App: r.App}
}

// Payload is the body of the request's callback (on_connect, on_publish or
// on_play), also what the event of an admitted client carries.
func (r Request) Payload() hooks.Payload {
	switch r.Action {
	case Connect:
		return hooks.OnConnect{Conn: r.Conn(), Param: r.Param, TcURL: r.TcURL, PageURL: r.PageURL}
	case Publish:
		return hooks.OnPublish{Conn: r.Conn(), TcURL: r.TcURL, Stream: r.Stream, Param: r.Param}
	}
	return hooks.OnPlay{Conn: r.Conn(), Stream: r.Stream, TcURL: r.TcURL, Param: r.Param, PageURL: r.PageURL}
}

// Policy is a vhost's admission configuration. Nil rules allow everything.
type Policy struct {
	Security *security.Rules
	Refer    *security.Refer
	Hooks    hooks.Config
}

// A Refusal is a verdict against a client: which rule or callback refused
// it, and why.
type Refusal struct {
	Action Action
	Stream string // the request's StreamURL, or its vhost/app for Connect
	// By is what refused: "vhost", "security", "refer", or the callback
	// ("on_connect", "on_publish", "on_play").
	By string
	// Rule is the rule that refused, or why: the security rule, the refer
	// list, the callback's URL and answer.
	Rule string
	Err  error // the callback's error, or nil
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("%s %s refused by %s: %s", r.Action, r.Stream, r.By, r.Rule)
}

// Unwrap returns ErrRefused and the callback's error.
func (r *Refusal) Unwrap() []error {
	if r.Err == nil {
		return []error{ErrRefused}
	}
	return []error{ErrRefused, r.Err}
}

// Reason is the refusal in a few words, for the client (an RTMP status
// description): "refused by security rule deny play all".
func (r *Refusal) Reason() string {
	if r.Err != nil {
		return "rejected by " + r.By
	}
	return "refused by " + r.By + ": " + r.Rule
}

// An Admitter decides on requests. Its methods may be called from several
// goroutines.
type Admitter struct {
	hooks  *hooks.Client
	policy func(vhost string) (*Policy, bool)
}

// New returns an Admitter that asks policy for a vhost's rules (false: the
// vhost is not served, and every request to it is refused) and makes the
// callbacks with c.
func New(c *hooks.Client, policy func(vhost string) (*Policy, bool)) *Admitter {
	return &Admitter{hooks: c, policy: policy}
}

// Admit decides on req, waiting for the callback if one is configured, and
// returns nil when req is admitted, or a *Refusal. It is for goroutine
// sessions: ctx bounds the callback.
func (a *Admitter) Admit(ctx context.Context, req Request) error {
	urls, err := a.rules(&req)
	if err != nil || len(urls) == 0 {
		return err
	}
	return a.callbackVerdict(&req, urls, a.hooks.Call(ctx, urls, req.Payload()))
}

// AdmitAsync decides on req without blocking, for event-loop sessions.
// When the rules decide alone (a refusal, or no callback configured) it
// returns decided true and the verdict, and never calls done. Otherwise it
// returns decided false, and done gets the verdict later, on another
// goroutine (a callback worker's; done must not block for long): the
// session pauses until then.
func (a *Admitter) AdmitAsync(req Request, done func(error)) (decided bool, err error) {
	urls, err := a.rules(&req)
	if err != nil || len(urls) == 0 {
		return true, err
	}
	a.hooks.Go(urls, req.Payload(), func(err error) { done(a.callbackVerdict(&req, urls, err)) })
	return false, nil
}

// rules applies the vhost, security and refer rules, and returns the
// callback URLs still to ask.
func (a *Admitter) rules(req *Request) ([]string, error) {
	p, ok := a.policy(req.Vhost)
	if !ok {
		return nil, a.refuse(req, "vhost", "vhost "+req.Vhost+" is not served", nil)
	}
	var urls []string
	switch req.Action {
	case Connect:
		urls = p.Hooks.URLs(hooks.ActionConnect)
	case Publish, Play:
		sa := security.Publish
		urls = p.Hooks.URLs(hooks.ActionPublish)
		if req.Action == Play {
			sa = security.Play
			urls = p.Hooks.URLs(hooks.ActionPlay)
		}
		// An address that is not known matches only "all" rules.
		if ok, rule := p.Security.Check(sa, req.IP); !ok {
			return nil, a.refuse(req, "security", rule, nil)
		}
		if ok, reason := p.Refer.Check(sa, req.PageURL); !ok && !req.NoRefer {
			return nil, a.refuse(req, "refer", reason, nil)
		}
	default:
		return nil, a.refuse(req, "admission", "unknown action", nil)
	}
	if req.NoCallback {
		return nil, nil
	}
	return urls, nil
}

func (a *Admitter) callbackVerdict(req *Request, urls []string, err error) error {
	if err == nil {
		return nil
	}
	var he *hooks.Error
	rule := err.Error()
	if errors.As(err, &he) {
		rule = he.URL + ": " + he.Err.Error()
	}
	return a.refuse(req, actionHook(req.Action), rule, err)
}

func (a *Admitter) refuse(req *Request, by, rule string, err error) *Refusal {
	stream := req.StreamURL()
	if req.Action == Connect {
		stream = strings.TrimSuffix(stream, "/")
	}
	return &Refusal{Action: req.Action, Stream: stream, By: by, Rule: rule, Err: err}
}

func actionHook(a Action) string {
	switch a {
	case Connect:
		return hooks.ActionConnect
	case Publish:
		return hooks.ActionPublish
	}
	return hooks.ActionPlay
}
