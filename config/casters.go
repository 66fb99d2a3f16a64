package config

import (
	"math"
	"strings"
	"time"
)

// Stream caster kinds, the values of StreamCaster.Caster.
const (
	CasterMPEGTSOverUDP = "mpegts_over_udp"
	CasterFLV           = "flv"
	CasterRTSP          = "rtsp"
	CasterGB28181       = "gb28181" // read, not served
)

// StreamCaster is an enabled stream_caster block: a listener taking streams
// in another protocol and publishing them as output.
type StreamCaster struct {
	Caster     string // caster: CasterMPEGTSOverUDP, CasterFLV or CasterRTSP
	Output     string // output: rtmp://127.0.0.1/[app]/[stream], the stream published
	Listen     string // listen: "port" or "ip:port" as package net writes it; a multicast ip joins its group (UDP)
	RTPPortMin int    // rtp_port_min: 57200, the UDP port of RTP from RTSP publishers (RTCP on the next)
	RTPPortMax int    // rtp_port_max: 57300
	Where      string // file:line of the block, for logs
}

// SRTServer is the srt_server block. Durations are read in milliseconds.
type SRTServer struct {
	Enabled         bool          // enabled: off
	Listen          []string      // listen: ":10080" (UDP)
	MaxBW           int64         // maxbw: -1, bytes/s (-1: unlimited)
	MSS             int           // mss: 1500
	ConnectTimeout  time.Duration // connect_timeout: 3000
	PeerIdleTimeout time.Duration // peer_idle_timeout: 10000
	DefaultApp      string        // default_app: live
	DefaultMode     string        // default_mode: request; publish or request for streamids without "#!::"
	DefaultStreamID string        // default_streamid: "#!::r=live/livestream,m=request"
	RecvLatency     time.Duration // recvlatency, else latency: 120
	PeerLatency     time.Duration // peerlatency, else latency: 120
	TSBPDMode       bool          // tsbpdmode: on
	TLPktDrop       bool          // tlpktdrop: on
	SendBuf         int           // sendbuf: 8192000 bytes
	RecvBuf         int           // recvbuf: 12058624 bytes
	PayloadSize     int           // payloadsize: 1316
	Passphrase      string        // passphrase: "" (no encryption)
	PBKeyLen        int           // pbkeylen: 0 (16 when a passphrase is set)
}

// streamCasters reads the enabled stream_caster blocks.
func (r *reader) streamCasters(c *Config) {
	for _, d := range c.Root.All("stream_caster") {
		if !isOn(d.Get("enabled"), false) {
			continue
		}
		sc := StreamCaster{
			Caster:     r.oneOf(d.Get("caster"), CasterMPEGTSOverUDP, CasterMPEGTSOverUDP, CasterFLV, CasterRTSP, CasterGB28181),
			Output:     d.Get("output").Arg0(),
			RTPPortMin: r.integer(d.Get("rtp_port_min"), 57200, 1, 65534),
			RTPPortMax: r.integer(d.Get("rtp_port_max"), 57300, 1, 65535),
			Where:      d.pos(),
		}
		if ep := r.endpoints(d.Get("listen"), nil); len(ep) > 0 {
			sc.Listen = ep[0]
		}
		switch {
		case sc.Caster == CasterGB28181:
			r.warnings = append(r.warnings, warning(d, "stream_caster gb28181 is not served; ignored"))
			continue
		case sc.Listen == "":
			r.fail(valueError(d, "", ErrInvalidValue, "stream_caster needs listen"))
			return
		case !strings.HasPrefix(sc.Output, "rtmp://"):
			r.fail(valueError(d, sc.Output, ErrInvalidValue, "stream_caster output must be an rtmp:// URL"))
			return
		}
		c.StreamCasters = append(c.StreamCasters, sc)
	}
}

// DefaultSRTServer returns the srt_server settings of a configuration
// without the block.
func DefaultSRTServer() SRTServer {
	return SRTServer{
		Listen:          []string{":10080"},
		MaxBW:           -1,
		MSS:             1500,
		ConnectTimeout:  3 * time.Second,
		PeerIdleTimeout: 10 * time.Second,
		DefaultApp:      "live",
		DefaultMode:     "request",
		DefaultStreamID: "#!::r=live/livestream,m=request",
		RecvLatency:     120 * time.Millisecond,
		PeerLatency:     120 * time.Millisecond,
		TSBPDMode:       true,
		TLPktDrop:       true,
		SendBuf:         8192000,
		RecvBuf:         12058624,
		PayloadSize:     1316,
	}
}

// srtServer reads the srt_server block.
func (r *reader) srtServer(c *Config) {
	d := c.Root.Get("srt_server")
	def := DefaultSRTServer()
	latency := r.duration(d.Get("latency"), def.RecvLatency, time.Millisecond)
	c.SRTServer = SRTServer{
		Enabled:         isOn(d.Get("enabled"), false),
		Listen:          r.endpoints(d.Get("listen"), def.Listen),
		MaxBW:           int64(r.integer(d.Get("maxbw"), int(def.MaxBW), -1, math.MaxInt32)),
		MSS:             r.integer(d.Get("mss"), def.MSS, 76, 65536),
		ConnectTimeout:  r.duration(d.Get("connect_timeout"), def.ConnectTimeout, time.Millisecond),
		PeerIdleTimeout: r.duration(d.Get("peer_idle_timeout"), def.PeerIdleTimeout, time.Millisecond),
		DefaultApp:      arg0Or(d.Get("default_app"), def.DefaultApp),
		DefaultMode:     r.oneOf(d.Get("default_mode"), def.DefaultMode, "request", "publish"),
		DefaultStreamID: arg0Or(d.Get("default_streamid"), def.DefaultStreamID),
		RecvLatency:     r.duration(d.Get("recvlatency"), latency, time.Millisecond),
		PeerLatency:     r.duration(d.Get("peerlatency"), latency, time.Millisecond),
		TSBPDMode:       isOn(d.Get("tsbpdmode"), def.TSBPDMode),
		TLPktDrop:       isOn(d.Get("tlpktdrop"), def.TLPktDrop),
		SendBuf:         r.integer(d.Get("sendbuf"), def.SendBuf, 0, math.MaxInt32),
		RecvBuf:         r.integer(d.Get("recvbuf"), def.RecvBuf, 0, math.MaxInt32),
		PayloadSize:     r.integer(d.Get("payloadsize"), def.PayloadSize, 188, 1456),
		Passphrase:      d.Get("passphrase").Arg0(),
		PBKeyLen:        r.integer(d.Get("pbkeylen"), def.PBKeyLen, 0, 32),
	}
}
