package security

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
)

func TestReferCheck(t *testing.T) {
	const allA = "refer {\nenabled on;\nall a.com b.org;\n}" // all on conf/x.conf:4
	tests := []struct {
		name   string
		conf   string // vhost body
		action Action
		url    string
		ok     bool
		reason string
	}{
		{"no block", "", Play, "http://evil.com/", true, "refer disabled"},
		{"disabled by default", "refer { all a.com; }", Play, "http://evil.com/", true, "refer disabled"},
		{"disabled explicitly", "refer { enabled off; all a.com; }", Play, "http://evil.com/", true, "refer disabled"},
		{"enabled without lists", "refer { enabled on; }", Play, "http://evil.com/", true, "no refer list applies to play"},

		{"exact host", allA, Play, "http://a.com/live.html", true, `page url "http://a.com/live.html" matches a.com of refer all at conf/x.conf:4`},
		{"second domain", allA, Play, "http://b.org/", true, `page url "http://b.org/" matches b.org of refer all at conf/x.conf:4`},
		{"subdomain", allA, Play, "https://www.a.com/x", true, `page url "https://www.a.com/x" matches a.com of refer all at conf/x.conf:4`},
		{"deep subdomain", allA, Publish, "https://x.y.z.a.com/", true, `page url "https://x.y.z.a.com/" matches a.com of refer all at conf/x.conf:4`},
		{"port", allA, Play, "http://a.com:8080/p", true, `page url "http://a.com:8080/p" matches a.com of refer all at conf/x.conf:4`},
		{"port without path", allA, Play, "http://www.a.com:8080", true, `page url "http://www.a.com:8080" matches a.com of refer all at conf/x.conf:4`},
		{"other scheme", allA, Play, "rtmp://a.com/live", true, `page url "rtmp://a.com/live" matches a.com of refer all at conf/x.conf:4`},
		{"no scheme", allA, Play, "a.com/live.html", true, `page url "a.com/live.html" matches a.com of refer all at conf/x.conf:4`},
		{"bare host", allA, Play, "www.a.com", true, `page url "www.a.com" matches a.com of refer all at conf/x.conf:4`},
		{"other domain", allA, Play, "http://evil.com/a.com", false, `page url "http://evil.com/a.com" matches no domain of refer all (a.com b.org) at conf/x.conf:4`},
		{"domain as a prefix", allA, Play, "http://a.com.evil.net/", false, `page url "http://a.com.evil.net/" matches no domain of refer all (a.com b.org) at conf/x.conf:4`},
		{"domain in the port", allA, Play, "http://evil.net:1/a.com", false, `page url "http://evil.net:1/a.com" matches no domain of refer all (a.com b.org) at conf/x.conf:4`},
		{"empty page url", allA, Play, "", false, `page url "" matches no domain of refer all (a.com b.org) at conf/x.conf:4`},
		{"scheme only", allA, Play, "http://", false, `page url "http://" matches no domain of refer all (a.com b.org) at conf/x.conf:4`},
		// SRS's plain string suffix: no dot boundary, first occurrence, case-sensitive.
		{"suffix without a dot boundary", allA, Play, "http://evila.com/", true, `page url "http://evila.com/" matches a.com of refer all at conf/x.conf:4`},
		{"domain occurring twice", allA, Play, "http://a.com.a.com/", false, `page url "http://a.com.a.com/" matches no domain of refer all (a.com b.org) at conf/x.conf:4`},
		{"case-sensitive", allA, Play, "http://WWW.A.COM/", false, `page url "http://WWW.A.COM/" matches no domain of refer all (a.com b.org) at conf/x.conf:4`},
		{"query is not cut", allA, Play, "http://evil.net?a.com", true, `page url "http://evil.net?a.com" matches a.com of refer all at conf/x.conf:4`},

		{"action list passes", "refer {\nenabled on;\nplay a.com;\n}", Play, "http://a.com/", true, `page url "http://a.com/" matches a.com of refer play at conf/x.conf:4`},
		{"action list fails", "refer {\nenabled on;\nplay a.com;\n}", Play, "http://b.com/", false, `page url "http://b.com/" matches no domain of refer play (a.com) at conf/x.conf:4`},
		{"other action's list ignored", "refer {\nenabled on;\nplay a.com;\n}", Publish, "http://b.com/", true, "no refer list applies to publish"},
		{"publish list", "refer {\nenabled on;\nplay a.com;\npublish b.com;\n}", Publish, "http://b.com/", true, `page url "http://b.com/" matches b.com of refer publish at conf/x.conf:5`},
		{"publish list fails", "refer {\nenabled on;\nplay a.com;\npublish b.com;\n}", Publish, "http://a.com/", false, `page url "http://a.com/" matches no domain of refer publish (b.com) at conf/x.conf:5`},
		{"all and action list pass", "refer {\nenabled on;\nall a.com;\nplay live.a.com;\n}", Play, "http://x.live.a.com/", true,
			`page url "http://x.live.a.com/" matches a.com of refer all at conf/x.conf:4 and live.a.com of refer play at conf/x.conf:5`},
		{"all passes, action list fails", "refer {\nenabled on;\nall a.com;\nplay live.a.com;\n}", Play, "http://www.a.com/", false,
			`page url "http://www.a.com/" matches no domain of refer play (live.a.com) at conf/x.conf:5`},
		{"action list passes, all fails", "refer {\nenabled on;\nall a.com;\nplay b.com;\n}", Play, "http://b.com/", false,
			`page url "http://b.com/" matches no domain of refer all (a.com) at conf/x.conf:4`},
		{"all without action list", "refer {\nenabled on;\nall a.com;\nplay live.a.com;\n}", Publish, "http://www.a.com/", true,
			`page url "http://www.a.com/" matches a.com of refer all at conf/x.conf:4`},

		{"empty list passes no one", "refer {\nenabled on;\nplay;\n}", Play, "http://a.com/", false, `page url "http://a.com/" matches no domain of refer play () at conf/x.conf:4`},
		{"empty list, empty page url", "refer {\nenabled on;\nplay;\n}", Play, "", false, `page url "" matches no domain of refer play () at conf/x.conf:4`},
		{"empty domain passes an empty page url", "refer {\nenabled on;\nall a.com \"\";\n}", Play, "", true, `page url "" matches "" of refer all at conf/x.conf:4`},
		{"empty domain passes no host", "refer {\nenabled on;\nall \"\";\n}", Play, "http://a.com/", false, `page url "http://a.com/" matches no domain of refer all () at conf/x.conf:4`},
		{"unknown action", allA, 0, "http://a.com/", false, "unknown action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRefer(block(t, "refer", tt.conf))
			require.NoError(t, err)
			ok, reason := r.Check(tt.action, tt.url)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.reason, reason)
		})
	}
}

