package security

import (
	"errors"
	"net/netip"
	"strings"

	"github.com/cascade-live/cascade/config"
)

var errZone = errors.New("an address with a zone is not supported")

// An addrRule is one allow or deny directive of a security block.
type addrRule struct {
	allow  bool         // allow; deny when false
	action Action       // the action the rule applies to
	all    bool         // the target is "all": every client
	prefix netip.Prefix // otherwise the target: a network, or one address as a /32 or /128
	target string       // the target as written
	file   string       // where the rule was read
	line   int
}

// String describes the rule as written, with its position, for log lines:
// "deny publish 1.2.3.4 at conf/x.conf:12".
func (r addrRule) String() string {
	verb := "deny"
	if r.allow {
		verb = "allow"
	}
	return verb + " " + r.action.String() + " " + r.target + at(r.file, r.line)
}

// matches reports whether the rule covers action from ip. The caller has
// unmapped ip, so an IPv4-mapped IPv6 client matches IPv4 rules.
func (r addrRule) matches(action Action, ip netip.Addr) bool {
	return r.action == action && (r.all || r.prefix.Contains(ip))
}

// parseRule reads an allow or deny directive.
func parseRule(d *config.Directive) (addrRule, error) {
	if len(d.Args) != 2 {
		return addrRule{}, valueError(d, ErrInvalidRule, "want %s publish|play all|<ip>|<cidr>", d.Name)
	}
	action, ok := parseAction(d.Args[0])
	if !ok {
		return addrRule{}, valueError(d, ErrInvalidRule, "action %q is neither publish nor play", d.Args[0])
	}
	r := addrRule{allow: d.Name == "allow", action: action, target: d.Args[1], file: d.File, line: d.Line}
	if r.target == "all" {
		r.all = true
		return r, nil
	}
	p, err := parseTarget(r.target)
	if err != nil {
		return addrRule{}, valueError(d, ErrInvalidAddress, "%v", err)
	}
	r.prefix = p
	return r, nil
}

// parseTarget reads an IP address or a CIDR network, IPv4 or IPv6, as the
// network it covers. IPv4-mapped IPv6 forms become IPv4, as client addresses
// do, so "::ffff:10.0.0.0/104" is 10.0.0.0/8. Host bits are ignored, as SRS
// does: 10.1.2.3/8 is 10.0.0.0/8.
func parseTarget(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errZone
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
