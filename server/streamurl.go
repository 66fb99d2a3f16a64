package server

import "github.com/cascade-live/cascade/internal/streamreq"

// DefaultVhost is SRS's name for the vhost that takes every other name.
const DefaultVhost = streamreq.DefaultVhost

// StreamRequest is what a client asked for: the parts SRS identifies a
// stream by, and the query it passed (tokens and vhost hints). It is a
// streamreq.Request (the sessions of internal/httpconn use that).
type StreamRequest streamreq.Request

// StreamURL is the stream's address as SRS prints it (vhost/app/stream
// without the default vhost).
func (r *StreamRequest) StreamURL() string { return (*streamreq.Request)(r).StreamURL() }

// parseTcURL takes the connect command's tcUrl and app (either may carry a
// query, as some encoders put ?vhost=… in the app).
func parseTcURL(tcURL, app string) StreamRequest { return StreamRequest(streamreq.Parse(tcURL, app)) }

// setStream applies a publish/play name (which may carry its own query).
func (r *StreamRequest) setStream(name string) { (*streamreq.Request)(r).SetStream(name) }

func vhostParam(query string) string { return streamreq.VhostParam(query) }

func hostOnly(hostport string) string { return streamreq.HostOnly(hostport) }
