package api

// The snapshot types below carry SRS's JSON field names in their tags, so
// the handlers encode them as they are. Counters are int64 because SRS
// reports them as JSON integers.

// Kbps is SRS's kbps object: average bitrates over the last 30 seconds, in
// kilobits per second.
type Kbps struct {
	Recv30s int64 `json:"recv_30s"`
	Send30s int64 `json:"send_30s"`
}

// Vhost is one element of /api/v1/vhosts.
type Vhost struct {
	ID        string   `json:"id"` // "vid-…", stable while the server runs
	Name      string   `json:"name"`
	Enabled   bool     `json:"enabled"`
	Clients   int      `json:"clients"`
	Streams   int      `json:"streams"` // streams being published
	SendBytes int64    `json:"send_bytes"`
	RecvBytes int64    `json:"recv_bytes"`
	Kbps      Kbps     `json:"kbps"`
	HLS       VhostHLS `json:"hls"`
}

// VhostHLS is a vhost's hls object.
type VhostHLS struct {
	Enabled bool `json:"enabled"`
	// Fragment is hls_fragment in seconds; SRS writes it only when HLS is
	// enabled, hence omitempty.
	Fragment float64 `json:"fragment,omitempty"`
}

// Stream is one element of /api/v1/streams.
type Stream struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Vhost string `json:"vhost"` // the vhost's ID, not its name, as SRS
	App   string `json:"app"`
	TcURL string `json:"tcUrl"`
	URL   string `json:"url"` // "/app/stream", or "vhost/app/stream" off the default vhost
	// LiveMs is, as in SRS, the server's clock in Unix milliseconds when the
	// snapshot was taken, not the age of the stream.
	LiveMs    int64         `json:"live_ms"`
	Clients   int           `json:"clients"` // publisher and players
	Frames    int64         `json:"frames"`  // audio and video frames received
	SendBytes int64         `json:"send_bytes"`
	RecvBytes int64         `json:"recv_bytes"`
	Kbps      Kbps          `json:"kbps"`
	Publish   StreamPublish `json:"publish"`
	Video     *StreamVideo  `json:"video"` // null until the video sequence header is seen
	Audio     *StreamAudio  `json:"audio"` // null until the audio sequence header is seen
	// Upstream is where an edge pulls the stream from (cascade's addition;
	// absent on an origin).
	Upstream string `json:"upstream,omitempty"`
}

// StreamPublish is a stream's publish object.
type StreamPublish struct {
	Active bool `json:"active"`
	// CID is the publishing client's ID; SRS leaves it out with no publisher.
	CID string `json:"cid,omitempty"`
}

