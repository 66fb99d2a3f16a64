package metrics

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeSource returns whatever snapshot the test last set.
type fakeSource struct {
	mu      sync.Mutex
	server  Server
	streams []Stream
}

func (f *fakeSource) Server() Server {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.server
}

func (f *fakeSource) Streams() []Stream {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.streams
}

func (f *fakeSource) setStreams(s []Stream) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.streams = s
}

var testUname = &uname{sysname: "Linux", nodename: "edge1", release: "6.1.0", version: "#1 SMP", machine: "x86_64"}

var testOpts = Options{
	Label: "cn-beijing", Tag: "cn-edge",
	Version: "6.0.184", Code: "Hang", BuildDate: "2025-01-02",
	ServerID: "vid-server", ServiceID: "svc12345",
}

func newSource() *fakeSource {
	return &fakeSource{
		server: Server{
			CPUPercent: 12.5, MemoryKbyte: 10240,
			SendBytes: 3000, RecvBytes: 4000,
			Streams: 2, Clients: 3, ClientsTotal: 17, ClientsErrors: 2,
		},
		streams: []Stream{
			{
				Vhost: "__defaultVhost__", App: "live", Stream: "livestream",
				Publishers: 1, PlayersByProtocol: map[string]int{"rtmp": 2, "flv": 1, "hls": 0},
				BytesIn: 4000, BytesOut: 3000, FramesIn: 750, FramesDropped: 5,
				KbpsIn: 800, KbpsOut: 1600.5, GOPFrames: 50, Uptime: 90*time.Second + 500*time.Millisecond,
			},
			{Vhost: "__defaultVhost__", App: "live", Stream: "waiting", PlayersByProtocol: map[string]int{"flv": 1}},
		},
	}
}

// serverExposition is the server-wide part of the scrape of newSource.
func serverExposition() string {
	pid := strconv.Itoa(os.Getpid())
	return `
# HELP srs_build_info A metric with a constant '1' value labeled by the server's build and identity.
# TYPE srs_build_info gauge
srs_build_info{build_date="2025-01-02",code="Hang",label="cn-beijing",major="6",pid="` + pid + `",server="vid-server",service="svc12345",tag="cn-edge",version="6.0.184"} 1
# HELP srs_clients Clients connected now.
# TYPE srs_clients gauge
srs_clients 3
# HELP srs_clients_errs_total Clients whose session ended with an error.
# TYPE srs_clients_errs_total counter
srs_clients_errs_total 2
# HELP srs_clients_total Clients that have connected.
# TYPE srs_clients_total counter
srs_clients_total 17
# HELP srs_cpu_percent Server CPU use, in percent of one core.
# TYPE srs_cpu_percent gauge
srs_cpu_percent 12.5
# HELP srs_memory Server resident memory, in kilobytes.
# TYPE srs_memory gauge
srs_memory 10240
# HELP srs_node_uname_info Labeled system information as provided by the uname system call.
# TYPE srs_node_uname_info gauge
srs_node_uname_info{machine="x86_64",nodename="edge1",release="6.1.0",sysname="Linux",version="#1 SMP"} 1
# HELP srs_receive_bytes_total Bytes the server has received from clients.
# TYPE srs_receive_bytes_total counter
srs_receive_bytes_total 4000
# HELP srs_send_bytes_total Bytes the server has sent to clients.
# TYPE srs_send_bytes_total counter
srs_send_bytes_total 3000
# HELP srs_streams Streams the server knows now.
# TYPE srs_streams gauge
srs_streams 2
`
}

