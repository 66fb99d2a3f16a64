package config

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// DefaultVhost is the name of the vhost that serves requests for hosts no
// other vhost is named after.
const DefaultVhost = "__defaultVhost__"

// Log tanks, the values of Config.LogTank.
const (
	LogTankConsole = "console"
	LogTankFile    = "file"
)

// Time-jitter algorithms, the values of Play.TimeJitter.
const (
	TimeJitterFull = "full" // start at zero and keep timestamps increasing
	TimeJitterZero = "zero" // only start at zero
	TimeJitterOff  = "off"  // leave timestamps alone
)

// Config is a configuration read from a file, the environment or the
// built-in defaults. Each field holds SRS's default when the configuration
// leaves it out; the comment on a field names the directive it comes from.
// Directives not typed here are read from Root or Vhost.Block.
type Config struct {
	File string     // path the configuration was loaded from; "" if none
	Root *Directive // the whole configuration, legacy forms rewritten

	Listen         []string // listen (or rtmp.listen): RTMP endpoints as "host:port", ":1935" by default
	ChunkSize      int      // chunk_size (or rtmp.chunk_size): outgoing RTMP chunk size, 60000 by default
	MaxConnections int      // max_connections: 1000 by default
	Daemon         bool     // daemon: on by default (off in Default and FromEnv)
	PidFile        string   // pid: ./objs/srs.pid by default
	ServerID       string   // server_id: "" (the server makes one up) by default
	WorkDir        string   // work_dir: ./ by default
	LogTank        string   // srs_log_tank: LogTankConsole (SRS defaults to file) or LogTankFile
	LogLevel       string   // srs_log_level_v2, else srs_log_level: trace by default
	LogFile        string   // srs_log_file: ./objs/srs.log by default

	HTTPServer HTTPServer // http_server (or http_stream)
	HTTPAPI    HTTPAPI    // http_api

	Vhosts map[string]*Vhost // vhost blocks by name

	StreamCasters []StreamCaster // enabled stream_caster blocks
	SRTServer     SRTServer      // srt_server

	// Warnings lists directives SRS would not accept, such as unknown
	// names, and values SRS corrects, each naming its file and line.
	Warnings []string
}

// HTTPServer is the http_server block: the embedded HTTP server for static
// files and HTTP streaming.
type HTTPServer struct {
	Enabled     bool     // enabled: off by default
	Listen      []string // listen: ":8080" by default
	Dir         string   // dir: ./objs/nginx/html by default
	Crossdomain bool     // crossdomain: on by default
}

// HTTPAPI is the http_api block: the management API.
type HTTPAPI struct {
	Enabled     bool        // enabled: off by default
	Listen      []string    // listen: ":1985" by default
	Crossdomain bool        // crossdomain: on by default
	Auth        HTTPAPIAuth // auth
	RawAPI      RawAPI      // raw_api
}

// HTTPAPIAuth is the http_api.auth block: HTTP basic authentication.
type HTTPAPIAuth struct {
	Enabled  bool   // enabled: off by default
	Username string // username
	Password string // password
}

// RawAPI is the http_api.raw_api block.
type RawAPI struct {
	Enabled     bool // enabled: off by default
	AllowReload bool // allow_reload: off by default
}

// Vhost is a vhost block.
type Vhost struct {
	Name       string
	Enabled    bool // enabled: on by default
	MinLatency bool // min_latency: off by default
	TCPNoDelay bool // tcp_nodelay: off by default
	ChunkSize  int  // chunk_size: the global chunk size by default
	InAckSize  int  // in_ack_size: 0 (do not set) by default
	OutAckSize int  // out_ack_size: 2500000 by default

	Play      Play      // play
	Publish   Publish   // publish
	HTTPRemux HTTPRemux // http_remux

	Block *Directive // the vhost block, for everything not typed here
}

