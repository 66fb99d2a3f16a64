package rtmpconn

import (
	"context"
	"log/slog"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/admission"
	"github.com/cascade-live/cascade/internal/bandcheck"
	"github.com/cascade-live/cascade/internal/edge"
	"github.com/cascade-live/cascade/internal/streamreq"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
)

// Host is the server a session serves: its loaded configuration, the live
// core, admission, the event bus, the outputs and the client list. Its
// methods are called on the connection's loop, except Locate and
// ClusterLog (from a goroutine of the session's).
type Host interface {
	// HandshakeTimeout bounds the RTMP handshake, ConnectTimeout the
	// connect command after it.
	HandshakeTimeout() time.Duration
	ConnectTimeout() time.Duration

	// Vhost is the configured vhost that serves name (the default vhost
	// takes unknown names), or nil; the session checks it is enabled.
	Vhost(name string) *config.Vhost
	// Live is the live core's configuration of v.
	Live(v *config.Vhost) *live.Config
	// Cluster is v's cluster role: edge, origin cluster, token_traverse.
	Cluster(v *config.Vhost) *edge.Config
	// Bandcheck is v's bandwidth test.
	Bandcheck(v *config.Vhost) bandcheck.Config

	Registry() *live.Registry
	Admission() *admission.Admitter
	// AllowBandcheck reports whether ip may start a bandwidth check now:
	// one per IP per interval.
	AllowBandcheck(ip string, now time.Time, interval time.Duration) bool
	// Emit publishes an event of vhost; it never blocks.
	Emit(vhost string, p hooks.Payload)

	// AttachOutputs starts v's outputs (DVR, HLS, forwards…) of a stream
	// just published; DetachOutputs ends them.
	AttachOutputs(src *live.Source, v *config.Vhost, req *streamreq.Request, log *slog.Logger, conn hooks.Conn)
	DetachOutputs(src *live.Source)

	// AddClient lists c among the server's clients; RemoveClient takes it
	// off when it closed with err.
	AddClient(c *netpoll.Conn) Client
	RemoveClient(c *netpoll.Conn, err error)

	// Publishing reports whether this server publishes the stream.
	Publishing(vhost, app, stream string) bool
	// Locate finds the origin of cluster cc that publishes req's stream,
	// as its RTMP address.
	Locate(ctx context.Context, cc *edge.Config, req *streamreq.Request) (rtmpAddr string, ok bool)
	// ClusterLog is the logger of the cluster's roles.
	ClusterLog() *slog.Logger
}

// Client is a session's entry in the server's client list (the HTTP API,
// the metrics).
type Client interface {
	// Connect records what the client asked for when it connected.
	Connect(req streamreq.Request, pageURL, swfURL string)
	// Attach records the stream the client publishes or plays, as client
	// type typ (api.Client*).
	Attach(req streamreq.Request, src *live.Source, typ string, publish bool)
	// Detach records that the client no longer publishes or plays.
	Detach()
}
