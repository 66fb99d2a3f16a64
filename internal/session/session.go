// Package session is how publishers and players that are not connections of
// the event loops (stream casters, edge pulls, forwards) enter the server.
//
// TEMPORARY copy of the contract in /work/wt/LIVE-API.md, kept only until
// the lead's package lands on main; the landed package replaces this file.
package session

import (
	"context"
	"errors"
)

// Request describes a publisher or player that is not an RTMP/HTTP
// connection of the event loops.
type Request struct {
	Proto       string
	RemoteAddr  string
	TcURL       string
	Vhost       string
	App, Stream string
	Param       string
	Internal    bool
}

// Host is what the server offers.
type Host interface {
	Publish(ctx context.Context, req Request) (Publisher, error)
	Play(ctx context.Context, req Request) (Player, error)
}

// Publisher feeds one stream.
type Publisher interface {
	WriteTag(typ uint8, timestamp uint32, payload []byte) error
	Close() error
	Done() <-chan struct{}
}

// Player reads one stream as FLV tags.
type Player interface {
	ReadTag(ctx context.Context) (Tag, error)
	Close() error
}

// Tag is one FLV tag.
type Tag struct {
	Type      uint8
	Timestamp uint32
	Payload   []byte
}

// Sentinel errors.
var (
	ErrRejected = errors.New("session: rejected")
	ErrClosed   = errors.New("session: closed")
)
