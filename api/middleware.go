package api

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// withCORS answers cross-origin requests as SRS does: with crossdomain on, a
// request that carries Origin gets permissive CORS headers (SRS needs no
// cookies, so credentials stay off) and OPTIONS is answered 200 with no
// body; with it off, OPTIONS is 405. Authorization is named beside "*"
// because a wildcard never covers it: a page on another port (the web
// console) sends basic credentials itself. OPTIONS never reaches auth, because
// browsers send preflights without credentials.
func withCORS(next http.Handler, enabled bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if enabled && r.Header.Get("Origin") != "" {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Allow-Headers", "*, Authorization")
			h.Set("Access-Control-Allow-Methods", "*")
			h.Set("Access-Control-Expose-Headers", "*")
			h.Set("Access-Control-Allow-Credentials", "false")
			h.Set("Access-Control-Request-Private-Network", "true")
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Content-Length", "0")
			if enabled {
				w.WriteHeader(http.StatusOK)
			} else {
				w.WriteHeader(http.StatusMethodNotAllowed)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withBasicAuth requires HTTP basic credentials on /api/ paths, as SRS's
// http_api.auth does; anything else answers 401 with a Basic challenge.
func withBasicAuth(next http.Handler, want BasicAuth) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/api/") || credentialsMatch(r, want) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="cascade"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
}

// credentialsMatch compares in constant time, and compares both fields
// whatever the first gives, so timing reveals neither.
func credentialsMatch(r *http.Request, want BasicAuth) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(want.Username))
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(want.Password))
	return userOK&passOK == 1
}

// withJSONP rejects callback names that are not plain identifiers, and lets
// a JSONP request, which can only be a GET, name its real method with
// ?method=, as SRS allows (so a page can kick a client with a script tag).
func withJSONP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		callback := q.Get("callback")
		if callback == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !validCallback(callback) {
			http.Error(w, "invalid JSONP callback", http.StatusBadRequest)
			return
		}
		if m := q.Get("method"); m != "" {
			r = r.Clone(r.Context())
			r.Method = strings.ToUpper(m)
		}
		next.ServeHTTP(w, r)
	})
}
