package metrics

import (
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// streamLabels label every per-stream series.
var streamLabels = []string{"vhost", "app", "stream"}

// collector builds every series at scrape time from its Source.
type collector struct {
	src Source

	uname     *prometheus.Desc // nil where uname is not known
	unameVals []string
	build     *prometheus.Desc
	buildVals []string

	cpu, memory, sendBytes, recvBytes         *prometheus.Desc
	streams, clients, clientsTotal, clientErr *prometheus.Desc

	publishers, players, streamRecv, streamSend *prometheus.Desc
	frames, dropped, kbpsIn, kbpsOut            *prometheus.Desc
	gopFrames, uptime                           *prometheus.Desc

	events, sinkDelivered, sinkDropped, casterLost *prometheus.Desc
	deliveryDelay, deliveryQueued                  *prometheus.Desc
}

// NewCollector returns a collector of SRS's exporter metrics and the
// per-stream series, read from src at each scrape.
func NewCollector(src Source, opts Options) prometheus.Collector {
	return newCollector(src, opts, hostUname())
}

func newCollector(src Source, opts Options, u *uname) *collector {
	c := &collector{src: src}
	if u != nil {
		c.uname = prometheus.NewDesc("srs_node_uname_info",
			"Labeled system information as provided by the uname system call.",
			[]string{"sysname", "nodename", "release", "version", "machine"}, nil)
		c.unameVals = []string{u.sysname, u.nodename, u.release, u.version, u.machine}
	}

	buildLabels := []string{"server", "service", "pid", "build_date", "major", "version", "code"}
	c.buildVals = []string{opts.ServerID, opts.ServiceID, strconv.Itoa(os.Getpid()),
		opts.BuildDate, majorOf(opts.Version), opts.Version, opts.Code}
	// SRS adds label and tag only when the exporter block sets them.
	if opts.Label != "" {
		buildLabels = append(buildLabels, "label")
		c.buildVals = append(c.buildVals, opts.Label)
	}
	if opts.Tag != "" {
		buildLabels = append(buildLabels, "tag")
		c.buildVals = append(c.buildVals, opts.Tag)
	}
	c.build = prometheus.NewDesc("srs_build_info",
		"A metric with a constant '1' value labeled by the server's build and identity.", buildLabels, nil)

	plain := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	c.cpu = plain("srs_cpu_percent", "Server CPU use, in percent of one core.")
	c.memory = plain("srs_memory", "Server resident memory, in kilobytes.")
	c.sendBytes = plain("srs_send_bytes_total", "Bytes the server has sent to clients.")
	c.recvBytes = plain("srs_receive_bytes_total", "Bytes the server has received from clients.")
	c.streams = plain("srs_streams", "Streams the server knows now.")
	c.clients = plain("srs_clients", "Clients connected now.")
	c.clientsTotal = plain("srs_clients_total", "Clients that have connected.")
	c.clientErr = plain("srs_clients_errs_total", "Clients whose session ended with an error.")

	stream := func(name, help string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append(slices.Clone(streamLabels), extra...), nil)
	}
	c.publishers = stream("srs_stream_publishers", "Publishers of the stream: 0 or 1.")
	c.players = stream("srs_stream_players", "Players of the stream, by protocol.", "protocol")
	c.streamRecv = stream("srs_stream_receive_bytes_total", "Bytes received for the stream.")
	c.streamSend = stream("srs_stream_send_bytes_total", "Bytes sent of the stream to its players.")
	c.frames = stream("srs_stream_frames_total", "Audio and video frames received for the stream.")
	c.dropped = stream("srs_stream_dropped_frames_total", "Frames skipped for players too slow to keep up.")
	c.kbpsIn = stream("srs_stream_receive_kbps", "Received bitrate over the last 30 seconds, in kilobits per second.")
	c.kbpsOut = stream("srs_stream_send_kbps", "Sent bitrate over the last 30 seconds, in kilobits per second.")
	c.gopFrames = stream("srs_stream_gop_cache_frames", "Frames held in the stream's GOP cache.")
	c.uptime = stream("srs_stream_uptime_seconds", "Seconds since the stream appeared.")

	c.events = prometheus.NewDesc("cascade_events_total", "Events of clients and streams, by callback action.",
		[]string{"action"}, nil)
	c.sinkDelivered = prometheus.NewDesc("cascade_event_sink_delivered_total",
		"Events handed to a sink of the event bus.", []string{"sink"}, nil)
	c.sinkDropped = prometheus.NewDesc("cascade_event_sink_dropped_total",
		"Events a sink of the event bus lost because its queue was full.", []string{"sink"}, nil)
	c.casterLost = prometheus.NewDesc("cascade_caster_lost_packets_total",
		"Media packets the stream casters' inputs lost on the way (TS continuity, RTP sequence and SRT gaps).",
		[]string{"caster"}, nil)
	c.deliveryDelay = plain("cascade_delivery_delay_seconds",
		"For each write of live media to a player, seconds since the publisher's message was read.")
	c.deliveryQueued = plain("cascade_delivery_queued_seconds",
		"For each batch of live media and event loop, seconds from the publisher's message being read to the loop taking it up.")
	return c
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	if c.uname != nil {
		ch <- c.uname
	}
	for _, d := range []*prometheus.Desc{
		c.build, c.cpu, c.memory, c.sendBytes, c.recvBytes, c.streams, c.clients, c.clientsTotal, c.clientErr,
		c.publishers, c.players, c.streamRecv, c.streamSend, c.frames, c.dropped, c.kbpsIn, c.kbpsOut,
		c.gopFrames, c.uptime, c.events, c.sinkDelivered, c.sinkDropped, c.casterLost, c.deliveryDelay, c.deliveryQueued,
	} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one read of each snapshot.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}

	if c.uname != nil {
		gauge(c.uname, 1, c.unameVals...)
	}
	gauge(c.build, 1, c.buildVals...)

	s := c.src.Server()
	gauge(c.cpu, s.CPUPercent)
	gauge(c.memory, float64(s.MemoryKbyte))
	counter(c.sendBytes, s.SendBytes)
	counter(c.recvBytes, s.RecvBytes)
	gauge(c.streams, float64(s.Streams))
	gauge(c.clients, float64(s.Clients))
	counter(c.clientsTotal, s.ClientsTotal)
	counter(c.clientErr, s.ClientsErrors)
	for _, action := range slices.Sorted(maps.Keys(s.Events)) {
		counter(c.events, s.Events[action], action)
	}
	for _, sink := range s.EventSinks {
		counter(c.sinkDelivered, sink.Delivered, sink.Name)
		counter(c.sinkDropped, sink.Dropped, sink.Name)
	}
	for _, kind := range slices.Sorted(maps.Keys(s.CasterLost)) {
		counter(c.casterLost, s.CasterLost[kind], kind)
	}

	histogram(ch, c.deliveryDelay, s.DeliveryDelay)
	histogram(ch, c.deliveryQueued, s.DeliveryQueued)

	for _, st := range c.src.Streams() {
		l := []string{st.Vhost, st.App, st.Stream}
		gauge(c.publishers, float64(st.Publishers), l...)
		for _, proto := range slices.Sorted(maps.Keys(st.PlayersByProtocol)) {
			gauge(c.players, float64(st.PlayersByProtocol[proto]), append(l, proto)...)
		}
		counter(c.streamRecv, st.BytesIn, l...)
		counter(c.streamSend, st.BytesOut, l...)
		counter(c.frames, st.FramesIn, l...)
		counter(c.dropped, st.FramesDropped, l...)
		gauge(c.kbpsIn, st.KbpsIn, l...)
		gauge(c.kbpsOut, st.KbpsOut, l...)
		gauge(c.gopFrames, float64(st.GOPFrames), l...)
		gauge(c.uptime, st.Uptime.Seconds(), l...)
	}
}

// histogram sends h as a Prometheus histogram, unless it has no buckets.
func histogram(ch chan<- prometheus.Metric, d *prometheus.Desc, h Histogram) {
	if len(h.Bounds) == 0 {
		return
	}
	buckets := make(map[float64]uint64, len(h.Bounds))
	var n uint64
	for i, b := range h.Bounds {
		n += h.Counts[i]
		buckets[b] = n
	}
	n += h.Counts[len(h.Bounds)]
	ch <- prometheus.MustNewConstHistogram(d, n, h.Sum, buckets)
}

// majorOf returns the major number of "6.0.184": SRS's "major" label.
func majorOf(version string) string {
	major, _, _ := strings.Cut(version, ".")
	return major
}
