package api

import (
	"crypto/rand"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// apiHandler serves the endpoints; the middlewares around it are built in
// NewHandler.
type apiHandler struct {
	p         Provider
	opts      Options
	serviceID string
	pid       string
	version   versionNumbers
}

// versionNumbers is Options.Version split as /api/v1/versions reports it.
type versionNumbers struct {
	Major    int    `json:"major"`
	Minor    int    `json:"minor"`
	Revision int    `json:"revision"`
	Version  string `json:"version"`
}

// NewHandler returns SRS's HTTP API over p. Mount it at the root of the
// http_api listener: it routes /, /api/ and /api/v1/... itself.
func NewHandler(p Provider, opts Options) http.Handler {
	a := &apiHandler{
		p:         p,
		opts:      opts,
		serviceID: opts.ServiceID,
		pid:       strconv.Itoa(os.Getpid()),
		version:   parseVersion(opts.Version),
	}
	if a.serviceID == "" {
		a.serviceID = NewServiceID()
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.serveRoot)
	// SRS answers every unknown path under /api/ and /api/v1/ with the
	// index one level up; the prefix patterns do the same.
	mux.HandleFunc("GET /api/", a.serveAPIIndex)
	mux.HandleFunc("GET /api/v1/", a.serveV1Index)
	mux.HandleFunc("GET /api/v1", a.serveV1Index)
	mux.HandleFunc("GET /api/v1/versions", a.serveVersions)
	mux.HandleFunc("GET /api/v1/summaries", a.serveSummaries)
	mux.HandleFunc("GET /api/v1/vhosts", a.serveVhosts)
	mux.HandleFunc("GET /api/v1/vhosts/{$}", a.serveVhosts)
	mux.HandleFunc("GET /api/v1/vhosts/{id}", a.serveVhost)
	mux.HandleFunc("GET /api/v1/streams", a.serveStreams)
	mux.HandleFunc("GET /api/v1/streams/{$}", a.serveStreams)
	mux.HandleFunc("GET /api/v1/streams/{id}", a.serveStream)
	mux.HandleFunc("GET /api/v1/clients", a.serveClients)
	mux.HandleFunc("GET /api/v1/clients/{$}", a.serveClients)
	mux.HandleFunc("GET /api/v1/clients/{id}", a.serveClient)
	mux.HandleFunc("DELETE /api/v1/clients/{id}", a.kickClient)
	mux.HandleFunc("DELETE /api/v1/clients", a.kickClient)
	mux.HandleFunc("DELETE /api/v1/clients/{$}", a.kickClient)
	mux.HandleFunc("GET /api/v1/raw", a.serveRaw)
	mux.HandleFunc("GET /api/v1/clusters", a.serveClusters)
	mux.HandleFunc("POST /api/v1/raw", a.serveRaw)
	for name, list := range opts.Lists {
		serve := func(w http.ResponseWriter, r *http.Request) { a.replyOK(w, r, field{name, list()}) }
		mux.HandleFunc("GET /api/v1/"+name, serve)
		mux.HandleFunc("GET /api/v1/"+name+"/{$}", serve)
	}

	var h http.Handler = withJSONP(mux)
	if opts.Auth != nil {
		h = withBasicAuth(h, *opts.Auth)
	}
	return withCORS(h, opts.Crossdomain)
}

// NewServiceID returns a fresh service ID: 8 random lowercase letters and
// digits, as SRS makes one per process. Give the same one to the API and
// the exporter so their series and responses agree.
func NewServiceID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// parseVersion splits "6.0.184" into its numbers; missing or malformed parts
// are 0.
func parseVersion(v string) versionNumbers {
	n := versionNumbers{Version: v}
	parts := strings.SplitN(v, ".", 3)
	nums := []*int{&n.Major, &n.Minor, &n.Revision}
	for i, p := range parts {
		*nums[i], _ = strconv.Atoi(p)
	}
	return n
}
