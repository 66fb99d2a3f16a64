// Package session defines how parts of the server that are not connections
// of the event loops publish into it and play from it: an edge's pull, a
// forward, a stream caster (MPEG-TS over UDP, FLV POST, RTSP, SRT), an
// ingest. They go through the same admission, client list, outputs and
// callbacks as an RTMP or HTTP-FLV session; the server implements Host.
package session

import (
	"context"
	"errors"
)

var (
	// ErrRejected wraps why admission refused a session (a security rule,
	// a callback's verdict, an unknown vhost).
	ErrRejected = errors.New("session: rejected")
	// ErrClosed is returned by a session the server ended (kicked through
	// the API, or the server stopped).
	ErrClosed = errors.New("session: closed")
)

// Request describes a publisher or player.
type Request struct {
	// Proto is the client type the HTTP API shows, e.g. "rtmp-pull",
	// "mpegts-udp", "flv-post", "rtsp", "srt", "srt-play", "forward".
	Proto string
	// RemoteAddr is the peer's "ip:port", for security rules, the API and
	// callbacks; empty for the server's own sessions.
	RemoteAddr string
	// TcURL is rtmp://host[:port]/app[?query] as SRS reports it; built
	// from Vhost and App when empty.
	TcURL string
	// Vhost as asked: resolved like RTMP's (a name no vhost has falls back
	// to the default vhost).
	Vhost       string
	App, Stream string
	// Param is the query with its "?", e.g. "?token=abc": it reaches
	// on_publish and on_play.
	Param string
	// Internal marks the server's own sessions (an edge's pull, a
	// forward): security rules and callbacks do not apply.
	Internal bool
}

// Host is what the server offers.
type Host interface {
	// Publish admits req (security by RemoteAddr, on_connect and
	// on_publish), lists the client, starts the vhost's outputs and makes
	// the caller the stream's publisher. Errors wrap ErrRejected, or
	// live.ErrPublishBusy when the stream has a publisher.
	Publish(ctx context.Context, req Request) (Publisher, error)
	// Play admits req (security, on_play) and attaches a player that reads
	// the stream as FLV tags: metadata, sequence headers and the GOP cache
	// first, then live.
	Play(ctx context.Context, req Request) (Player, error)
	// PlayTS admits req as Play does and attaches a player that reads the
	// stream as MPEG-TS: the form serialized once for every TS player
	// (HTTP-TS, SRT), from PAT and PMT and a keyframe on.
	PlayTS(ctx context.Context, req Request) (TSPlayer, error)
}

// Publisher feeds one stream from one goroutine at a time.
type Publisher interface {
	// WriteTag adds one message: typ is the FLV tag type (8 audio, 9
	// video, 18 script data, "@setDataFrame" wrappers unwrapped),
	// timestamp in milliseconds (jitter correction applies), payload the
	// tag body, copied. It returns ErrClosed once the server ended the
	// publisher.
	WriteTag(typ uint8, timestamp uint32, payload []byte) error
	// Close unpublishes: players stay and hear of it, on_unpublish fires.
	// It is idempotent.
	Close() error
	// Done is closed when the server ends the publisher (kick, shutdown).
	Done() <-chan struct{}
	// CountLost adds n media packets the input lost on the way (TS
	// continuity gaps, RTP sequence gaps, SRT loss), as they are found:
	// the API's client entry and the metrics show them. Safe from any
	// goroutine.
	CountLost(n uint64)
}

// Player reads one stream. Its queue is bounded like any player's: a reader
// that falls behind skips to a keyframe, and again is dropped.
type Player interface {
	// ReadTag waits for the next message; Payload is valid until the next
	// ReadTag or Close.
	ReadTag(ctx context.Context) (Tag, error)
	// Close detaches the player; on_stop fires. It is idempotent.
	Close() error
}

// TSPlayer reads one stream as MPEG-TS, bounded like a Player.
type TSPlayer interface {
	// ReadTS waits for the next TS packets (a whole number of 188-byte
	// packets), valid until the next ReadTS or Close.
	ReadTS(ctx context.Context) ([]byte, error)
	// Close detaches the player; on_stop fires. It is idempotent.
	Close() error
}

// Tag is one message of a stream.
type Tag struct {
	Type      uint8 // 8 audio, 9 video, 18 script data
	Timestamp uint32
	Payload   []byte
}