// StreamVideo is a stream's video object, with SRS's names for codecs
// ("H264", "HEVC", "AV1"), profiles ("Baseline", "Main", "High"…) and
// levels ("3.1"…); "Other" for what the server does not name.
type StreamVideo struct {
	Codec   string `json:"codec"`
	Profile string `json:"profile"`
	Level   string `json:"level"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	// FPS is the frame rate the SPS's timing info gives, when it has one
	// (not in SRS's API: the web console shows it).
	FPS float64 `json:"fps,omitempty"`
}

// StreamAudio is a stream's audio object: codec as SRS names it ("AAC",
// "MP3", "Opus"), sample rate in Hz, channel count, and the AAC object type
// ("LC", "HE", "HEv2", "Main"…).
type StreamAudio struct {
	Codec      string `json:"codec"`
	SampleRate int    `json:"sample_rate"`
	Channel    int    `json:"channel"`
	Profile    string `json:"profile"`
}

// Client types as SRS names them in the client's type field.
const (
	ClientRTMPPlay         = "rtmp-play"
	ClientFLVPlay          = "flv-play"
	ClientHLSPlay          = "hls-play"
	ClientRTCPlay          = "rtc-play"
	ClientSRTPlay          = "srt-play"
	ClientFMLEPublish      = "fmle-publish"
	ClientFlashPublish     = "flash-publish"
	ClientHaivisionPublish = "haivision-publish"
	ClientRTCPublish       = "rtc-publish"
	ClientSRTPublish       = "srt-publish"
)

// Client is one element of /api/v1/clients.
type Client struct {
	ID        string  `json:"id"`
	Vhost     string  `json:"vhost"`  // the vhost's ID
	Stream    string  `json:"stream"` // the stream's ID
	IP        string  `json:"ip"`
	PageURL   string  `json:"pageUrl"`
	SwfURL    string  `json:"swfUrl"`
	TcURL     string  `json:"tcUrl"`
	URL       string  `json:"url"`
	Name      string  `json:"name"` // the stream name
	Type      string  `json:"type"` // one of the Client* constants
	Publish   bool    `json:"publish"`
	Alive     float64 `json:"alive"` // seconds since the client connected
	SendBytes int64   `json:"send_bytes"`
	RecvBytes int64   `json:"recv_bytes"`
	Kbps      Kbps    `json:"kbps"`
	// LostPackets is cascade's own: the media packets a stream caster's
	// publisher lost on the way (TS continuity, RTP sequence, SRT gaps).
	// Only the publishers of casters have it.
	LostPackets *uint64 `json:"lost_packets,omitempty"`
}

// Summary is the data object of /api/v1/summaries.
type Summary struct {
	OK     bool   `json:"ok"`
	NowMs  int64  `json:"now_ms"`
	Self   Self   `json:"self"`
	System System `json:"system"`
	// EventSinks is cascade's own: the event bus's sinks and what they
	// lost to a full queue.
	EventSinks []EventSink `json:"event_sinks,omitempty"`
	// Kafka is the event producer's state, when the kafka block is on.
	Kafka *KafkaState `json:"kafka,omitempty"`
}

// EventSink is one sink of the event bus (the HTTP callbacks, the
// metrics, Kafka...).
type EventSink struct {
	Name      string `json:"name"`
	Queued    int    `json:"queued"`
	Delivered uint64 `json:"delivered"`
	Dropped   uint64 `json:"dropped"`
	Panicked  uint64 `json:"panicked"`
}

// Self is the summary of the server process. Percentages are fractions, as
// SRS reports them: 0.25 is 25%.
type Self struct {
	Version    string  `json:"version"`
	Pid        int     `json:"pid"`
	Ppid       int     `json:"ppid"`
	Argv       string  `json:"argv"`
	Cwd        string  `json:"cwd"`
	MemKbyte   int64   `json:"mem_kbyte"` // peak resident set (ru_maxrss), as SRS
	MemPercent float64 `json:"mem_percent"`
	CPUPercent float64 `json:"cpu_percent"` // of one core
	SrsUptime  int64   `json:"srs_uptime"`  // seconds

	// RSSKbyte is the current resident set, which SRS's exporter reports as
	// srs_memory; it is not part of SRS's JSON.
	RSSKbyte int64 `json:"-"`
}

// System is the summary of the host. The server fills the Srs* and ConnSrs
// fields from its own counters; HostSampler fills the rest.
type System struct {
	CPUPercent      float64 `json:"cpu_percent"`
	DiskReadKBps    int64   `json:"disk_read_KBps"`
	DiskWriteKBps   int64   `json:"disk_write_KBps"`
	DiskBusyPercent float64 `json:"disk_busy_percent"`
	MemRAMKbyte     int64   `json:"mem_ram_kbyte"`
	MemRAMPercent   float64 `json:"mem_ram_percent"`
	MemSwapKbyte    int64   `json:"mem_swap_kbyte"`
	MemSwapPercent  float64 `json:"mem_swap_percent"`
	CPUs            int     `json:"cpus"`
	CPUsOnline      int     `json:"cpus_online"`
	Uptime          float64 `json:"uptime"`    // host seconds
	IdleTime        float64 `json:"ilde_time"` // sic: SRS's spelling
	Load1m          float64 `json:"load_1m"`
	Load5m          float64 `json:"load_5m"`
	Load15m         float64 `json:"load_15m"`
	NetSampleTime   int64   `json:"net_sample_time"` // Unix ms
	NetRecvBytes    int64   `json:"net_recv_bytes"`  // interfaces with a public address
	NetSendBytes    int64   `json:"net_send_bytes"`
	NetRecviBytes   int64   `json:"net_recvi_bytes"` // loopback and private interfaces
	NetSendiBytes   int64   `json:"net_sendi_bytes"`
	SrsSampleTime   int64   `json:"srs_sample_time"` // Unix ms
	SrsRecvBytes    int64   `json:"srs_recv_bytes"`
	SrsSendBytes    int64   `json:"srs_send_bytes"`
	ConnSys         int     `json:"conn_sys"`
	ConnSysEt       int     `json:"conn_sys_et"`
	ConnSysTw       int     `json:"conn_sys_tw"`
	ConnSysUDP      int     `json:"conn_sys_udp"`
	ConnSrs         int     `json:"conn_srs"`

	// With a stats block: stats.network's interface, its byte counters
	// and its bitrates between two samples. SRS reports only the
	// host-wide counters above; these say what the configured interface
	// does.
	NetIface          string `json:"net_iface,omitempty"`
	NetIfaceRecvBytes int64  `json:"net_iface_recv_bytes,omitempty"`
	NetIfaceSendBytes int64  `json:"net_iface_send_bytes,omitempty"`
	NetIfaceRecvKbps  int64  `json:"net_iface_recv_kbps,omitempty"`
	NetIfaceSendKbps  int64  `json:"net_iface_send_kbps,omitempty"`
}

// KafkaState is the summary's kafka object: the event producer's brokers
// and counters (events produced, dropped because the buffer was full, and
// failed), reported when the kafka block is enabled.
type KafkaState struct {
	State     string   `json:"state"` // "up" with a broker connection open and the last dial good, else "down"
	Brokers   []string `json:"brokers"`
	Topic     string   `json:"topic"`
	Connected int      `json:"connected"` // open broker connections
	Produced  uint64   `json:"produced"`
	Dropped   uint64   `json:"dropped"`
	Failed    uint64   `json:"failed"`
	Buffered  int64    `json:"buffered"` // records waiting for a broker
	LastError string   `json:"last_error,omitempty"`
}
