package security

import (
	"fmt"
	"strings"

	"github.com/cascade-live/cascade/config"
)

// Refer is a vhost's refer block: the domains whose pages may embed its
// streams, checked against the page URL a client reports (RTMP connect's
// pageUrl). The zero value, like a nil *Refer, allows everything.
type Refer struct {
	enabled bool
	all     *domainList // checked for every client; nil when absent
	publish *domainList // checked for publishers
	play    *domainList // checked for players
}

// A domainList is one of the refer block's lists.
type domainList struct {
	name    string // all, publish or play
	domains []string
	file    string
	line    int
}

// ParseRefer reads a vhost's refer block, for example
//
//	refer {
//	    enabled on;
//	    all     example.com example.net;
//	    play    example.com;
//	}
//
// The SRS 1/2 directives refer, refer_play and refer_publish are rewritten
// into this block by the config package. A nil block, or one whose enabled
// is not "on", gives a Refer that allows everything. A domain holding "/" or
// ":" is an error naming its file and line (a *config.ValueError wrapping
// ErrInvalidDomain): a page URL's host never holds either, so SRS would
// refuse every client.
func ParseRefer(block *config.Directive) (*Refer, error) {
	r := &Refer{enabled: block.Get("enabled").Arg0() == "on"}
	var err error
	if r.all, err = parseDomainList(block.Get("all")); err != nil {
		return nil, err
	}
	if r.publish, err = parseDomainList(block.Get("publish")); err != nil {
		return nil, err
	}
	if r.play, err = parseDomainList(block.Get("play")); err != nil {
		return nil, err
	}
	return r, nil
}

func parseDomainList(d *config.Directive) (*domainList, error) {
	if d == nil {
		return nil, nil
	}
	for _, domain := range d.Args {
		if strings.ContainsAny(domain, "/:") {
			return nil, valueError(d, ErrInvalidDomain, "%q is not a domain name", domain)
		}
	}
	return &domainList{name: d.Name, domains: d.Args, file: d.File, line: d.Line}, nil
}

// Enabled reports whether page URLs are checked at all.
func (r *Refer) Enabled() bool { return r != nil && r.enabled }

// Check decides whether a client reporting pageURL may do action, and says
// why, for the log line.
//
// The evaluation is SRS's (srs_app_refer.cpp, and srs_app_rtmp_conn.cpp,
// which checks the all list when a client connects and the publish or play
// list when it publishes or plays): a client must pass the all list and the
// action's list. An absent list passes everyone; a present list passes a
// page URL whose host matches one of its domains, and no other, so an empty
// list passes no one. The host is what lies after the first "://" (the
// whole URL if there is none), up to the first "/" and then the first ":".
// It matches a domain when the domain's first occurrence in it ends it: a
// plain string suffix, so "example.com" matches "www.example.com", and also
// "badexample.com", as in SRS; the comparison is case-sensitive. An empty
// page URL, as ffmpeg and most non-Flash clients send, matches no domain.
func (r *Refer) Check(action Action, pageURL string) (ok bool, reason string) {
	if !r.Enabled() {
		return true, "refer disabled"
	}
	var list *domainList
	switch action {
	case Publish:
		list = r.publish
	case Play:
		list = r.play
	default:
		return false, action.String()
	}
	host := pageHost(pageURL)
	var matched []string
	for _, l := range []*domainList{r.all, list} {
		if l == nil {
			continue
		}
		domain, ok := l.match(host)
		if !ok {
			return false, fmt.Sprintf("page url %q matches no domain of refer %s (%s)%s",
				pageURL, l.name, strings.Join(l.domains, " "), at(l.file, l.line))
		}
		if domain == "" {
			domain = `""`
		}
		matched = append(matched, fmt.Sprintf("%s of refer %s%s", domain, l.name, at(l.file, l.line)))
	}
	if len(matched) == 0 {
		return true, "no refer list applies to " + action.String()
	}
	return true, fmt.Sprintf("page url %q matches %s", pageURL, strings.Join(matched, " and "))
}

// match returns the first domain of l that host matches.
func (l *domainList) match(host string) (string, bool) {
	for _, d := range l.domains {
		if hostMatches(host, d) {
			return d, true
		}
	}
	return "", false
}

// pageHost extracts from a page URL the part SRS compares with refer
// domains: after the first "://", up to the first "/", then up to the
// first ":" (which drops a port).
func pageHost(pageURL string) string {
	host := pageURL
	if _, after, ok := strings.Cut(host, "://"); ok {
		host = after
	}
	host, _, _ = strings.Cut(host, "/")
	host, _, _ = strings.Cut(host, ":")
	return host
}

// hostMatches reports whether domain's first occurrence in host ends host,
// SRS's test. It differs from strings.HasSuffix only when domain also occurs
// earlier in host: "a.com" does not match "a.com.a.com".
func hostMatches(host, domain string) bool {
	i := strings.Index(host, domain)
	return i >= 0 && i == len(host)-len(domain)
}
