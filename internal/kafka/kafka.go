// Package kafka produces the server's events to Kafka, configured by SRS 3's
// kafka block:
//
//	kafka { enabled on; brokers 127.0.0.1:9092; topic srs; }
//
// Each event is one record whose value is a JSON object: "timestamp" (Unix
// milliseconds) followed by the body SRS posts for the matching HTTP
// callback (server_id, service_id, action, client_id, ip, vhost, app…),
// and whose key is "vhost/app/stream", so one stream's events land in one
// partition, in order. Actions are those of the callbacks (on_connect,
// on_close, on_publish, on_unpublish, on_play, on_stop, on_dvr, on_hls) plus
// ActionStreamStats, a periodic per-stream report (bitrates, players,
// frames). on_close names no stream: its key is "vhost/app/".
//
// Producing never blocks the caller: records wait in the client's bounded
// buffer while a broker is slow or gone, and an event that finds the buffer
// full is dropped and counted; the drops are logged once per interval. The
// client reconnects on its own, and State reports the brokers' state for
// the HTTP API.
package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/hooks"
)

// ActionStreamStats is the action of the periodic per-stream event.
const ActionStreamStats = "on_stream_stats"

// Config is the kafka block.
type Config struct {
	Enabled bool     // enabled: off by default
	Brokers []string // brokers: host:port…, 127.0.0.1:9092 by default
	Topic   string   // topic: "srs" by default
}

// ParseConfig reads the top-level kafka block of root. When enabled, a
// broker that is not host:port is an error naming the file and line.
func ParseConfig(root *config.Directive) (Config, error) {
	b := root.Get("kafka")
	c := Config{Enabled: b.Get("enabled").Arg0() == "on", Brokers: []string{"127.0.0.1:9092"}, Topic: "srs"}
	if d := b.Get("brokers"); d != nil && len(d.Args) > 0 {
		c.Brokers = d.Args
		for _, a := range d.Args {
			if _, port, err := net.SplitHostPort(a); c.Enabled && (err != nil || port == "") {
				return Config{}, config.InvalidValue(d, a, "want host:port")
			}
		}
	}
	if t := b.Get("topic").Arg0(); t != "" {
		c.Topic = t
	}
	return c, nil
}

// Options tunes a Producer.
type Options struct {
	ServerID, ServiceID string        // as in the callbacks' bodies
	Buffer              int           // records held while brokers are slow or down; 10000 by default
	LogInterval         time.Duration // drops are logged at most once per; 10 s by default
	Logger              *slog.Logger
}

// Producer sends events to the configured topic.
type Producer struct {
	cfg  Config
	opts Options
	cl   *kgo.Client
	log  *slog.Logger
	done chan struct{}
	wg   sync.WaitGroup

	produced, dropped, failed atomic.Uint64
	connected                 atomic.Int64 // open broker connections
	dialFailed                atomic.Bool  // the last connection attempt failed

	mu      sync.Mutex
	lastErr string
}

// New starts a producer for cfg. It does not wait for a broker: records
// are buffered until one answers.
func New(cfg Config, opts Options) (*Producer, error) {
	if opts.Buffer <= 0 {
		opts.Buffer = 10000
	}
	if opts.LogInterval <= 0 {
		opts.LogInterval = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	p := &Producer{cfg: cfg, opts: opts, log: opts.Logger, done: make(chan struct{})}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.MaxBufferedRecords(opts.Buffer),
		// Plain ordered delivery: a broker that restarts without its
		// state must not leave the producer stuck on sequence numbers.
		kgo.DisableIdempotentWrite(),
		kgo.RequiredAcks(kgo.LeaderAck()),
		kgo.MaxProduceRequestsInflightPerBroker(1),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.UnknownTopicRetries(-1),
		kgo.DialTimeout(3*time.Second),
		kgo.RetryBackoffFn(func(int) time.Duration { return 250 * time.Millisecond }),
		kgo.WithHooks(p),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	p.cl = cl
	p.wg.Add(1)
	go p.logDrops()
	return p, nil
}

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (p *Producer) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err != nil {
		p.dialFailed.Store(true)
		p.setErr(fmt.Sprintf("broker %s:%d: %v", meta.Host, meta.Port, err))
		return
	}
	p.dialFailed.Store(false)
	p.connected.Add(1)
}

// OnBrokerDisconnect implements kgo.HookBrokerDisconnect.
func (p *Producer) OnBrokerDisconnect(kgo.BrokerMetadata, net.Conn) { p.connected.Add(-1) }

func (p *Producer) setErr(s string) {
	p.mu.Lock()
	p.lastErr = s
	p.mu.Unlock()
}

// Publish produces one callback event that happened at t. It never blocks.
func (p *Producer) Publish(t time.Time, payload hooks.Payload) {
	body, err := hooks.Marshal(payload, p.opts.ServerID, p.opts.ServiceID)
	if err != nil {
		p.failed.Add(1)
		return
	}
	p.produce(keyOf(payload), t, body)
}