func TestReferNilAndZero(t *testing.T) {
	for _, r := range []*Refer{nil, {}} {
		ok, reason := r.Check(Play, "")
		assert.True(t, ok)
		assert.Equal(t, "refer disabled", reason)
		assert.False(t, r.Enabled())
	}
}

func TestParseReferErrors(t *testing.T) {
	for _, list := range []string{"all a.com http://b.com;", "play a.com/live;", "publish a.com:8080;"} {
		t.Run(list, func(t *testing.T) {
			_, err := ParseRefer(block(t, "refer", "refer {\n"+list+"\n}"))
			assert.ErrorIs(t, err, ErrInvalidDomain)
			var ve *config.ValueError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, 3, ve.Line)
			assert.Contains(t, err.Error(), "conf/x.conf:3")
		})
	}
}

// TestLegacyRefer reads SRS 1/2's refer, refer_play and refer_publish, which
// the config package rewrites into a refer block.
func TestLegacyRefer(t *testing.T) {
	root, err := config.Parse("conf/x.conf", []byte(`vhost v {
    refer         a.com;
    refer_play    live.a.com;
    refer_publish up.a.com;
}
`))
	require.NoError(t, err)
	c, err := config.FromDirective(root, "conf/x.conf")
	require.NoError(t, err)
	assert.Empty(t, c.Warnings)
	r, err := ParseRefer(c.Vhosts["v"].Block.Get("refer"))
	require.NoError(t, err)
	require.True(t, r.Enabled())

	for _, tt := range []struct {
		action Action
		url    string
		ok     bool
	}{
		{Play, "http://www.live.a.com/", true},
		{Play, "http://up.a.com/", false},
		{Publish, "http://up.a.com/", true},
		{Publish, "http://live.a.com/", false},
		{Play, "http://live.b.com/", false},
	} {
		ok, reason := r.Check(tt.action, tt.url)
		assert.Equal(t, tt.ok, ok, "%s from %s: %s", tt.action, tt.url, reason)
	}
}
