package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Limits that keep a run bounded in size and time.
const (
	MaxPlayers  = 20000
	MaxDuration = 24 * time.Hour
)

// Defaults of Config's zero fields.
const (
	DefaultPlayers        = 100
	DefaultRamp           = 200 // players per second
	DefaultDuration       = 60 * time.Second
	DefaultWarmup         = 10 * time.Second
	DefaultTimeout        = 10 * time.Second
	DefaultReadBufferSize = 32 << 10
	DefaultSampleInterval = time.Second
)

// minReadBufferSize holds the server's side of the RTMP handshake (3073
// bytes) and a response head.
const minReadBufferSize = 4096

// ReceivingWindow is how recently a player must have got media to count as
// receiving at the end of a run.
const ReceivingWindow = 2 * time.Second

// ErrNotLoopback is returned for a target that does not resolve to loopback
// addresses only.
var ErrNotLoopback = errors.New("bench: target is not a loopback address")

// ErrProtocol is wrapped by the errors of a stream that cannot be parsed.
var ErrProtocol = errors.New("protocol error")

// Config describes one run.
type Config struct {
	// URL is the stream to play: rtmp://host[:port]/app/stream or
	// http://host[:port]/app/stream.flv.
	URL string
	// Players is the number of players to start (default DefaultPlayers).
	Players int
	// Ramp is the rate at which players connect, per second (default
	// DefaultRamp); a negative rate starts them all at once.
	Ramp float64
	// Duration is the length of the whole run (default DefaultDuration).
	Duration time.Duration
	// Warmup is the start of the run left out of the steady window (default
	// DefaultWarmup; a negative value means none).
	Warmup time.Duration
	// Timeout bounds each player's connection setup: dial, handshake and
	// commands, or the HTTP response head (default DefaultTimeout).
	Timeout time.Duration
	// PID is the server process to sample in /proc; 0 samples nothing.
	PID int
	// ExpectKbps is the bitrate each player should get; 0 takes the
	// median of the players' rates.
	ExpectKbps float64
	// ReadBufferSize is each player's read buffer (default
	// DefaultReadBufferSize).
	ReadBufferSize int
	// SampleInterval is the period of the /proc and progress samples
	// (default DefaultSampleInterval).
	SampleInterval time.Duration
	// Progress, when set, is called after each sample while the run goes on.
	Progress func(Sample)

	// Storm is a join storm: this many more players connect at StormAt,
	// when Players (the incumbents) are playing: all at once, or StormRate
	// per second when it is set. The report then tells how the storm's
	// players started (each timed from its own start) and what the
	// incumbents got during StormWindow after it.
	Storm       int
	StormAt     time.Duration
	StormRate   float64       // players per second; 0: all at once
	StormWindow time.Duration // default DefaultStormWindow

	// PublishFile, when set, makes the load tool the publisher: it sends
	// this FLV file, looped in real time, to PublishURL (rtmp://…), with
	// each H.264 frame stamped so that players measure the server's
	// delivery latency.
	PublishFile string
	PublishURL  string
	// Publishers, with PublishFile, publishes that many streams (the
	// URLs' stream names numbered -0, -1, …); players spread over them.
	Publishers int
	// TimedPlayers, with PublishFile, is how many players (spread evenly
	// over the start order) read at once and time the stamped frames; the
	// others read BulkReadBytes at a time, so the load tool's one core,
	// which must read every player's writes, does not make the delay it
	// measures. 0: every player reads at once and times frames.
	TimedPlayers int
	// BulkReadBytes is how many bytes wait in an untimed player's socket
	// before it is woken to read them (default DefaultBulkReadBytes).
	BulkReadBytes int
	// MetricsURL is the server's Prometheus endpoint (cascade's
	// exporter): the run reads the server's own delivery delay histograms
	// there at both ends of the steady window.
	MetricsURL string
}

// DefaultBulkReadBytes is what an untimed player reads at a time: 230 ms
// of a 1.13 Mbit/s stream, well within a socket's receive buffer.
const DefaultBulkReadBytes = 32 << 10

// maxBulkReadBytes keeps a bulk read within the default receive buffer
// (tcp_rmem's 128 KiB), or the server would see a full socket.
const maxBulkReadBytes = 64 << 10

// DefaultStormWindow is how long after a storm the incumbents' rate is
// measured.
const DefaultStormWindow = 10 * time.Second

