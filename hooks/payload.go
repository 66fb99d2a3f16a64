package hooks

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// The actions, the values of the "action" field.
const (
	ActionConnect   = "on_connect"
	ActionClose     = "on_close"
	ActionPublish   = "on_publish"
	ActionUnpublish = "on_unpublish"
	ActionPlay      = "on_play"
	ActionStop      = "on_stop"
	ActionDVR       = "on_dvr"
	ActionHLS       = "on_hls"
	ActionHLSNotify = "on_hls_notify"
)

// defaultVhost is SRS's name for the vhost of hosts no vhost is named after.
const defaultVhost = "__defaultVhost__"

// A Payload is the JSON body of one hook: OnConnect, OnClose, OnPublish,
// OnUnpublish, OnPlay, OnStop, OnDVR or OnHLS. Field names, order and types
// are those of SRS 6 (srs_app_http_hooks.cpp).
type Payload interface {
	// Action is the hook's name, the body's "action": ActionConnect, ...
	Action() string
	// stamped returns the payload with its header set, ready to marshal.
	stamped(h header) any
}

// header is what the Client puts first in every body.
type header struct {
	ServerID  string `json:"server_id"`
	ServiceID string `json:"service_id"`
	Action    string `json:"action"`
}

// Conn is the connection an event is about; SRS sends it in every body.
type Conn struct {
	ClientID string `json:"client_id"` // the connection's context id, a string since SRS 4
	IP       string `json:"ip"`
	Vhost    string `json:"vhost"`
	App      string `json:"app"`
}

// OnConnect is the body of on_connect, sent when an RTMP client connects to
// an app.
type OnConnect struct {
	header
	Conn
	Stream  string `json:"stream"`
	Param   string `json:"param"` // the query, with its "?", or ""
	TcURL   string `json:"tcUrl"`
	PageURL string `json:"pageUrl"`
}

// OnClose is the body of on_close, sent when a connection that had
// connected closes.
type OnClose struct {
	header
	Conn
	SendBytes int64 `json:"send_bytes"`
	RecvBytes int64 `json:"recv_bytes"`
}

// OnPublish is the body of on_publish, sent when a client starts
// publishing.
type OnPublish struct {
	header
	Conn
	TcURL  string `json:"tcUrl"`
	Stream string `json:"stream"`
	Param  string `json:"param"`
	// StreamURL is [vhost]/app/stream without the stream's extension, the
	// vhost left out when it is the default one. Left empty, it is computed
	// from the other fields, as SRS does.
	StreamURL string `json:"stream_url"`
	// StreamID is the stream's id in the HTTP API ("vid-..."); SRS leaves
	// the field out when the stream is unknown, and so does "" here.
	StreamID string `json:"stream_id,omitempty"`
}

// OnUnpublish is the body of on_unpublish, sent when a publisher stops; its
// fields are those of OnPublish.
type OnUnpublish OnPublish

// OnStop is the body of on_stop, sent when a player stops; its fields are
// those of OnPublish.
type OnStop OnPublish

// OnPlay is the body of on_play, sent when a client starts playing.
type OnPlay struct {
	header
	Conn
	Stream    string `json:"stream"`
	TcURL     string `json:"tcUrl"`
	Param     string `json:"param"`
	PageURL   string `json:"pageUrl"`
	StreamURL string `json:"stream_url"` // as in OnPublish
	StreamID  string `json:"stream_id,omitempty"`
}

// OnDVR is the body of on_dvr, sent when a DVR file is closed.
type OnDVR struct {
	header
	Conn
	TcURL     string `json:"tcUrl"`
	Stream    string `json:"stream"`
	Param     string `json:"param"`
	Cwd       string `json:"cwd"`  // the server's working directory
	File      string `json:"file"` // the file, as configured (often relative to Cwd)
	StreamURL string `json:"stream_url"`
	StreamID  string `json:"stream_id,omitempty"`
}

// OnHLS is the body of on_hls, sent when an HLS segment is closed.
type OnHLS struct {
	header
	Conn
	TcURL    string  `json:"tcUrl"`
	Stream   string  `json:"stream"`
	Param    string  `json:"param"`
	Duration Seconds `json:"duration"` // the segment's duration
	Cwd      string  `json:"cwd"`
	File     string  `json:"file"` // the segment's file
	// URL is the segment's URL: its URI in the playlist, joined to the
	// playlist's directory (M3U8URL's) unless it is an http(s) URL.
	URL       string `json:"url"`
	M3U8      string `json:"m3u8"`     // the playlist's file
	M3U8URL   string `json:"m3u8_url"` // the playlist's URL path
	SeqNo     int    `json:"seq_no"`   // the segment's media sequence number
	StreamURL string `json:"stream_url"`
	StreamID  string `json:"stream_id,omitempty"`
}

// Seconds is a duration in seconds, written as SRS writes a JSON number: with
// six decimals.
type Seconds float64

var errBadSeconds = errors.New("hooks: duration is not a finite number")

// MarshalJSON writes s with six decimals, like SRS's "%.6f".
func (s Seconds) MarshalJSON() ([]byte, error) {
	f := float64(s)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errBadSeconds
	}
	return strconv.AppendFloat(nil, f, 'f', 6, 64), nil
}

// StreamURL returns SRS's stream URL for a stream: "vhost/app/stream", with
// the vhost left out when it is __defaultVhost__ and the stream's extension
// (from its last dot) cut.
func StreamURL(vhost, app, stream string) string {
	if i := strings.LastIndexByte(stream, '.'); i >= 0 {
		stream = stream[:i]
	}
	if vhost == defaultVhost {
		vhost = ""
	}
	return vhost + "/" + app + "/" + stream
}

// orStreamURL returns cur, or the stream URL computed from c and stream when
// cur is empty.
func orStreamURL(cur string, c Conn, stream string) string {
	if cur != "" {
		return cur
	}
	return StreamURL(c.Vhost, c.App, stream)
}

func (OnConnect) Action() string   { return ActionConnect }
func (OnClose) Action() string     { return ActionClose }
func (OnPublish) Action() string   { return ActionPublish }
func (OnUnpublish) Action() string { return ActionUnpublish }
func (OnStop) Action() string      { return ActionStop }
func (OnPlay) Action() string      { return ActionPlay }
func (OnDVR) Action() string       { return ActionDVR }
func (OnHLS) Action() string       { return ActionHLS }

func (p OnConnect) stamped(h header) any { p.header = h; return p }
func (p OnClose) stamped(h header) any   { p.header = h; return p }

func (p OnPublish) stamped(h header) any {
	p.header = h
	p.StreamURL = orStreamURL(p.StreamURL, p.Conn, p.Stream)
	return p
}

func (p OnUnpublish) stamped(h header) any {
	p.header = h
	p.StreamURL = orStreamURL(p.StreamURL, p.Conn, p.Stream)
	return p
}

func (p OnStop) stamped(h header) any {
	p.header = h
	p.StreamURL = orStreamURL(p.StreamURL, p.Conn, p.Stream)
	return p
}

func (p OnPlay) stamped(h header) any {
	p.header = h
	p.StreamURL = orStreamURL(p.StreamURL, p.Conn, p.Stream)
	return p
}

func (p OnDVR) stamped(h header) any {
	p.header = h
	p.StreamURL = orStreamURL(p.StreamURL, p.Conn, p.Stream)
	return p
}

func (p OnHLS) stamped(h header) any {
	p.header = h
	p.StreamURL = orStreamURL(p.StreamURL, p.Conn, p.Stream)
	return p
}
