package security

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/cascade-live/cascade/config"
)

// fuzzBlock parses data as the body of a block named name in fuzz.conf, or
// returns nil if it is not valid configuration syntax.
func fuzzBlock(name string, data []byte) *config.Directive {
	root, err := config.Parse("fuzz.conf", data)
	if err != nil {
		return nil
	}
	return &config.Directive{Name: name, Children: root.Children, File: "fuzz.conf", Line: 1}
}

// checkParseError checks that a parse error wraps one of the package's
// sentinels in a *config.ValueError that names where the directive is.
func checkParseError(t *testing.T, err error, sentinels ...error) {
	t.Helper()
	var ve *config.ValueError
	if !errors.As(err, &ve) || ve.File != "fuzz.conf" || ve.Line <= 0 {
		t.Fatalf("error without a position: %v", err)
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error wraps no sentinel: %v", err)
}

// FuzzParseSecurity checks that no security block makes ParseSecurity or
// Check panic, that errors name their position, and that Check's answers
// keep SRS's invariants.
func FuzzParseSecurity(f *testing.F) {
	for _, seed := range []string{
		"enabled on; allow play all; allow publish 127.0.0.1;",
		"enabled on; deny publish 10.0.0.0/8; allow publish all;",
		"enabled on; allow play 2001:db8::/32; deny play ::ffff:1.2.3.4;",
		"enabled on;",
		"deny play all;",
		"enabled on; allow read all;",
		"enabled on; allow play 1.2.3;",
		"enabled on; deny publish ::ffff:10.0.0.0/104 extra;",
		"enabled on; allow play fe80::1%eth0;",
	} {
		f.Add([]byte(seed), []byte{10, 1, 2, 3})
	}
	f.Fuzz(func(t *testing.T, data, ipBytes []byte) {
		b := fuzzBlock("security", data)
		if b == nil {
			return
		}
		r, err := ParseSecurity(b)
		if err != nil {
			checkParseError(t, err, ErrInvalidRule, ErrInvalidAddress)
			return
		}
		ips := []netip.Addr{{}, netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}
		if ip, ok := netip.AddrFromSlice(ipBytes); ok {
			ips = append(ips, ip, netip.AddrFrom16(ip.As16()))
		}
		for _, action := range []Action{Publish, Play} {
			for _, ip := range ips {
				allowed, rule := r.Check(action, ip)
				if rule == "" {
					t.Fatalf("%s from %v: no reason", action, ip)
				}
				if !r.Enabled() && !allowed {
					t.Fatalf("%s from %v denied with security disabled: %s", action, ip, rule)
				}
				if r.Enabled() && allowed != (strings.HasPrefix(rule, "allow ") || strings.HasPrefix(rule, "no deny rule")) {
					t.Fatalf("%s from %v: allowed=%v by %q", action, ip, allowed, rule)
				}
				// An IPv4 client gets the same answer over IPv6 sockets.
				if ip.Is4() {
					a6, r6 := r.Check(action, netip.AddrFrom16(ip.As16()))
					if a6 != allowed || r6 != rule {
						t.Fatalf("%v: %v %q, as IPv4-mapped: %v %q", ip, allowed, rule, a6, r6)
					}
				}
			}
		}
	})
}

// FuzzParseRefer checks that no refer block or page URL makes ParseRefer or
// Check panic, that errors name their position, and that a page URL passes
// only when its host ends with a configured domain.
func FuzzParseRefer(f *testing.F) {
	for _, seed := range []struct{ conf, url string }{
		{"enabled on; all a.com b.org;", "http://www.a.com/live.html"},
		{"enabled on; all a.com; play live.a.com; publish up.a.com;", "https://live.a.com:8443/p?x=1"},
		{"enabled on; play;", ""},
		{`enabled on; all "";`, ""},
		{"enabled on; all http://a.com;", "a.com"},
		{"all a.com;", "rtmp://evil.com"},
		{"enabled on; publish a.com;", "http://a.com.a.com/"},
	} {
		f.Add([]byte(seed.conf), seed.url)
	}
	f.Fuzz(func(t *testing.T, data []byte, pageURL string) {
		b := fuzzBlock("refer", data)
		if b == nil {
			return
		}
		r, err := ParseRefer(b)
		if err != nil {
			checkParseError(t, err, ErrInvalidDomain)
			return
		}
		host := pageHost(pageURL)
		if strings.ContainsAny(host, "/:") {
			t.Fatalf("host %q of %q holds a separator", host, pageURL)
		}
		for _, action := range []Action{Publish, Play} {
			ok, reason := r.Check(action, pageURL)
			if reason == "" {
				t.Fatalf("%s from %q: no reason", action, pageURL)
			}
			if !r.Enabled() && !ok {
				t.Fatalf("%s from %q denied with refer disabled: %s", action, pageURL, reason)
			}
			if r.Enabled() && ok && strings.Contains(reason, " matches ") {
				matched := false
				for _, d := range referDomains(b, action) {
					matched = matched || strings.HasSuffix(host, d)
				}
				if !matched {
					t.Fatalf("%s from %q (host %q) passed, but no domain ends it: %s", action, pageURL, host, reason)
				}
			}
		}
	})
}

// referDomains lists the domains of the lists that apply to action.
func referDomains(b *config.Directive, action Action) []string {
	var domains []string
	for _, name := range []string{"all", action.String()} {
		if d := b.Get(name); d != nil {
			domains = append(domains, d.Args...)
		}
	}
	return domains
}
