package server

import "github.com/cascade-live/cascade/internal/streamreq"

// DefaultVhost is SRS's name for the vhost that takes every other name.
const DefaultVhost = streamreq.DefaultVhost

// StreamRequest is what a client asked for: the parts SRS identifies a
// stream by, and the query it passed (tokens and vhost hints).
type StreamRequest = streamreq.Request

// The server's sessions describe their clients the way the RTMP sessions
// of internal/rtmpconn do.
var (
	ipOf        = streamreq.ClientIP
	hookConn    = streamreq.HookConn
	streamEvent = streamreq.StreamEvent
	playEvent   = streamreq.PlayEvent
	hostOnly    = streamreq.HostOnly
	vhostParam  = streamreq.VhostParam
)
