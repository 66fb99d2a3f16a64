package config

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// SRS's defaults and bounds, as in its srs_app_config.cpp and
// srs_core_performance.hpp.
const (
	defaultChunkSize      = 60000 // SRS_CONSTS_RTMP_SRS_CHUNK_SIZE
	minChunkSize          = 128   // SRS_CONSTS_RTMP_MIN_CHUNK_SIZE
	maxChunkSize          = 65536 // SRS_CONSTS_RTMP_MAX_CHUNK_SIZE
	defaultMaxConnections = 1000

	defaultGopCacheMaxFrames = 2500
	defaultQueueLength       = 30 * time.Second       // SRS_PERF_PLAY_QUEUE
	defaultMwLatency         = 350 * time.Millisecond // SRS_PERF_MW_SLEEP
	defaultMwMsgs            = 8                      // SRS_PERF_MW_MIN_MSGS
	realtimeMwMsgs           = 0                      // SRS_PERF_MW_MIN_MSGS_REALTIME
	maxMwMsgs                = 128                    // SRS_PERF_MW_MSGS
	defaultMRLatency         = 350 * time.Millisecond // SRS_PERF_MR_SLEEP
	defaultFirstPktTimeout   = 20 * time.Second
	defaultNormalTimeout     = 5 * time.Second
	defaultOutAckSize        = 2500000

	defaultHTTPRemuxMount = "[vhost]/[app]/[stream].flv"
)

var (
	defaultListen           = []string{":1935"} // SRS_CONSTS_RTMP_DEFAULT_PORT
	defaultHTTPServerListen = []string{":8080"}
	defaultHTTPAPIListen    = []string{":1985"}

	// logLevels are the levels of srs_log_level (verbose, info, trace,
	// warn, error) and of srs_log_level_v2 (trace, debug, info, warn, error).
	logLevels = []string{"verbose", "debug", "info", "trace", "warn", "error"}
)

// global reads the settings outside vhosts.
func (r *reader) global(c *Config) {
	root := c.Root
	rtmp := root.Get("rtmp") // SRS 7 moved listen and chunk_size here; the top-level form wins.
	listen := first(root.Get("listen"), rtmp.Get("listen"))
	if listen != nil && len(listen.Args) == 0 {
		r.fail(valueError(listen, "", ErrInvalidValue, "needs at least one endpoint"))
	}
	c.Listen = r.endpoints(listen, defaultListen)
	for i, ep := range c.Listen {
		// As SRS, the RTMP port must be positive; "host:0", for the system
		// to pick a port, is cascade's own (tests use it).
		if ep == ":0" && r.err == nil {
			r.fail(valueError(listen, listen.Args[i], ErrOutOfRange, "listen port must be positive"))
		}
	}
	c.ChunkSize = r.integer(first(root.Get("chunk_size"), rtmp.Get("chunk_size")), defaultChunkSize, minChunkSize, maxChunkSize)
	c.MaxConnections = r.integer(root.Get("max_connections"), defaultMaxConnections, 1, math.MaxInt32)
	c.Daemon = isOn(root.Get("daemon"), true)
	c.PidFile = arg0Or(root.Get("pid"), "./objs/srs.pid")
	c.ServerID = root.Get("server_id").Arg0()
	c.WorkDir = arg0Or(root.Get("work_dir"), "./")
	c.LogTank = r.oneOf(root.Get("srs_log_tank"), LogTankConsole, LogTankConsole, LogTankFile)
	level := root.Get("srs_log_level_v2")
	if level.Arg0() == "" {
		level = root.Get("srs_log_level")
	}
	c.LogLevel = r.oneOf(level, "trace", logLevels...)
	c.LogFile = arg0Or(root.Get("srs_log_file"), "./objs/srs.log")

	// The exporter (package metrics) reads its block itself; its endpoint
	// is checked here so that -t reports a bad one.
	r.endpoints(root.Get("exporter").Get("listen"), nil)

	hs := root.Get("http_server")
	c.HTTPServer = HTTPServer{
		Enabled:     isOn(hs.Get("enabled"), false),
		Listen:      r.endpoints(hs.Get("listen"), defaultHTTPServerListen),
		Dir:         arg0Or(hs.Get("dir"), "./objs/nginx/html"),
		Crossdomain: isOn(hs.Get("crossdomain"), true),
	}

	api := root.Get("http_api")
	c.HTTPAPI = HTTPAPI{
		Enabled:     isOn(api.Get("enabled"), false),
		Listen:      r.endpoints(api.Get("listen"), defaultHTTPAPIListen),
		Crossdomain: isOn(api.Get("crossdomain"), true),
		Auth: HTTPAPIAuth{
			Enabled:  isOn(api.Get("auth").Get("enabled"), false),
			Username: api.Get("auth").Get("username").Arg0(),
			Password: api.Get("auth").Get("password").Arg0(),
		},
		RawAPI: RawAPI{
			Enabled:     isOn(api.Get("raw_api").Get("enabled"), false),
			AllowReload: isOn(api.Get("raw_api").Get("allow_reload"), false),
		},
	}
}