const streamsExposition = `
# HELP srs_stream_dropped_frames_total Frames skipped for players too slow to keep up.
# TYPE srs_stream_dropped_frames_total counter
srs_stream_dropped_frames_total{app="live",stream="livestream",vhost="__defaultVhost__"} 5
srs_stream_dropped_frames_total{app="live",stream="waiting",vhost="__defaultVhost__"} 0
# HELP srs_stream_frames_total Audio and video frames received for the stream.
# TYPE srs_stream_frames_total counter
srs_stream_frames_total{app="live",stream="livestream",vhost="__defaultVhost__"} 750
srs_stream_frames_total{app="live",stream="waiting",vhost="__defaultVhost__"} 0
# HELP srs_stream_gop_cache_frames Frames held in the stream's GOP cache.
# TYPE srs_stream_gop_cache_frames gauge
srs_stream_gop_cache_frames{app="live",stream="livestream",vhost="__defaultVhost__"} 50
srs_stream_gop_cache_frames{app="live",stream="waiting",vhost="__defaultVhost__"} 0
# HELP srs_stream_players Players of the stream, by protocol.
# TYPE srs_stream_players gauge
srs_stream_players{app="live",protocol="flv",stream="livestream",vhost="__defaultVhost__"} 1
srs_stream_players{app="live",protocol="hls",stream="livestream",vhost="__defaultVhost__"} 0
srs_stream_players{app="live",protocol="rtmp",stream="livestream",vhost="__defaultVhost__"} 2
srs_stream_players{app="live",protocol="flv",stream="waiting",vhost="__defaultVhost__"} 1
# HELP srs_stream_publishers Publishers of the stream: 0 or 1.
# TYPE srs_stream_publishers gauge
srs_stream_publishers{app="live",stream="livestream",vhost="__defaultVhost__"} 1
srs_stream_publishers{app="live",stream="waiting",vhost="__defaultVhost__"} 0
# HELP srs_stream_receive_bytes_total Bytes received for the stream.
# TYPE srs_stream_receive_bytes_total counter
srs_stream_receive_bytes_total{app="live",stream="livestream",vhost="__defaultVhost__"} 4000
srs_stream_receive_bytes_total{app="live",stream="waiting",vhost="__defaultVhost__"} 0
# HELP srs_stream_receive_kbps Received bitrate over the last 30 seconds, in kilobits per second.
# TYPE srs_stream_receive_kbps gauge
srs_stream_receive_kbps{app="live",stream="livestream",vhost="__defaultVhost__"} 800
srs_stream_receive_kbps{app="live",stream="waiting",vhost="__defaultVhost__"} 0
# HELP srs_stream_send_bytes_total Bytes sent of the stream to its players.
# TYPE srs_stream_send_bytes_total counter
srs_stream_send_bytes_total{app="live",stream="livestream",vhost="__defaultVhost__"} 3000
srs_stream_send_bytes_total{app="live",stream="waiting",vhost="__defaultVhost__"} 0
# HELP srs_stream_send_kbps Sent bitrate over the last 30 seconds, in kilobits per second.
# TYPE srs_stream_send_kbps gauge
srs_stream_send_kbps{app="live",stream="livestream",vhost="__defaultVhost__"} 1600.5
srs_stream_send_kbps{app="live",stream="waiting",vhost="__defaultVhost__"} 0
# HELP srs_stream_uptime_seconds Seconds since the stream appeared.
# TYPE srs_stream_uptime_seconds gauge
srs_stream_uptime_seconds{app="live",stream="livestream",vhost="__defaultVhost__"} 90.5
srs_stream_uptime_seconds{app="live",stream="waiting",vhost="__defaultVhost__"} 0
`

func TestCollectorExposition(t *testing.T) {
	c := newCollector(newSource(), testOpts, testUname)
	err := testutil.CollectAndCompare(c, strings.NewReader(serverExposition()+streamsExposition))
	assert.NoError(t, err)
}

func TestBuildInfoWithoutLabelAndTag(t *testing.T) {
	opts := testOpts
	opts.Label, opts.Tag = "", ""
	c := newCollector(newSource(), opts, nil)
	want := `
# HELP srs_build_info A metric with a constant '1' value labeled by the server's build and identity.
# TYPE srs_build_info gauge
srs_build_info{build_date="2025-01-02",code="Hang",major="6",pid="` + strconv.Itoa(os.Getpid()) + `",server="vid-server",service="svc12345",version="6.0.184"} 1
`
	assert.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want), "srs_build_info"))
	// Without uname the series is left out, not emitted empty.
	assert.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(""), "srs_node_uname_info"))
}

