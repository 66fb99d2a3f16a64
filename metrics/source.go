package metrics

import "time"

// Source is what the server gives the exporter. Both methods are called at
// every scrape, from the scraping goroutine.
type Source interface {
	Server() Server
	Streams() []Stream
}

// Server is the server-wide snapshot behind SRS's metrics.
type Server struct {
	// CPUPercent is srs_cpu_percent: the process's CPU use in percent of one
	// core (SRS's summaries cpu_percent times 100).
	CPUPercent float64
	// MemoryKbyte is srs_memory: the process's resident set in KB.
	MemoryKbyte int64

	SendBytes uint64 // srs_send_bytes_total
	RecvBytes uint64 // srs_receive_bytes_total

	Streams       int    // srs_streams: streams known now
	Clients       int    // srs_clients: clients connected now
	ClientsTotal  uint64 // srs_clients_total: clients ever connected
	ClientsErrors uint64 // srs_clients_errs_total: clients that ended with an error

	// Events counts the server's events by action ("on_publish", ...):
	// cascade_events_total.
	Events map[string]uint64
	// EventSinks are the event bus's sinks: cascade_event_sink_*_total.
	EventSinks []EventSink
	// CasterLost counts the media packets the stream casters' inputs lost
	// on the way (TS continuity gaps, RTP sequence gaps, SRT loss), by
	// client type ("mpegts-udp", "rtsp", "srt"…):
	// cascade_caster_lost_packets_total.
	CasterLost map[string]uint64

	// DeliveryDelay is cascade_delivery_delay_seconds: for each player
	// write of live media, the time since the publisher's message was
	// read. DeliveryQueued is cascade_delivery_queued_seconds: its part
	// before the player's loop took the message up, once per loop.
	DeliveryDelay, DeliveryQueued Histogram
}

// Histogram is a distribution: Counts[i] are the observations at most
// Bounds[i] and above Bounds[i-1] (not cumulative), the one past the last
// bound is +Inf. An empty Bounds exports no series.
type Histogram struct {
	Bounds []float64 // ascending
	Counts []uint64  // len(Bounds)+1
	Sum    float64
}

// EventSink is the counters of one sink of the event bus.
type EventSink struct {
	Name      string
	Delivered uint64 // cascade_event_sink_delivered_total
	Dropped   uint64 // cascade_event_sink_dropped_total: lost to a full queue
}

// Stream is one stream's snapshot, exported with labels vhost, app and
// stream.
type Stream struct {
	Vhost, App, Stream string

	Publishers int // 0 or 1
	// PlayersByProtocol counts players by how they play: "rtmp", "flv",
	// "hls"… Each key is one srs_stream_players series; include a protocol
	// with 0 to keep its series while nobody plays that way.
	PlayersByProtocol map[string]int

	BytesIn, BytesOut uint64 // since the stream appeared
	FramesIn          uint64 // audio and video frames received
	FramesDropped     uint64 // frames slow players skipped
	KbpsIn, KbpsOut   float64
	GOPFrames         int           // frames in the GOP cache
	Uptime            time.Duration // since the stream appeared
}

// Options configures the collector; the fields are those of SRS's
// srs_build_info series.
type Options struct {
	Label string // exporter.label: a label of srs_build_info when set
	Tag   string // exporter.tag: a label of srs_build_info when set

	Version   string // "major.minor.revision"
	Code      string // the release's code name, SRS's "code" label
	BuildDate string

	ServerID  string // server_id, the API's "server"
	ServiceID string // the API's "service": give both the same one
}
