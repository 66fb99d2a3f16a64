package api

// Provider is what the server gives the API: snapshots taken when a request
// arrives, and the two actions the API can take. Every method may be called
// from any goroutine.
type Provider interface {
	Summary() Summary
	Vhosts() []Vhost
	Streams() []Stream
	Clients() []Client
	// Kick disconnects a client; false means there is no such client.
	Kick(clientID string) bool
	// Reload re-reads the configuration, as SIGHUP does.
	Reload() error
}

// Options configures NewHandler; the fields mirror SRS's http_api block.
type Options struct {
	Crossdomain bool       // http_api.crossdomain: CORS headers and OPTIONS
	Auth        *BasicAuth // http_api.auth; nil when disabled
	RawAPI      bool       // http_api.raw_api.enabled
	AllowReload bool       // http_api.raw_api.allow_reload

	ServerID  string // server_id: the envelope's "server"
	ServiceID string // the envelope's "service"; NewServiceID() when empty
	Version   string // "major.minor.revision", for /api/v1/versions

	// Lists are read-only lists beyond SRS's, each served at
	// /api/v1/NAME as {"code":0,…,"NAME":value}.
	Lists map[string]func() any
}

// BasicAuth holds the credentials of http_api.auth.
type BasicAuth struct {
	Username string
	Password string
}