// Play is a vhost's play block: how streams are sent to players.
type Play struct {
	GopCache             bool          // gop_cache: on by default
	GopCacheMaxFrames    int           // gop_cache_max_frames: 2500 by default
	QueueLength          time.Duration // queue_length, in seconds: 30s by default
	MwLatency            time.Duration // mw_latency, in milliseconds: 350ms by default
	MwMsgs               int           // mw_msgs: 8 by default, 0 if min_latency is on; at most 128
	TimeJitter           string        // time_jitter: TimeJitterFull by default
	Atc                  bool          // atc: off by default
	AtcAuto              bool          // atc_auto: off by default
	MixCorrect           bool          // mix_correct: off by default
	ReduceSequenceHeader bool          // reduce_sequence_header: off by default
	SendMinInterval      time.Duration // send_min_interval, in milliseconds: 0 by default
}

// Publish is a vhost's publish block: how streams are received.
type Publish struct {
	MR              bool          // mr (merged read): off by default
	MRLatency       time.Duration // mr_latency, in milliseconds: 350ms by default
	FirstPktTimeout time.Duration // firstpkt_timeout, in milliseconds: 20s by default
	NormalTimeout   time.Duration // normal_timeout, in milliseconds: 5s by default
	ParseSPS        bool          // parse_sps: on by default
	TryAnnexbFirst  bool          // try_annexb_first: on by default
	KickoffForIdle  time.Duration // kickoff_for_idle, in seconds: 0 (never) by default
}

// HTTPRemux is a vhost's http_remux block: HTTP-FLV/TS/AAC/MP3 streaming.
type HTTPRemux struct {
	Enabled        bool          // enabled: off by default
	Mount          string        // mount: [vhost]/[app]/[stream].flv by default
	FastCache      time.Duration // fast_cache, in seconds: 0 by default
	DropIfNotMatch bool          // drop_if_not_match: on by default
	HasAudio       bool          // has_audio: on by default
	HasVideo       bool          // has_video: on by default
	GuessHasAV     bool          // guess_has_av: on by default
}

// Vhost returns the vhost named name or, if there is none, the default vhost,
// or nil if there is neither.
func (c *Config) Vhost(name string) *Vhost {
	if v, ok := c.Vhosts[name]; ok {
		return v
	}
	return c.Vhosts[DefaultVhost]
}

// Load reads, parses, checks and returns the configuration file at path,
// with the process's SRS_* environment variables overriding it, as SRS 6
// does (see LoadEnv).
func Load(path string) (*Config, error) {
	return LoadEnv(path, os.Environ())
}

// LoadEnv reads, parses and checks the configuration file at path, with the
// SRS_* variables of environ overriding its directives (see ApplyEnv). As
// SRS, a file must give at least one RTMP listen endpoint (the environment
// may give it instead), so an empty file is refused.
func LoadEnv(path string, environ []string) (*Config, error) {
	root, err := ParseFile(path)
	if err != nil {
		return nil, err
	}
	envWarnings := ApplyEnv(root, environ)
	if root.Get("listen") == nil && root.Get("rtmp").Get("listen") == nil {
		return nil, &ValueError{File: path, Directive: "listen", Err: fmt.Errorf("%w: listen requires params", ErrInvalidValue)}
	}
	c, err := FromDirective(root, path)
	if err != nil {
		return nil, err
	}
	c.Warnings = append(envWarnings, c.Warnings...)
	return c, nil
}

// FromDirective builds the configuration held by root, a tree returned by
// Parse, and checks it. file names where root came from.
//
// Like SRS, FromDirective first rewrites in root the directives older SRS
// versions spelled differently into their current form, so root is
// modified.
func FromDirective(root *Directive, file string) (*Config, error) {
	if root == nil {
		return nil, errors.New("config: nil root directive")
	}
	transformLegacy(root)
	c := &Config{File: file, Root: root}
	c.Warnings = append(unknownDirectives(root), unbuiltDirectives(root)...)
	r := &reader{}
	r.global(c)
	r.vhosts(c)
	r.streamCasters(c)
	r.srtServer(c)
	if r.err != nil {
		return nil, r.err
	}
	if err := checkConflicts(root); err != nil {
		return nil, err
	}
	c.Warnings = append(c.Warnings, r.warnings...)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}
