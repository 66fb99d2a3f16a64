package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
)

// casterInput is one way an encoder pushes into the server.
type casterInput struct {
	proto  string // client type in the API
	kind   string // CasterAddrs kind
	conf   string // configuration lines enabling it
	stream string // the stream it publishes ("" for the one pushed to)
	// url is where ffmpeg sends stream, and format and options how.
	url    func(addr net.Addr, stream string) string
	format string
	args   []string
}

var (
	udpInput = casterInput{proto: "mpegts-udp", kind: config.CasterMPEGTSOverUDP, stream: "udp",
		conf:   "stream_caster { enabled on; caster mpegts_over_udp; listen 127.0.0.1:0; output rtmp://127.0.0.1/live/udp?token=u; }",
		url:    func(a net.Addr, _ string) string { return "udp://" + a.String() + "?pkt_size=1316" },
		format: "mpegts"}
	flvInput = casterInput{proto: "flv-post", kind: config.CasterFLV,
		conf:   "stream_caster { enabled on; caster flv; listen 127.0.0.1:0; output rtmp://127.0.0.1/[app]/[stream]; }",
		url:    func(a net.Addr, s string) string { return "http://" + a.String() + "/live/" + s + ".flv?token=u" },
		format: "flv", args: []string{"-method", "POST"}}
	rtspTCPInput = casterInput{proto: "rtsp", kind: config.CasterRTSP,
		conf:   "stream_caster { enabled on; caster rtsp; listen 127.0.0.1:0; output rtmp://127.0.0.1/[app]/[stream]; }",
		url:    func(a net.Addr, s string) string { return "rtsp://" + a.String() + "/live/" + s + "?token=u" },
		format: "rtsp", args: []string{"-rtsp_transport", "tcp"}}
	srtInput = casterInput{proto: "srt", kind: "srt",
		conf: "srt_server { enabled on; listen 127.0.0.1:0; latency 20; }",
		url: func(a net.Addr, s string) string {
			return "srt://" + a.String() + "?latency=20000&pkt_size=1316&streamid=#!::r=live/" + s + ",m=publish,token=u"
		},
		format: "mpegts"}
)

