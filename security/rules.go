package security

import (
	"net/netip"

	"github.com/cascade-live/cascade/config"
)

// Rules are a vhost's security block: which client addresses may publish
// and play. The zero value, like a nil *Rules, allows everything.
type Rules struct {
	enabled bool
	deny    []addrRule // in configuration order
	allow   []addrRule
}

// ParseSecurity reads a vhost's security block, for example
//
//	security {
//	    enabled on;
//	    deny    publish 10.0.0.13;
//	    allow   publish 10.0.0.0/8;
//	    allow   play    all;
//	}
//
// A nil block, or one whose enabled is not "on", gives Rules that allow
// everything; its rules are still checked. A rule that is not
// "allow|deny publish|play all|<ip>|<cidr>" is an error naming its file and
// line (a *config.ValueError wrapping ErrInvalidRule or ErrInvalidAddress),
// where SRS would silently never match it. IPv4 and IPv6 addresses and
// networks are accepted.
func ParseSecurity(block *config.Directive) (*Rules, error) {
	r := &Rules{enabled: block.Get("enabled").Arg0() == "on"}
	if block == nil {
		return r, nil
	}
	for _, d := range block.Children {
		if d.Name != "allow" && d.Name != "deny" {
			continue
		}
		rl, err := parseRule(d)
		if err != nil {
			return nil, err
		}
		if rl.allow {
			r.allow = append(r.allow, rl)
		} else {
			r.deny = append(r.deny, rl)
		}
	}
	return r, nil
}

// Enabled reports whether the rules are applied at all.
func (r *Rules) Enabled() bool { return r != nil && r.enabled }

// Check decides whether ip may do action, and describes the rule that
// decided, for the log line: "deny publish 1.2.3.4 at conf/x.conf:12",
// "no allow rule matches play". An IPv4-mapped IPv6 address is checked as
// the IPv4 address it holds; an address's zone is ignored.
//
// The evaluation is SRS's (srs_app_security.cpp, SrsSecurity::do_check):
//
//  1. Security disabled: allowed.
//  2. The first deny rule for action that matches ip: denied. Deny rules
//     are tried before allow rules, so a deny wins over an allow for the
//     same client whatever their order in the file.
//  3. The first allow rule for action that matches ip: allowed.
//  4. Otherwise denied if there is any allow rule, for either action, or
//     no rule at all; allowed if there are only deny rules. So a block
//     with just "allow play all" refuses every publisher.
func (r *Rules) Check(action Action, ip netip.Addr) (allowed bool, rule string) {
	if !r.Enabled() {
		return true, "security disabled"
	}
	if action != Publish && action != Play {
		return false, action.String()
	}
	ip = ip.WithZone("").Unmap()
	for _, d := range r.deny {
		if d.matches(action, ip) {
			return false, d.String()
		}
	}
	for _, a := range r.allow {
		if a.matches(action, ip) {
			return true, a.String()
		}
	}
	switch {
	case len(r.allow) > 0:
		return false, "no allow rule matches " + action.String()
	case len(r.deny) == 0:
		return false, "security enabled without rules denies " + action.String()
	}
	return true, "no deny rule matches " + action.String()
}