// withDefaults returns c with its zero fields set to the defaults.
func (c Config) withDefaults() Config {
	if c.Players == 0 {
		c.Players = DefaultPlayers
	}
	if c.Ramp == 0 {
		c.Ramp = DefaultRamp
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	switch {
	case c.Warmup == 0:
		c.Warmup = DefaultWarmup
	case c.Warmup < 0:
		c.Warmup = 0
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ReadBufferSize == 0 {
		c.ReadBufferSize = DefaultReadBufferSize
	}
	if c.SampleInterval == 0 {
		c.SampleInterval = DefaultSampleInterval
	}
	if c.TimedPlayers > 0 && c.BulkReadBytes == 0 {
		c.BulkReadBytes = DefaultBulkReadBytes
	}
	if c.Storm > 0 && c.StormWindow == 0 {
		c.StormWindow = DefaultStormWindow
	}
	return c
}

// check reports the first invalid field of a config with defaults applied.
func (c Config) check() error {
	switch {
	case c.Players < 1 || c.Players > MaxPlayers:
		return fmt.Errorf("bench: %d players: want 1 to %d", c.Players, MaxPlayers)
	case c.Duration < 0 || c.Duration > MaxDuration:
		return fmt.Errorf("bench: duration %v: want at most %v", c.Duration, MaxDuration)
	case c.Warmup >= c.Duration:
		return fmt.Errorf("bench: warmup %v leaves no steady window in a %v run", c.Warmup, c.Duration)
	case c.Timeout < 0:
		return fmt.Errorf("bench: negative timeout %v", c.Timeout)
	case c.ReadBufferSize < minReadBufferSize:
		return fmt.Errorf("bench: read buffer of %d bytes: want at least %d", c.ReadBufferSize, minReadBufferSize)
	case c.ExpectKbps < 0:
		return fmt.Errorf("bench: negative expected bitrate %v", c.ExpectKbps)
	case c.SampleInterval <= 0:
		return fmt.Errorf("bench: sample interval %v", c.SampleInterval)
	case c.PublishFile != "" && !strings.HasPrefix(c.PublishURL, "rtmp://"):
		return fmt.Errorf("bench: publishing %s: want an rtmp:// publish URL, not %q", c.PublishFile, c.PublishURL)
	case c.Publishers < 0 || c.Publishers > MaxPlayers || (c.Publishers > 0 && c.PublishFile == ""):
		return fmt.Errorf("bench: %d publishers: want up to %d, with a file to publish", c.Publishers, MaxPlayers)
	case c.TimedPlayers < 0 || (c.TimedPlayers > 0 && c.PublishFile == ""):
		return fmt.Errorf("bench: %d timed players: want a file to publish", c.TimedPlayers)
	case c.BulkReadBytes < 0 || c.BulkReadBytes > maxBulkReadBytes:
		return fmt.Errorf("bench: bulk reads of %d bytes: want at most %d", c.BulkReadBytes, maxBulkReadBytes)
	case c.Storm < 0 || c.Players+c.Storm > MaxPlayers:
		return fmt.Errorf("bench: %d players and a storm of %d: want at most %d in all", c.Players, c.Storm, MaxPlayers)
	case c.StormRate < 0:
		return fmt.Errorf("bench: storm rate %v: want 0 (all at once) or more", c.StormRate)
	case c.Storm > 0 && c.StormAt+c.StormWindow > c.Duration:
		return fmt.Errorf("bench: storm at %v with a %v window does not fit a %v run", c.StormAt, c.StormWindow, c.Duration)
	}
	return nil
}

// ParseRamp parses a connect rate: "200", "200/s" or "50/100ms". "0"
// means all players at once and is returned as -1.
func ParseRamp(s string) (float64, error) {
	num, per, hasPer := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bench: ramp %q: want a rate like 200/s", s)
	}
	if n == 0 {
		return -1, nil
	}
	if !hasPer {
		return n, nil
	}
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bench: ramp %q: want a rate like 200/s", s)
	}
	return n / d.Seconds(), nil
}

// Protocol is the way players fetch the stream.
type Protocol string

// Protocols.
const (
	ProtoRTMP Protocol = "rtmp"
	ProtoFLV  Protocol = "http-flv"
	ProtoHLS  Protocol = "hls"
)

// Target is a parsed, resolved stream URL.
type Target struct {
	URL   *url.URL
	Proto Protocol
	// Addr is the loopback ip:port players dial.
	Addr string
	// App and Stream are the RTMP application and stream name (with any
	// query on the stream name).
	App, Stream string
	// TcURL is the RTMP tcUrl: the URL up to the application.
	TcURL string
}

// ResolveTarget parses rawURL and resolves its host. Every address the
// host resolves to must be a loopback address, or the error wraps
// ErrNotLoopback.
func ResolveTarget(ctx context.Context, rawURL string) (*Target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bench: target: %w", err)
	}
	t := &Target{URL: u}
	var port string
	switch u.Scheme {
	case "rtmp":
		t.Proto, port = ProtoRTMP, "1935"
		app, stream, ok := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
		if !ok || app == "" || stream == "" {
			return nil, fmt.Errorf("bench: target %q: want rtmp://host/app/stream", rawURL)
		}
		if u.RawQuery != "" {
			stream += "?" + u.RawQuery
		}
		t.App, t.Stream = app, stream
		t.TcURL = "rtmp://" + u.Host + "/" + app
	case "http":
		t.Proto, port = ProtoFLV, "80"
		if u.Path == "" {
			return nil, fmt.Errorf("bench: target %q: no path", rawURL)
		}
		if strings.HasSuffix(u.Path, ".m3u8") {
			t.Proto = ProtoHLS
		}
	default:
		return nil, fmt.Errorf("bench: target %q: scheme must be rtmp or http", rawURL)
	}
	if u.Port() != "" {
		port = u.Port()
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("bench: target %q: no host", rawURL)
	}
	ip, err := resolveLoopback(ctx, host)
	if err != nil {
		return nil, err
	}
	t.Addr = net.JoinHostPort(ip.String(), port)
	return t, nil
}

// resolveLoopback resolves host and returns its first address if all of
// them are loopback addresses.
func resolveLoopback(ctx context.Context, host string) (net.IP, error) {
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IP{ip}
	} else {
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("bench: resolve %q: %w", host, err)
		}
		for _, a := range addrs {
			ips = append(ips, a.IP)
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("bench: resolve %q: no address", host)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("bench: %s resolves to %s: %w", host, ip, ErrNotLoopback)
		}
	}
	return ips[0], nil
}
