// Package bandcheck is SRS's RTMP bandwidth test (the vhost's bandcheck
// block, dropped by SRS 4): a client connects to an app with ?key=KEY in
// its tcUrl, and instead of publishing or playing, the server measures how
// fast it can send to the client and receive from it.
//
// Every message is an AMF0 command on message stream 0 whose values are the
// command name, transaction ID 0, null, and an object (maybe empty):
//
//	C→S  connect             tcUrl rtmp://host/app?key=KEY
//	S→C  _result             connect accepted (or _error: wrong key, too soon)
//	S→C  onSrsBandCheckStartPlayBytes       {limit_kbps, duration_ms, interval_ms}
//	C→S  onSrsBandCheckStartingPlayBytes
//	S→C  onSrsBandCheckPlaying              filler, for duration_ms, at most limit_kbps
//	S→C  onSrsBandCheckStopPlayBytes        {duration_ms, interval_ms, duration_delta, bytes_delta}
//	C→S  onSrsBandCheckStoppedPlayBytes
//	S→C  onSrsBandCheckStartPublishBytes    {limit_kbps, duration_ms, interval_ms}
//	C→S  onSrsBandCheckStartingPublishBytes
//	C→S  onSrsBandCheckPublishing           filler, for duration_ms, at most limit_kbps
//	C→S  onSrsBandCheckStopPublishBytes     the client is done sending
//	S→C  onSrsBandCheckStopPublishBytes     {duration_ms, interval_ms, duration_delta, bytes_delta}
//	C→S  onSrsBandCheckStoppedPublishBytes  (Flash clients, those with a swfUrl, skip it)
//	S→C  onSrsBandCheckFinished             {start_time, end_time, play_kbps, publish_kbps,
//	                                         play_bytes, publish_bytes, play_time, publish_time}
//	C→S  finalClientPacket                  (Flash clients skip it); the server closes
//
// Times are in milliseconds (start_time and end_time since the Unix epoch),
// rates in kbps (bytes × 8 / milliseconds), byte counts as the server's
// connection counted them during the phase. The server ends the publish
// phase at duration_ms even if the client goes on. The play phase is paced
// by the server at limit_kbps; the publish phase by the client, at the
// limit_kbps the server announced (the server cannot slow a sender down
// without stalling the connection).
//
// Session is the server's side as a state machine without I/O: the RTMP
// session feeds it commands, clock readings and its byte counters, and
// sends what it returns. Run is the client's side.
package bandcheck

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/rtmp"
)

// The protocol's command names.
const (
	StartPlay       = "onSrsBandCheckStartPlayBytes"
	StartingPlay    = "onSrsBandCheckStartingPlayBytes"
	Playing         = "onSrsBandCheckPlaying"
	StopPlay        = "onSrsBandCheckStopPlayBytes"
	StoppedPlay     = "onSrsBandCheckStoppedPlayBytes"
	StartPublish    = "onSrsBandCheckStartPublishBytes"
	StartingPublish = "onSrsBandCheckStartingPublishBytes"
	Publishing      = "onSrsBandCheckPublishing"
	StopPublish     = "onSrsBandCheckStopPublishBytes"
	StoppedPublish  = "onSrsBandCheckStoppedPublishBytes"
	Finished        = "onSrsBandCheckFinished"
	Final           = "finalClientPacket"
)

// IsCommand reports whether name belongs to the protocol.
func IsCommand(name string) bool {
	switch name {
	case StartPlay, StartingPlay, Playing, StopPlay, StoppedPlay, StartPublish, StartingPublish,
		Publishing, StopPublish, StoppedPublish, Finished, Final:
		return true
	}
	return false
}

// Errors a check is refused or ended with.
var (
	ErrWrongKey   = errors.New("bandcheck: wrong key")
	ErrTooSoon    = errors.New("bandcheck: a check from this address ran less than interval ago")
	ErrTimeout    = errors.New("bandcheck: the client did not answer in time")
	ErrUnexpected = errors.New("bandcheck: unexpected command")
)