func TestEndedStreamDisappears(t *testing.T) {
	src := newSource()
	c := newCollector(src, testOpts, testUname)
	require.Equal(t, 2, testutil.CollectAndCount(c, "srs_stream_publishers"))

	src.setStreams(src.Streams()[:1]) // "waiting" ended
	want := `
# HELP srs_stream_publishers Publishers of the stream: 0 or 1.
# TYPE srs_stream_publishers gauge
srs_stream_publishers{app="live",stream="livestream",vhost="__defaultVhost__"} 1
# HELP srs_stream_players Players of the stream, by protocol.
# TYPE srs_stream_players gauge
srs_stream_players{app="live",protocol="flv",stream="livestream",vhost="__defaultVhost__"} 1
srs_stream_players{app="live",protocol="hls",stream="livestream",vhost="__defaultVhost__"} 0
srs_stream_players{app="live",protocol="rtmp",stream="livestream",vhost="__defaultVhost__"} 2
`
	assert.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want), "srs_stream_publishers", "srs_stream_players"))

	src.setStreams(nil)
	for _, name := range []string{"srs_stream_publishers", "srs_stream_players", "srs_stream_uptime_seconds"} {
		assert.Zero(t, testutil.CollectAndCount(c, name), name)
	}
	assert.Equal(t, 1, testutil.CollectAndCount(c, "srs_streams"), "server-wide series stay")
}

func TestCollectorLint(t *testing.T) {
	c := newCollector(newSource(), testOpts, testUname)
	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

func TestCollectorRegisters(t *testing.T) {
	// A registry checks Describe against Collect; registering twice the same
	// descriptors must fail, proving Describe announces them.
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(NewCollector(newSource(), testOpts)))
	assert.Error(t, reg.Register(NewCollector(newSource(), testOpts)))
	_, err := reg.Gather()
	assert.NoError(t, err, "a pedantic registry finds Collect consistent with Describe")
}

func TestMajorOf(t *testing.T) {
	for in, want := range map[string]string{"6.0.184": "6", "7": "7", "": ""} {
		assert.Equal(t, want, majorOf(in), in)
	}
}

func TestEventSeries(t *testing.T) {
	src := newSource()
	src.server.Events = map[string]uint64{"on_publish": 2, "on_close": 5}
	src.server.EventSinks = []EventSink{{Name: "http_hooks", Delivered: 7, Dropped: 0}, {Name: "kafka", Delivered: 3, Dropped: 4}}
	src.server.CasterLost = map[string]uint64{"mpegts-udp": 12, "srt": 0}
	c := newCollector(src, testOpts, testUname)
	want := `
# HELP cascade_events_total Events of clients and streams, by callback action.
# TYPE cascade_events_total counter
cascade_events_total{action="on_close"} 5
cascade_events_total{action="on_publish"} 2
# HELP cascade_event_sink_delivered_total Events handed to a sink of the event bus.
# TYPE cascade_event_sink_delivered_total counter
cascade_event_sink_delivered_total{sink="http_hooks"} 7
cascade_event_sink_delivered_total{sink="kafka"} 3
# HELP cascade_event_sink_dropped_total Events a sink of the event bus lost because its queue was full.
# TYPE cascade_event_sink_dropped_total counter
cascade_event_sink_dropped_total{sink="http_hooks"} 0
cascade_event_sink_dropped_total{sink="kafka"} 4
# HELP cascade_caster_lost_packets_total Media packets the stream casters' inputs lost on the way (TS continuity, RTP sequence and SRT gaps).
# TYPE cascade_caster_lost_packets_total counter
cascade_caster_lost_packets_total{caster="mpegts-udp"} 12
cascade_caster_lost_packets_total{caster="srt"} 0
`
	assert.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want),
		"cascade_events_total", "cascade_event_sink_delivered_total", "cascade_event_sink_dropped_total",
		"cascade_caster_lost_packets_total"))
	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

func TestDeliveryDelayHistogram(t *testing.T) {
	src := newSource()
	src.server.DeliveryDelay = Histogram{Bounds: []float64{0.001, 0.005}, Counts: []uint64{3, 5, 2}, Sum: 0.05}
	c := newCollector(src, testOpts, testUname)
	want := `
# HELP cascade_delivery_delay_seconds For each write of live media to a player, seconds since the publisher's message was read.
# TYPE cascade_delivery_delay_seconds histogram
cascade_delivery_delay_seconds_bucket{le="0.001"} 3
cascade_delivery_delay_seconds_bucket{le="0.005"} 8
cascade_delivery_delay_seconds_bucket{le="+Inf"} 10
cascade_delivery_delay_seconds_sum 0.05
cascade_delivery_delay_seconds_count 10
`
	assert.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want), "cascade_delivery_delay_seconds"))
	assert.Zero(t, testutil.CollectAndCount(c, "cascade_delivery_queued_seconds"), "no buckets, no series")
}