// vhosts reads every vhost block. Like SRS, the first of several vhosts
// with one name is the one used.
func (r *reader) vhosts(c *Config) {
	c.Vhosts = make(map[string]*Vhost)
	for _, d := range c.Root.All("vhost") {
		name := d.Arg0()
		if name == "" {
			r.fail(valueError(d, "", ErrInvalidValue, "needs a name"))
			return
		}
		if prev, dup := c.Vhosts[name]; dup {
			r.warnings = append(r.warnings, warning(d, "vhost %s already defined at %s; ignored", strconv.Quote(name), prev.Block.pos()))
			continue
		}
		c.Vhosts[name] = r.vhost(d, c.ChunkSize)
	}
}

func (r *reader) vhost(d *Directive, globalChunkSize int) *Vhost {
	v := &Vhost{
		Name:       d.Arg0(),
		Enabled:    isOn(d.Get("enabled"), true),
		MinLatency: isOn(d.Get("min_latency"), false),
		TCPNoDelay: isOn(d.Get("tcp_nodelay"), false),
		ChunkSize:  r.integer(d.Get("chunk_size"), globalChunkSize, minChunkSize, maxChunkSize),
		InAckSize:  r.integer(d.Get("in_ack_size"), 0, 0, math.MaxInt32),
		OutAckSize: r.integer(d.Get("out_ack_size"), defaultOutAckSize, 0, math.MaxInt32),
		Block:      d,
	}
	v.Play = r.play(d.Get("play"), v.MinLatency)
	v.Publish = r.publish(d.Get("publish"))
	v.HTTPRemux = r.httpRemux(d.Get("http_remux"))
	return v
}

// play reads a play block; realtime is the vhost's min_latency.
func (r *reader) play(p *Directive, realtime bool) Play {
	mwMsgs := defaultMwMsgs
	if realtime {
		mwMsgs = realtimeMwMsgs
	}
	return Play{
		GopCache:             isOn(p.Get("gop_cache"), true),
		GopCacheMaxFrames:    r.integer(p.Get("gop_cache_max_frames"), defaultGopCacheMaxFrames, 0, math.MaxInt32),
		QueueLength:          r.duration(p.Get("queue_length"), defaultQueueLength, time.Second),
		MwLatency:            r.duration(p.Get("mw_latency"), defaultMwLatency, time.Millisecond),
		MwMsgs:               r.mwMsgs(p.Get("mw_msgs"), mwMsgs),
		TimeJitter:           r.oneOf(p.Get("time_jitter"), TimeJitterFull, TimeJitterFull, TimeJitterZero, TimeJitterOff),
		Atc:                  isOn(p.Get("atc"), false),
		AtcAuto:              isOn(p.Get("atc_auto"), false),
		MixCorrect:           isOn(p.Get("mix_correct"), false),
		ReduceSequenceHeader: isOn(p.Get("reduce_sequence_header"), false),
		SendMinInterval:      r.duration(p.Get("send_min_interval"), 0, time.Millisecond),
	}
}

