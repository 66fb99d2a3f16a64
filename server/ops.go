package server

import (
	"context"
	"net"
	"os"
	"reflect"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/events"
	"github.com/cascade-live/cascade/internal/heartbeat"
	"github.com/cascade-live/cascade/internal/kafka"
)

// opsConfig is the server-wide operations blocks: stats, heartbeat, kafka.
type opsConfig struct {
	stats     api.StatsConfig
	heartbeat heartbeat.Config
	kafka     kafka.Config
}

func parseOps(root *config.Directive) (opsConfig, error) {
	var c opsConfig
	var err error
	if c.stats, err = api.ParseStatsConfig(root); err != nil {
		return c, err
	}
	if c.heartbeat, err = heartbeat.ParseConfig(root); err != nil {
		return c, err
	}
	c.kafka, err = kafka.ParseConfig(root)
	return c, err
}

// opsUnreloadable names the blocks that changed but apply at start only.
func opsUnreloadable(old, cur opsConfig) []string {
	var out []string
	if !reflect.DeepEqual(old.heartbeat, cur.heartbeat) {
		out = append(out, "heartbeat")
	}
	if !reflect.DeepEqual(old.kafka, cur.kafka) {
		out = append(out, "kafka")
	}
	return out
}

// defaultKafkaStatsInterval is how often each stream's stats event goes to
// Kafka.
const defaultKafkaStatsInterval = 10 * time.Second

// startOps starts what the stats, heartbeat and kafka blocks ask for; they
// stop when the server closes. Changing heartbeat or kafka needs a restart.
func (s *Server) startOps(p *provider) error {
	oc := s.state.Load().ops
	p.host.SetStats(oc.stats)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-s.done
		cancel()
	}()
	if oc.heartbeat.Enabled {
		go heartbeat.New(oc.heartbeat, heartbeatSource{p}, s.log).Run(ctx)
	}
	if !oc.kafka.Enabled {
		return nil
	}
	opts := s.KafkaOptions
	opts.ServerID, opts.ServiceID, opts.Logger = s.serverID, s.serviceID, s.log
	prod, err := kafka.New(oc.kafka, opts)
	if err != nil {
		return err
	}
	s.kafka.Store(prod)
	// The sink ends with the bus (stopEvents), after the last sessions'
	// events; stopKafka then flushes the producer.
	s.Events().Subscribe("kafka", 0, func(e events.Event) { prod.Publish(e.Time, e.Payload) })
	s.log.Info("kafka producer started", "brokers", oc.kafka.Brokers, "topic", oc.kafka.Topic)
	interval := s.KafkaStatsInterval
	if interval <= 0 {
		interval = defaultKafkaStatsInterval
	}
	s.kafkaStats = make(chan struct{})
	go func() {
		defer close(s.kafkaStats)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				prod.PublishStats(now, s.kafkaStreamStats())
			}
		}
	}()
	return nil
}

// stopKafka stops the Kafka producer, once the bus has handed it the last
// events, giving what it buffered a second to reach a broker.
func (s *Server) stopKafka() {
	prod := s.kafka.Load()
	if prod == nil {
		return
	}
	<-s.kafkaStats
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	prod.Close(ctx)
}

// kafkaStreamStats reports every stream for the periodic Kafka event.
func (s *Server) kafkaStreamStats() []kafka.StreamStats {
	var out []kafka.StreamStats
	for _, src := range s.reg.Sources() {
		out = append(out, kafka.StreamStats{
			Vhost: src.Vhost, App: src.App, Stream: src.Stream,
			StreamURL: hooks.StreamURL(src.Vhost, src.App, src.Stream), StreamID: src.ID,
			Publish: src.Publishing(), Players: src.Consumers(), Frames: src.Stats.Frames.Load(),
			RecvBytes: src.Stats.BytesIn.Load(), SendBytes: src.Stats.BytesOut.Load(),
			Kbps: s.streamMeter(src).Kbps(),
		})
	}
	return out
}

// heartbeatSource is what a heartbeat reports, from the API's provider.
type heartbeatSource struct{ p *provider }

func (h heartbeatSource) IP() string {
	return api.PickIPv4(h.p.s.state.Load().ops.stats.Network).IP
}

func (h heartbeatSource) Summary() api.Summary { return h.p.Summary() }

func (h heartbeatSource) IDs() (server, service, pid string) {
	return h.p.s.serverID, h.p.s.serviceID, strconv.Itoa(os.Getpid())
}

func (h heartbeatSource) Ports() heartbeat.Ports {
	s := h.p.s
	var mgmt []net.Addr
	if a := s.MgmtAddr("api"); a != nil {
		mgmt = append(mgmt, a)
	}
	return heartbeat.Ports{RTMP: ports(s.Addrs("rtmp")), HTTP: ports(s.Addrs("http")), API: ports(mgmt)}
}

func ports(addrs []net.Addr) []string {
	var out []string
	for _, a := range addrs {
		if _, port, err := net.SplitHostPort(a.String()); err == nil {
			out = append(out, port)
		}
	}
	return out
}

// kafkaCollectors are the Kafka producer's series for the exporter, when
// the kafka block is on.
func (s *Server) kafkaCollectors() []prometheus.Collector {
	if s.kafka.Load() == nil {
		return nil
	}
	state := func() api.KafkaState { return s.kafka.Load().State() }
	counter := func(name, help string, v func(api.KafkaState) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(state())) })
	}
	return []prometheus.Collector{
		counter("srs_kafka_events_produced_total", "Events the Kafka brokers acknowledged.",
			func(st api.KafkaState) uint64 { return st.Produced }),
		counter("srs_kafka_events_dropped_total", "Events dropped because the Kafka buffer was full (brokers slow or down).",
			func(st api.KafkaState) uint64 { return st.Dropped }),
		counter("srs_kafka_events_failed_total", "Events the Kafka brokers refused.",
			func(st api.KafkaState) uint64 { return st.Failed }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "srs_kafka_up", Help: "1 while a Kafka broker connection is up."},
			func() float64 {
				if state().State == "up" {
					return 1
				}
				return 0
			}),
	}
}
