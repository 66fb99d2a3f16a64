package api

// SRS's error codes, as the API reports them in the "code" field of an
// HTTP 200 response.
const (
	CodeSuccess = 0

	// CodeRawAPI: the raw API was asked for an rpc it does not serve.
	CodeRawAPI = 1060 // ERROR_SYSTEM_CONFIG_RAW
	// CodeRawAPIDisabled: raw_api is off, or allow_reload is off for rpc=reload.
	CodeRawAPIDisabled = 1061 // ERROR_SYSTEM_CONFIG_RAW_DISABLED

	CodeVhostNotFound  = 2014 // ERROR_RTMP_VHOST_NOT_FOUND
	CodeStreamNotFound = 2048 // ERROR_RTMP_STREAM_NOT_FOUND
	CodeClientNotFound = 2049 // ERROR_RTMP_CLIENT_NOT_FOUND

	// CodeReloadFailed is cascade's own: the reload itself failed. SRS
	// answers 0 at once and reloads later; cascade reloads before answering.
	CodeReloadFailed = 1023 // ERROR_SYSTEM_CONFIG_INVALID
)

// Paging defaults of /api/v1/streams and /api/v1/clients: SRS starts at 0
// and returns at least 10 items, whatever smaller count is asked for.
const (
	defaultStart = 0
	minCount     = 10
)
