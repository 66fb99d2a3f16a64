package security

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
)

// block parses body as the content of a vhost block in conf/x.conf, whose
// first line is "vhost v {", and returns the child named name (nil if none).
func block(t testing.TB, name, body string) *config.Directive {
	t.Helper()
	root, err := config.Parse("conf/x.conf", []byte("vhost v {\n"+body+"\n}\n"))
	require.NoError(t, err)
	return root.Get("vhost").Get(name)
}

func TestRulesCheck(t *testing.T) {
	ip := netip.MustParseAddr
	tests := []struct {
		name    string
		conf    string // vhost body; "" for no security block
		action  Action
		ip      netip.Addr
		allowed bool
		rule    string
	}{
		{"no block", "", Publish, ip("1.2.3.4"), true, "security disabled"},
		{"disabled by default", "security { deny publish all; }", Publish, ip("1.2.3.4"), true, "security disabled"},
		{"disabled explicitly", "security { enabled off; deny play all; }", Play, ip("1.2.3.4"), true, "security disabled"},
		{"only on enables", "security { enabled yes; deny play all; }", Play, ip("1.2.3.4"), true, "security disabled"},
		{"enabled without rules denies play", "security { enabled on; }", Play, ip("1.2.3.4"),
			false, "security enabled without rules denies play"},
		{"enabled without rules denies publish", "security { enabled on; }", Publish, ip("1.2.3.4"),
			false, "security enabled without rules denies publish"},

		{"deny all", "security {\nenabled on;\ndeny play all;\n}", Play, ip("1.2.3.4"),
			false, "deny play all at conf/x.conf:4"},
		{"deny of the other action only", "security {\nenabled on;\ndeny play all;\n}", Publish, ip("1.2.3.4"),
			true, "no deny rule matches publish"},
		{"deny not matching", "security { enabled on; deny publish 1.2.3.4; }", Publish, ip("1.2.3.5"),
			true, "no deny rule matches publish"},
		{"allow all", "security {\nenabled on;\nallow publish all;\n}", Publish, ip("1.2.3.4"),
			true, "allow publish all at conf/x.conf:4"},
		{"an allow rule of the other action denies by default", "security { enabled on; allow play all; }",
			Publish, ip("1.2.3.4"), false, "no allow rule matches publish"},
		{"allow not matching", "security { enabled on; allow play 1.2.3.4; }", Play, ip("1.2.3.5"),
			false, "no allow rule matches play"},

		{"deny beats an earlier allow", "security {\nenabled on;\nallow play 1.2.3.4;\ndeny play 1.2.3.4;\n}",
			Play, ip("1.2.3.4"), false, "deny play 1.2.3.4 at conf/x.conf:5"},
		{"deny beats a later allow", "security {\nenabled on;\ndeny play 1.2.3.4;\nallow play 1.2.3.4;\n}",
			Play, ip("1.2.3.4"), false, "deny play 1.2.3.4 at conf/x.conf:4"},
		{"deny beats allow all", "security {\nenabled on;\nallow publish all;\ndeny publish 1.2.3.4;\n}",
			Publish, ip("1.2.3.4"), false, "deny publish 1.2.3.4 at conf/x.conf:5"},
		{"allow all past a deny", "security {\nenabled on;\nallow publish all;\ndeny publish 1.2.3.4;\n}",
			Publish, ip("5.6.7.8"), true, "allow publish all at conf/x.conf:4"},
		{"deny all beats a specific allow", "security {\nenabled on;\nallow play 1.2.3.4;\ndeny play all;\n}",
			Play, ip("1.2.3.4"), false, "deny play all at conf/x.conf:5"},
		{"first matching deny decides", "security {\nenabled on;\ndeny publish 1.2.3.0/24;\ndeny publish 1.2.3.4;\n}",
			Publish, ip("1.2.3.4"), false, "deny publish 1.2.3.0/24 at conf/x.conf:4"},
		{"first matching allow decides", "security {\nenabled on;\nallow play 10.0.0.0/8;\nallow play all;\n}",
			Play, ip("10.1.1.1"), true, "allow play 10.0.0.0/8 at conf/x.conf:4"},
		{"rules of the other action are skipped", "security {\nenabled on;\ndeny publish all;\nallow play all;\n}",
			Play, ip("1.2.3.4"), true, "allow play all at conf/x.conf:5"},

		{"cidr allow inside", "security { enabled on; allow publish 10.0.0.0/8; }", Publish, ip("10.255.0.1"),
			true, "allow publish 10.0.0.0/8 at conf/x.conf:2"},
		{"cidr allow outside", "security { enabled on; allow publish 10.0.0.0/8; }", Publish, ip("11.0.0.1"),
			false, "no allow rule matches publish"},
		{"cidr deny inside", "security { enabled on; deny publish 192.168.0.0/16; allow publish all; }",
			Publish, ip("192.168.7.7"), false, "deny publish 192.168.0.0/16 at conf/x.conf:2"},
		{"cidr host bits ignored", "security { enabled on; allow play 10.1.2.3/8; }", Play, ip("10.200.0.1"),
			true, "allow play 10.1.2.3/8 at conf/x.conf:2"},
		{"cidr /32", "security { enabled on; allow play 10.1.2.3/32; }", Play, ip("10.1.2.4"),
			false, "no allow rule matches play"},

		{"ipv6 address", "security { enabled on; deny play 2001:db8::1; }", Play, ip("2001:db8::1"),
			false, "deny play 2001:db8::1 at conf/x.conf:2"},
		{"ipv6 cidr inside", "security { enabled on; allow play 2001:db8::/32; }", Play, ip("2001:db8:1::9"),
			true, "allow play 2001:db8::/32 at conf/x.conf:2"},
		{"ipv6 cidr outside", "security { enabled on; allow play 2001:db8::/32; }", Play, ip("2001:db9::1"),
			false, "no allow rule matches play"},
		{"ipv4 rule does not match ipv6", "security { enabled on; allow play 1.2.3.4; }", Play, ip("::1"),
			false, "no allow rule matches play"},
		{"ipv6 client zone ignored", "security { enabled on; allow play fe80::1; }", Play, ip("fe80::1%eth0"),
			true, "allow play fe80::1 at conf/x.conf:2"},

		{"mapped client against ipv4 address", "security { enabled on; deny publish 1.2.3.4; }",
			Publish, ip("::ffff:1.2.3.4"), false, "deny publish 1.2.3.4 at conf/x.conf:2"},
		{"mapped client against ipv4 cidr", "security { enabled on; allow play 10.0.0.0/8; }",
			Play, ip("::ffff:10.9.8.7"), true, "allow play 10.0.0.0/8 at conf/x.conf:2"},
		{"mapped rule against ipv4 client", "security { enabled on; deny publish ::ffff:1.2.3.4; }",
			Publish, ip("1.2.3.4"), false, "deny publish ::ffff:1.2.3.4 at conf/x.conf:2"},
		{"mapped cidr against ipv4 client", "security { enabled on; allow play ::ffff:10.0.0.0/104; }",
			Play, ip("10.1.1.1"), true, "allow play ::ffff:10.0.0.0/104 at conf/x.conf:2"},
		{"mapped cidr outside", "security { enabled on; allow play ::ffff:10.0.0.0/104; }",
			Play, ip("11.1.1.1"), false, "no allow rule matches play"},

		{"unknown client address matches only all", "security { enabled on; allow play 1.2.3.4; allow play all; }",
			Play, netip.Addr{}, true, "allow play all at conf/x.conf:2"},
		{"unknown client address", "security { enabled on; allow play 1.2.3.4; }",
			Play, netip.Addr{}, false, "no allow rule matches play"},
		{"unknown action", "security { enabled on; deny play 1.2.3.4; }", 0, ip("5.6.7.8"),
			false, "unknown action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseSecurity(block(t, "security", tt.conf))
			require.NoError(t, err)
			allowed, rule := r.Check(tt.action, tt.ip)
			assert.Equal(t, tt.allowed, allowed)
			assert.Equal(t, tt.rule, rule)
		})
	}
}