// keyOf is the key of a callback's event: its connection's vhost and app,
// and its stream (none for on_close).
func keyOf(p hooks.Payload) string {
	var c hooks.Conn
	var stream string
	switch e := p.(type) {
	case hooks.OnConnect:
		c, stream = e.Conn, e.Stream
	case hooks.OnClose:
		c = e.Conn
	case hooks.OnPublish:
		c, stream = e.Conn, e.Stream
	case hooks.OnUnpublish:
		c, stream = e.Conn, e.Stream
	case hooks.OnPlay:
		c, stream = e.Conn, e.Stream
	case hooks.OnStop:
		c, stream = e.Conn, e.Stream
	case hooks.OnDVR:
		c, stream = e.Conn, e.Stream
	case hooks.OnHLS:
		c, stream = e.Conn, e.Stream
	}
	return Key(c.Vhost, c.App, stream)
}

// StreamStats is one stream's periodic report.
type StreamStats struct {
	Vhost     string   `json:"vhost"`
	App       string   `json:"app"`
	Stream    string   `json:"stream"`
	StreamURL string   `json:"stream_url"`
	StreamID  string   `json:"stream_id"`
	Publish   bool     `json:"publish"` // a publisher is on
	Players   int      `json:"players"`
	Frames    uint64   `json:"frames"` // audio and video frames received
	RecvBytes uint64   `json:"recv_bytes"`
	SendBytes uint64   `json:"send_bytes"`
	Kbps      api.Kbps `json:"kbps"` // 30 s averages
}

// PublishStats produces one ActionStreamStats event per stream.
func (p *Producer) PublishStats(t time.Time, streams []StreamStats) {
	for _, s := range streams {
		body, err := json.Marshal(struct {
			ServerID  string `json:"server_id"`
			ServiceID string `json:"service_id"`
			Action    string `json:"action"`
			StreamStats
		}{p.opts.ServerID, p.opts.ServiceID, ActionStreamStats, s})
		if err != nil {
			p.failed.Add(1)
			continue
		}
		p.produce(Key(s.Vhost, s.App, s.Stream), t, body)
	}
}

// Key is a record's key: "vhost/app/stream".
func Key(vhost, app, stream string) string { return vhost + "/" + app + "/" + stream }

// produce prepends the timestamp to body, a JSON object, and hands the
// record to the client's bounded buffer.
func (p *Producer) produce(key string, t time.Time, body []byte) {
	if len(body) < 2 || body[0] != '{' {
		p.failed.Add(1)
		return
	}
	v := make([]byte, 0, len(body)+32)
	v = append(v, `{"timestamp":`...)
	v = strconv.AppendInt(v, t.UnixMilli(), 10)
	if body[1] != '}' {
		v = append(v, ',')
	}
	v = append(v, body[1:]...)
	rec := &kgo.Record{Key: []byte(key), Value: v, Timestamp: t}
	p.cl.TryProduce(context.Background(), rec, p.delivered)
}

func (p *Producer) delivered(_ *kgo.Record, err error) {
	switch {
	case err == nil:
		p.produced.Add(1)
	case errors.Is(err, kgo.ErrMaxBuffered):
		p.dropped.Add(1)
	default:
		p.failed.Add(1)
		p.setErr(err.Error())
	}
}

// logDrops writes one line per interval in which events were dropped.
func (p *Producer) logDrops() {
	defer p.wg.Done()
	t := time.NewTicker(p.opts.LogInterval)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			if n := p.dropped.Load(); n != last {
				st := p.State()
				p.log.Warn("kafka: events dropped, the brokers are too slow or down",
					"dropped", n-last, "dropped_total", n, "buffered", st.Buffered,
					"brokers_connected", st.Connected, "last_error", st.LastError)
				last = n
			}
		}
	}
}

// State reports the producer for the HTTP API.
func (p *Producer) State() api.KafkaState {
	p.mu.Lock()
	lastErr := p.lastErr
	p.mu.Unlock()
	st := api.KafkaState{
		Brokers: p.cfg.Brokers, Topic: p.cfg.Topic,
		Connected: int(max(0, p.connected.Load())),
		Produced:  p.produced.Load(), Dropped: p.dropped.Load(), Failed: p.failed.Load(),
		Buffered: p.cl.BufferedProduceRecords(), LastError: lastErr,
	}
	st.State = "down"
	if st.Connected > 0 && !p.dialFailed.Load() {
		st.State = "up"
	}
	return st
}

// Close stops the producer, giving buffered records up to ctx to go out.
func (p *Producer) Close(ctx context.Context) {
	close(p.done)
	p.wg.Wait()
	_ = p.cl.Flush(ctx)
	p.cl.Close()
}
