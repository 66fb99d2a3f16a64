package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unwrapJSONP returns the JSON inside "name(...)", or body unchanged.
func unwrapJSONP(t *testing.T, body string) string {
	t.Helper()
	i := strings.IndexByte(body, '(')
	if i < 0 || !strings.HasSuffix(body, ")") || strings.HasPrefix(body, "{") {
		return body
	}
	return body[i+1 : len(body)-1]
}

func TestJSONP(t *testing.T) {
	srv := serve(t, newFake(), testOptions)
	tests := []struct {
		name, path, callback string
		want                 map[string]any
	}{
		{"success", "/api/v1/versions?callback=jQuery_1.2-3", "jQuery_1.2-3",
			withEnvelope(map[string]any{"data": map[string]any{"major": 6.0, "minor": 0.0, "revision": 184.0, "version": "6.0.184"}})},
		{"error code", "/api/v1/streams/nope?callback=cb", "cb", map[string]any{"code": 2048.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, http.MethodGet, srv.URL+tt.path, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "text/javascript", resp.Header.Get("Content-Type"))
			require.True(t, strings.HasPrefix(body, tt.callback+"("), body)
			require.True(t, strings.HasSuffix(body, ")"), body)
			assert.Equal(t, tt.want, decode(t, body[len(tt.callback)+1:len(body)-1]))
		})
	}
}

func TestJSONPRejectsUnsafeCallback(t *testing.T) {
	srv := serve(t, newFake(), testOptions)
	for _, cb := range []string{"alert(1)//", "a%3Bb", "x%3Cscript%3E"} {
		resp, body := do(t, http.MethodGet, srv.URL+"/api/v1/versions?callback="+cb, nil)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, cb)
		assert.NotContains(t, body, "(", cb)
	}
}

func TestCORS(t *testing.T) {
	corsHeaders := map[string]string{
		"Access-Control-Allow-Origin":      "*",
		"Access-Control-Allow-Headers":     "*, Authorization",
		"Access-Control-Allow-Methods":     "*",
		"Access-Control-Expose-Headers":    "*",
		"Access-Control-Allow-Credentials": "false",
	}
	origin := http.Header{"Origin": {"http://console.example"}}
	tests := []struct {
		name        string
		crossdomain bool
		method      string
		header      http.Header
		status      int
		wantCORS    bool
	}{
		{"get with origin", true, http.MethodGet, origin, http.StatusOK, true},
		{"get without origin", true, http.MethodGet, nil, http.StatusOK, false},
		{"preflight", true, http.MethodOptions, origin, http.StatusOK, true},
		{"crossdomain off", false, http.MethodGet, origin, http.StatusOK, false},
		{"preflight crossdomain off", false, http.MethodOptions, origin, http.StatusMethodNotAllowed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions
			opts.Crossdomain = tt.crossdomain
			srv := serve(t, newFake(), opts)
			resp, body := do(t, tt.method, srv.URL+"/api/v1/streams", tt.header)
			assert.Equal(t, tt.status, resp.StatusCode)
			for k, v := range corsHeaders {
				if tt.wantCORS {
					assert.Equal(t, v, resp.Header.Get(k), k)
				} else {
					assert.Empty(t, resp.Header.Get(k), k)
				}
			}
			if tt.method == http.MethodOptions {
				assert.Empty(t, body)
			}
		})
	}
}

func TestBasicAuth(t *testing.T) {
	opts := testOptions
	opts.Auth = &BasicAuth{Username: "admin", Password: "s3cret"}
	srv := serve(t, newFake(), opts)

	withCreds := func(user, pass string) http.Header {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(user, pass)
		return req.Header
	}
	tests := []struct {
		name, method, path string
		header             http.Header
		status             int
	}{
		{"no credentials", http.MethodGet, "/api/v1/streams", nil, http.StatusUnauthorized},
		{"wrong password", http.MethodGet, "/api/v1/streams", withCreds("admin", "s3cres"), http.StatusUnauthorized},
		{"wrong user", http.MethodGet, "/api/v1/streams", withCreds("admim", "s3cret"), http.StatusUnauthorized},
		{"password prefix", http.MethodGet, "/api/v1/streams", withCreds("admin", "s3cre"), http.StatusUnauthorized},
		{"not basic", http.MethodGet, "/api/v1/streams", http.Header{"Authorization": {"Bearer x"}}, http.StatusUnauthorized},
		{"kick without credentials", http.MethodDelete, "/api/v1/clients/c-play", nil, http.StatusUnauthorized},
		{"valid", http.MethodGet, "/api/v1/streams", withCreds("admin", "s3cret"), http.StatusOK},
		{"root is not the api", http.MethodGet, "/", nil, http.StatusOK},
		{"preflight needs none", http.MethodOptions, "/api/v1/streams", http.Header{"Origin": {"http://x"}}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.method, srv.URL+tt.path, tt.header)
			assert.Equal(t, tt.status, resp.StatusCode)
			if tt.status == http.StatusUnauthorized {
				assert.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic"))
				assert.Empty(t, body, "nothing of the API leaks without credentials")
			}
		})
	}
}

// TestCredentialsUseConstantTimeCompare checks the source: timing is not
// observable in a unit test, so this asserts that credentialsMatch compares
// with crypto/subtle and has no == or != on the credentials.
func TestCredentialsUseConstantTimeCompare(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "middleware.go", nil, 0)
	require.NoError(t, err)

	var fn *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "credentialsMatch" {
			fn = fd
		}
	}
	require.NotNil(t, fn, "credentialsMatch not found")

	subtleCalls := 0
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "subtle" && sel.Sel.Name == "ConstantTimeCompare" {
					subtleCalls++
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				// Only the combined 0/1 result may be compared.
				lit, ok := n.Y.(*ast.BasicLit)
				assert.True(t, ok && lit.Value == "1", "non-constant-time comparison at %s", fset.Position(n.Pos()))
			}
		}
		return true
	})
	assert.Equal(t, 2, subtleCalls, "username and password each compared with subtle.ConstantTimeCompare")
}