// Config is a vhost's bandcheck block.
type Config struct {
	Enabled   bool          // enabled: off by default
	Key       string        // key: the tcUrl must hold key=Key
	Interval  time.Duration // interval, in seconds: 30 s by default; one check per client IP per interval
	LimitKbps int           // limit_kbps: 1000 by default
	// Duration is each phase's length, 3 s as in SRS; not a directive.
	Duration time.Duration
}

// DefaultDuration is each phase's length.
const DefaultDuration = 3 * time.Second

// ParseConfig reads a vhost's bandcheck block (b may be nil: disabled).
func ParseConfig(b *config.Directive) (Config, error) {
	c := Config{Enabled: b.Get("enabled").Arg0() == "on", Key: b.Get("key").Arg0(),
		Interval: 30 * time.Second, LimitKbps: 1000, Duration: DefaultDuration}
	if d := b.Get("interval"); d != nil {
		sec, err := strconv.ParseFloat(d.Arg0(), 64)
		if err != nil || sec < 0 {
			return Config{}, config.InvalidValue(d, d.Arg0(), "want seconds")
		}
		c.Interval = time.Duration(sec * float64(time.Second))
	}
	if d := b.Get("limit_kbps"); d != nil {
		n, err := strconv.Atoi(d.Arg0())
		if err != nil || n <= 0 {
			return Config{}, config.InvalidValue(d, d.Arg0(), "want a positive number of kbps")
		}
		c.LimitKbps = n
	}
	return c, nil
}

// CheckKey reports whether tcURL's query has key=c.Key, as SRS requires.
func (c Config) CheckKey(tcURL string) error {
	u, err := url.Parse(tcURL)
	if err != nil {
		return fmt.Errorf("%w: bad tcUrl: %v", ErrWrongKey, err)
	}
	if q := u.Query(); !q.Has("key") || q.Get("key") != c.Key {
		return ErrWrongKey
	}
	return nil
}

// Limiter allows one check per client address per interval. It is safe
// for concurrent use; entries older than the longest interval seen go.
type Limiter struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// Allow reports whether addr may start a check at now, and if so records it.
func (l *Limiter) Allow(addr string, now time.Time, interval time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last = make(map[string]time.Time)
	}
	if t, ok := l.last[addr]; ok && now.Sub(t) < interval {
		return false
	}
	for a, t := range l.last {
		if now.Sub(t) >= interval {
			delete(l.last, a)
		}
	}
	l.last[addr] = now
	return true
}

// packet builds one protocol command.
func packet(name string, data amf.Object) *rtmp.Command {
	if data == nil {
		data = amf.Object{}
	}
	return &rtmp.Command{Name: name, Args: []any{data}}
}

// dataOf returns a protocol command's object.
func dataOf(cmd *rtmp.Command) amf.Object {
	for _, a := range cmd.Args {
		if o, ok := a.(amf.Object); ok {
			return o
		}
		if o, ok := a.(amf.ECMAArray); ok {
			return amf.Object(o)
		}
	}
	return nil
}

func number(o amf.Object, key string) float64 {
	n, _ := o.GetNumber(key)
	return n
}

// filler is a data packet of about size bytes: numbered entries holding
// SRS's text, as SRS's own packets do.
func filler(name string, size int) *rtmp.Command {
	const text = "SRS band check data from server's playing......"
	var o amf.Object
	for i := 0; size > 0; i++ {
		o = append(o, amf.Property{Key: strconv.Itoa(i), Value: text})
		size -= len(text) + 3 + len(strconv.Itoa(i)) + 2
	}
	return packet(name, o)
}

// kbps is bytes over d in kilobits per second (bytes × 8 / ms).
func kbps(bytes uint64, d time.Duration) float64 {
	ms := d.Milliseconds()
	if ms <= 0 {
		return 0
	}
	return float64(bytes) * 8 / float64(ms)
}