// casterServer runs a server with the input enabled, HLS on, and
// on_publish sent to hook.
func casterServer(t *testing.T, in casterInput, hook *hookRecorder) *testServer {
	t.Helper()
	dir := t.TempDir()
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
http_api { enabled on; listen 127.0.0.1:0; }
exporter { enabled on; listen 127.0.0.1:0; }
%[3]s
vhost __defaultVhost__ {
    hls { enabled on; hls_fragment 2; hls_window 60; hls_path %[1]s; hls_dispose 0; hls_ctx off; }
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
    http_hooks { enabled on; on_publish %[2]s; }
    publish { normal_timeout 1000; }
}
`, dir, hook.URL(), in.conf))
	require.Len(t, ts.CasterAddrs(in.kind), 1)
	return ts
}

// push has ffmpeg send media through the input at rate times real time.
func (in casterInput) push(t *testing.T, ts *testServer, media, stream string, rate int) error {
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-readrate", fmt.Sprint(rate),
		"-i", testpeer.Media(t, media), "-c", "copy", "-f", in.format}
	args = append(append(args, in.args...), in.url(ts.CasterAddrs(in.kind)[0], stream))
	return testpeer.Start(t, "ffmpeg", args...).Wait()
}

// testCasterInput pushes both test streams through the input and plays
// the first over RTMP, the second over HTTP-FLV, and both over HLS:
// ffprobe finds the source's codecs, size and length; the API lists the
// publisher with the input's type; on_publish gets the URL's query.
func testCasterInput(t *testing.T, in casterInput) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	for i, mc := range mediaCases[:2] {
		t.Run(mc.file, func(t *testing.T) {
			hook := newHookRecorder(t)
			ts := casterServer(t, in, hook)
			stream := in.stream
			if stream == "" {
				stream = fmt.Sprintf("s%d", i)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			// The RTMP player waits for the stream before it is published,
			// which goes 4x real time; the HTTP-FLV player needs the stream
			// to exist and joins at the GOP cache: that one goes real time.
			url, name, rate := ts.rtmpURL(stream), "rtmp", 4
			if i == 1 {
				url, name, rate = ts.flvURL(stream), "http-flv", 1
			}
			// Players stay when the publisher leaves (it may come back), so
			// the recording stops by itself just before the end of the media.
			// (SRT loses the last "latency" of a stream when the sender
			// closes: see package srt.)
			limit := time.Duration((mc.duration - 0.5) * float64(time.Second))
			recorded := make(chan error, 1)
			out := filepath.Join(t.TempDir(), name+".flv")
			record := func() {
				_, err := testpeer.Record(ctx, url, out, limit)
				recorded <- err
			}
			if i == 0 {
				go record()
				ts.source(stream, false)
				time.Sleep(300 * time.Millisecond) // let the player settle before the first frame
			}

			listed := watchClients(ts, in.proto, stream, true)
			pushed := make(chan error, 1)
			go func() { pushed <- in.push(t, ts, mc.file, stream, rate) }()
			if i == 1 {
				ts.source(stream, true)
				go record()
			}
			require.NoError(t, <-pushed)
			waitFor(t, 10*time.Second, "the stream to end", func() bool {
				src := ts.Registry().Lookup(live.Key(DefaultVhost, "live", stream))
				return src == nil || !src.Publishing()
			})
			require.NoError(t, <-recorded, name+" recording")
			r, err := testpeer.Probe(ctx, out)
			require.NoError(t, err)
			checkStreams(t, name, mc, r)
			span := mediaSpan(t, ctx, out)
			assert.InDelta(t, mc.duration, span, 0.7, "%s: recorded %.2f s of %.2f s", name, span, mc.duration)
			assert.True(t, listed(), "the API lists the publisher as %s", in.proto)

			hls := fmt.Sprintf("http://%s/live/%s.m3u8", ts.HTTPAddr(), stream)
			r, err = testpeer.Probe(ctx, hls)
			require.NoError(t, err, "hls")
			checkStreams(t, "hls", mc, r)
			total := playlistDuration(t, hls)
			assert.InDelta(t, mc.duration, total, 0.7, "hls: segments of %.2f s of %.2f s", total, mc.duration)

			pubs := hook.Calls("on_publish")
			require.Len(t, pubs, 1)
			assert.Equal(t, stream, pubs[0]["stream"])
			assert.Contains(t, pubs[0]["param"], "token=u")
			assert.Equal(t, "127.0.0.1", pubs[0]["ip"])
		})
	}
}

func TestCasterMPEGTSOverUDP(t *testing.T) { testCasterInput(t, udpInput) }
func TestCasterFLVPost(t *testing.T)       { testCasterInput(t, flvInput) }
func TestCasterSRT(t *testing.T)           { testCasterInput(t, srtInput) }
func TestCasterRTSPOverTCP(t *testing.T)   { testCasterInput(t, rtspTCPInput) }

// TestCasterRTSPOverUDP: as over TCP, with RTP and RTCP on the caster's
// rtp_port_min and the next port.
func TestCasterRTSPOverUDP(t *testing.T) {
	in := rtspTCPInput
	port := castertest.FreeUDPPair(t)
	in.conf = fmt.Sprintf("stream_caster { enabled on; caster rtsp; listen 127.0.0.1:0; output rtmp://127.0.0.1/[app]/[stream]; rtp_port_min %d; rtp_port_max %d; }", port, port+2)
	in.args = []string{"-rtsp_transport", "udp"}
	testCasterInput(t, in)
}

// TestCasterRefusal: on_publish refusing an SRT publish ends it in the
// handshake, refusing an RTSP one answers the ANNOUNCE with 401: nothing
// is published, ffmpeg fails.
func TestCasterRefusal(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	for _, in := range []casterInput{srtInput, rtspTCPInput} {
		t.Run(in.proto, func(t *testing.T) {
			hook := newHookRecorder(t)
			hook.mu.Lock()
			hook.reply = func(string) (int, string) { return http.StatusForbidden, "no" }
			hook.mu.Unlock()
			ts := casterServer(t, in, hook)
			assert.Error(t, in.push(t, ts, mediaCases[1].file, "refused", 4), "ffmpeg published through a refusal")
			assert.NotEmpty(t, hook.Calls("on_publish"))
			src := ts.Registry().Lookup(live.Key(DefaultVhost, "live", "refused"))
			assert.True(t, src == nil || !src.Publishing())
		})
	}
}

// TestCasterGarbage: random datagrams on the UDP and SRT ports publish
// nothing and break nothing: a stream published over RTMP meanwhile plays.
func TestCasterGarbage(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	hook := newHookRecorder(t)
	dir := t.TempDir()
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
%[2]s
%[3]s
vhost __defaultVhost__ { http_hooks { enabled on; on_publish %[4]s; } }
`, dir, udpInput.conf, srtInput.conf, hook.URL()))
	testpeer.Publish(t, testpeer.Media(t, mediaCases[1].file), ts.rtmpURL("rtmp"), testpeer.PublishOptions{Loop: true})
	rng := rand.New(rand.NewPCG(7, 8))
	b := make([]byte, 1400)
	for _, addr := range []net.Addr{ts.CasterAddrs(config.CasterMPEGTSOverUDP)[0], ts.CasterAddrs("srt")[0]} {
		conn, err := net.Dial("udp", addr.String())
		require.NoError(t, err)
		for range 3000 {
			n := 1 + rng.IntN(len(b))
			for i := range n {
				b[i] = byte(rng.Uint32())
			}
			if rng.IntN(3) == 0 {
				b[0] = 0x47
			}
			_, _ = conn.Write(b[:n])
		}
		conn.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := testpeer.Probe(ctx, ts.rtmpURL("rtmp"))
	require.NoError(t, err)
	checkStreams(t, "rtmp", mediaCases[1], r)
	for _, c := range hook.Calls("on_publish") {
		assert.Equal(t, "rtmp", c["stream"], "only the RTMP stream was published")
	}
	assert.Empty(t, ts.logs.Lines("panic"))
}