func TestRulesNilAndZero(t *testing.T) {
	for _, r := range []*Rules{nil, {}} {
		allowed, rule := r.Check(Publish, netip.MustParseAddr("1.2.3.4"))
		assert.True(t, allowed)
		assert.Equal(t, "security disabled", rule)
		assert.False(t, r.Enabled())
	}
}

func TestRuleWithoutPosition(t *testing.T) {
	b := &config.Directive{Name: "security", Children: []*config.Directive{
		{Name: "enabled", Args: []string{"on"}},
		{Name: "deny", Args: []string{"play", "all"}},
	}}
	r, err := ParseSecurity(b)
	require.NoError(t, err)
	assert.True(t, r.Enabled())
	_, rule := r.Check(Play, netip.MustParseAddr("1.2.3.4"))
	assert.Equal(t, "deny play all", rule)
}

func TestParseSecurityErrors(t *testing.T) {
	tests := []struct {
		name string
		rule string
		want error
	}{
		{"unknown action", "allow read all;", ErrInvalidRule},
		{"action missing", "deny 1.2.3.4;", ErrInvalidRule},
		{"no arguments", "deny;", ErrInvalidRule},
		{"two targets", "deny publish 1.2.3.4 5.6.7.8;", ErrInvalidRule},
		{"short ipv4", "allow play 1.2.3;", ErrInvalidAddress},
		{"hostname", "allow play localhost;", ErrInvalidAddress},
		{"all as a network", "allow play all/8;", ErrInvalidAddress},
		{"prefix too long", "deny publish 10.0.0.0/33;", ErrInvalidAddress},
		{"prefix without bits", "deny publish 10.0.0.0/;", ErrInvalidAddress},
		{"ipv6 prefix too long", "deny publish 2001:db8::/129;", ErrInvalidAddress},
		{"zone", "allow play fe80::1%eth0;", ErrInvalidAddress},
		{"empty", `allow play "";`, ErrInvalidAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The rule is checked even though security is disabled, and
			// after a valid rule, on line 3 of the file.
			_, err := ParseSecurity(block(t, "security", "security {\nallow play all;\n"+tt.rule+"\n}"))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			var ve *config.ValueError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "conf/x.conf", ve.File)
			assert.Equal(t, 4, ve.Line)
			assert.Contains(t, err.Error(), "conf/x.conf:4")
		})
	}
}