// mwMsgs reads play.mw_msgs, which SRS caps at 128 with a warning.
func (r *reader) mwMsgs(d *Directive, def int) int {
	n := r.integer(d, def, 0, math.MaxInt32)
	if n > maxMwMsgs {
		r.warnings = append(r.warnings, warning(d, "mw_msgs %d is more than %d; using %d", n, maxMwMsgs, maxMwMsgs))
		n = maxMwMsgs
	}
	return n
}

func (r *reader) publish(p *Directive) Publish {
	return Publish{
		MR:              isOn(p.Get("mr"), false),
		MRLatency:       r.duration(p.Get("mr_latency"), defaultMRLatency, time.Millisecond),
		FirstPktTimeout: r.duration(p.Get("firstpkt_timeout"), defaultFirstPktTimeout, time.Millisecond),
		NormalTimeout:   r.duration(p.Get("normal_timeout"), defaultNormalTimeout, time.Millisecond),
		ParseSPS:        isOn(p.Get("parse_sps"), true),
		TryAnnexbFirst:  isOn(p.Get("try_annexb_first"), true),
		KickoffForIdle:  r.duration(p.Get("kickoff_for_idle"), 0, time.Second),
	}
}

func (r *reader) httpRemux(h *Directive) HTTPRemux {
	return HTTPRemux{
		Enabled:        isOn(h.Get("enabled"), false),
		Mount:          arg0Or(h.Get("mount"), defaultHTTPRemuxMount),
		FastCache:      r.duration(h.Get("fast_cache"), 0, time.Second),
		DropIfNotMatch: isOn(h.Get("drop_if_not_match"), true),
		HasAudio:       isOn(h.Get("has_audio"), true),
		HasVideo:       isOn(h.Get("has_video"), true),
		GuessHasAV:     isOn(h.Get("guess_has_av"), true),
	}
}

// checkConflicts refuses the combinations of directives SRS refuses.
func checkConflicts(root *Directive) error {
	if d := root.Get("asprocess"); d.Arg0() == "on" && isOn(root.Get("daemon"), true) {
		return valueError(d, d.Arg0(), ErrConflict, "asprocess cannot be on with daemon on")
	}
	for _, v := range root.All("vhost") {
		remuxes := v.All("http_remux")
		if len(remuxes) > 1 {
			return valueError(remuxes[1], "", ErrConflict, "vhost %s has more than one http_remux block", strconv.Quote(v.Arg0()))
		}
		if h := v.Get("http_remux"); h.Get("enabled").Arg0() == "on" && strings.HasSuffix(h.Get("mount").Arg0(), ".ts") &&
			v.Get("hls").Get("enabled").Arg0() == "on" {
			return valueError(h.Get("mount"), h.Get("mount").Arg0(), ErrConflict, "HTTP-TS remux conflicts with hls in vhost %s", strconv.Quote(v.Arg0()))
		}
		if f := v.Get("forward"); f.Get("enabled").Arg0() == "on" {
			if k := v.Get("publish").Get("kickoff_for_idle"); k != nil {
				if secs, err := strconv.ParseFloat(k.Arg0(), 64); err == nil && secs > 0 {
					return valueError(k, k.Arg0(), ErrConflict, "publish.kickoff_for_idle conflicts with forward in vhost %s", strconv.Quote(v.Arg0()))
				}
			}
		}
		ingests := map[string]*Directive{}
		for _, in := range v.All("ingest") {
			if prev, dup := ingests[in.Arg0()]; dup {
				return valueError(in, in.Arg0(), ErrConflict, "ingest id already used at %s", prev.pos())
			}
			ingests[in.Arg0()] = in
		}
	}
	return nil
}

// first returns the first of ds that is not nil.
func first(ds ...*Directive) *Directive {
	for _, d := range ds {
		if d != nil {
			return d
		}
	}
	return nil
}