// playlistDuration sums the EXTINF durations of an HLS playlist.
func playlistDuration(t *testing.T, url string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var total float64
	for _, line := range strings.Split(string(b), "\n") {
		if d, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
			var f float64
			_, err := fmt.Sscanf(strings.SplitN(d, ",", 2)[0], "%g", &f)
			require.NoError(t, err)
			total += f
		}
	}
	return total
}

// mediaSpan is the time from the first packet's start to the last one's
// end in a recording (an interrupted recording's header may not say).
func mediaSpan(t *testing.T, ctx context.Context, path string) float64 {
	t.Helper()
	pkts, err := testpeer.Packets(ctx, path)
	require.NoError(t, err)
	require.NotEmpty(t, pkts)
	first, last := pkts[0].PtsTime, 0.0
	for _, p := range pkts {
		first = min(first, p.PtsTime)
		last = max(last, p.PtsTime+p.DurationTime)
	}
	return last - first
}

// TestCasterSRTPlay: ffmpeg plays over SRT (SRS's m=request and plain
// streamids) a stream published over RTMP, and gets MPEG-TS with its
// codecs; the API lists the player as srt-play.
func TestCasterSRTPlay(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	hook := newHookRecorder(t)
	ts := casterServer(t, srtInput, hook)
	mc := mediaCases[0]
	testpeer.Publish(t, testpeer.Media(t, mc.file), ts.rtmpURL("play"), testpeer.PublishOptions{Loop: true})
	ts.source("play", true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := ts.CasterAddrs("srt")[0]
	listed := watchClients(ts, "srt-play", "play", false)
	for _, sid := range []string{"#!::r=live/play,m=request", "live/play"} {
		out, err := testpeer.Record(ctx, fmt.Sprintf("srt://%s?streamid=%s", addr, sid), filepath.Join(t.TempDir(), "srt.ts"), 3*time.Second)
		require.NoError(t, err, sid)
		r, err := testpeer.Probe(ctx, out)
		require.NoError(t, err)
		checkStreams(t, "srt play "+sid, mc, r)
		assert.InDelta(t, 3, mediaSpan(t, ctx, out), 0.5, sid)
	}
	assert.True(t, listed(), "the API lists the SRT player as srt-play")
}

// watchClients polls the API's client list for a client of type typ on
// stream (publishing or not) until the returned function is called, which
// tells whether one was seen.
func watchClients(ts *testServer, typ, stream string, publish bool) func() bool {
	var seen atomic.Bool
	stop := make(chan struct{})
	go func() {
		for {
			for _, c := range ts.provider.Clients() {
				if c.Type == typ && c.Name == stream && c.Publish == publish {
					seen.Store(true)
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	var once sync.Once
	return func() bool {
		once.Do(func() { close(stop) })
		return seen.Load()
	}
}

// TestCasterReload: casters follow the configuration on reload: added,
// kept while unchanged, closed when removed.
func TestCasterReload(t *testing.T) {
	base := "listen 127.0.0.1:0;\nvhost __defaultVhost__ {}\n"
	ts, path := startServerConf(t, base)
	require.Empty(t, ts.CasterAddrs(config.CasterFLV))
	reload := func(text string) {
		t.Helper()
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		require.NoError(t, ts.Reload())
	}
	reload(base + flvInput.conf + "\n" + srtInput.conf)
	require.Len(t, ts.CasterAddrs(config.CasterFLV), 1)
	require.Len(t, ts.CasterAddrs("srt"), 1)
	flvAddr := ts.CasterAddrs(config.CasterFLV)[0]
	reload(base + flvInput.conf)
	assert.Equal(t, flvAddr, ts.CasterAddrs(config.CasterFLV)[0], "an unchanged caster keeps running")
	assert.Empty(t, ts.CasterAddrs("srt"))
	reload(base)
	assert.Empty(t, ts.CasterAddrs(config.CasterFLV))
	_, err := net.Dial("tcp", flvAddr.String())
	assert.Error(t, err, "the removed caster's port is closed")
}

// TestCasterUDPLoss: with 1 % of the datagrams lost between ffmpeg and the
// server, the stream still plays over RTMP and the loss is counted where
// operators see it: the unpublish log line, the publisher's lost_packets in
// /api/v1/clients while it publishes and cascade_caster_lost_packets_total;
// without loss all three read 0.
func TestCasterUDPLoss(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	for _, tc := range []struct {
		name string
		rate float64
	}{{"1% lost", 0.01}, {"none lost", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			hook := newHookRecorder(t)
			ts := casterServer(t, udpInput, hook)
			mc := mediaCases[0]
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			recorded := make(chan error, 1)
			out := filepath.Join(t.TempDir(), "rtmp.flv")
			go func() {
				_, err := testpeer.Record(ctx, ts.rtmpURL("udp"), out, time.Duration((mc.duration-0.5)*float64(time.Second)))
				recorded <- err
			}()
			ts.source("udp", false)
			// The API's entry lives as long as the publisher: sample it
			// while ffmpeg pushes, keeping the last value seen.
			var apiLost atomic.Int64
			apiLost.Store(-1)
			stop, polled := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(polled)
				for {
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
					}
					if n, ok := apiLostPackets(ts, udpInput.proto); ok {
						apiLost.Store(n)
					}
				}
			}()
			time.Sleep(300 * time.Millisecond)
			relay, dropped := castertest.LossyRelay(t, ts.CasterAddrs(config.CasterMPEGTSOverUDP)[0].String(), tc.rate)
			require.NoError(t, castertest.Push(t, mc.file, "mpegts", "udp://"+relay+"?pkt_size=1316"))
			close(stop)
			<-polled
			require.NoError(t, <-recorded)
			r, err := testpeer.Probe(ctx, out)
			require.NoError(t, err)
			checkStreams(t, "rtmp after loss", mc, r)
			assert.InDelta(t, mc.duration, mediaSpan(t, ctx, out), 1.0)
			waitFor(t, 5*time.Second, "the caster's unpublish line", func() bool { return len(ts.logs.Lines("mpegts-udp unpublish", "lost=")) > 0 })
			line := ts.logs.Lines("mpegts-udp unpublish", "lost=")[0]
			metric := metricValue(t, ts, `cascade_caster_lost_packets_total{caster="mpegts-udp"}`)
			require.NotEqual(t, int64(-1), apiLost.Load(), "the API listed the publisher with lost_packets")
			if tc.rate > 0 {
				require.Positive(t, dropped.Load())
				assert.NotContains(t, line, "lost=0 ", "loss counted: %s", line)
				assert.Positive(t, apiLost.Load(), "lost_packets in /api/v1/clients")
				assert.Positive(t, metric, "cascade_caster_lost_packets_total")
			} else {
				require.Zero(t, dropped.Load())
				assert.Contains(t, line, "lost=0 ", "no loss counted: %s", line)
				assert.Zero(t, apiLost.Load(), "lost_packets in /api/v1/clients")
				assert.Zero(t, metric, "cascade_caster_lost_packets_total")
			}
		})
	}
}

// apiLostPackets is the lost_packets of the publisher of type proto in
// /api/v1/clients; ok is false when there is none (or the API failed).
func apiLostPackets(ts *testServer, proto string) (n int64, ok bool) {
	resp, err := http.Get("http://" + ts.MgmtAddr("api").String() + "/api/v1/clients?count=100")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var body struct {
		Clients []struct {
			Type        string `json:"type"`
			Publish     bool   `json:"publish"`
			LostPackets *int64 `json:"lost_packets"`
		} `json:"clients"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil {
		return 0, false
	}
	for _, c := range body.Clients {
		if c.Type == proto && c.Publish && c.LostPackets != nil {
			return *c.LostPackets, true
		}
	}
	return 0, false
}

// metricValue is the value of the exporter's series (name with labels, as
// written), or -1 when the exporter does not have it.
func metricValue(t *testing.T, ts *testServer, series string) int64 {
	t.Helper()
	resp, err := http.Get("http://" + ts.MgmtAddr("exporter").String() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			_, err := fmt.Sscan(v, &f)
			require.NoError(t, err, line)
			return int64(f)
		}
	}
	return -1
}