// TestSecurityFromLoadedConfig reads the block the way the server does,
// through the typed configuration, which must not warn about it.
func TestSecurityFromLoadedConfig(t *testing.T) {
	root, err := config.Parse("conf/x.conf", []byte(`vhost v {
    security {
        enabled on;
        deny    publish 10.0.0.13;
        allow   publish 10.0.0.0/8;
        allow   play    all;
    }
}
`))
	require.NoError(t, err)
	c, err := config.FromDirective(root, "conf/x.conf")
	require.NoError(t, err)
	assert.Empty(t, c.Warnings)
	r, err := ParseSecurity(c.Vhosts["v"].Block.Get("security"))
	require.NoError(t, err)

	for _, tt := range []struct {
		action  Action
		ip      string
		allowed bool
	}{
		{Publish, "10.0.0.13", false},
		{Publish, "10.0.0.14", true},
		{Publish, "192.0.2.1", false},
		{Play, "10.0.0.13", true},
		{Play, "192.0.2.1", true},
	} {
		allowed, rule := r.Check(tt.action, netip.MustParseAddr(tt.ip))
		assert.Equal(t, tt.allowed, allowed, "%s from %s: %s", tt.action, tt.ip, rule)
	}
}

func TestActionString(t *testing.T) {
	assert.Equal(t, "publish", Publish.String())
	assert.Equal(t, "play", Play.String())
	assert.Equal(t, "unknown action", Action(0).String())
}
