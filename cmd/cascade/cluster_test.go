package main

import (
	"context"
	be "encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/internal/upstream"
	"github.com/cascade-live/cascade/rtmp/client"
)

// node is one cascade process of a cluster test.
type node struct {
	t               testing.TB
	p               *testpeer.Process
	rtmp, http, api string // host:port the OS picked
}

var listeningAny = regexp.MustCompile(`msg="(rtmp|http|api) listening" addr=(\S+)`)

// startNode runs the binary on a configuration (which listens on
// 127.0.0.1:0 or ports picked with freePort) and waits until it reports the
// listeners the configuration asks for. It is stopped when the test ends.
func startNode(t testing.TB, conf string) *node {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "cascade.conf")
	// Each node has its own pid file (SRS's default, ./objs/srs.pid, is one per directory).
	conf = "pid " + filepath.Join(dir, "cascade.pid") + ";\n" + conf
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	n := &node{t: t, p: testpeer.Start(t, binary, "-c", path)}
	want := map[string]bool{"rtmp": true, "http": strings.Contains(conf, "http_server"), "api": strings.Contains(conf, "http_api")}
	require.Eventually(t, func() bool {
		for _, m := range listeningAny.FindAllStringSubmatch(n.p.Output(), -1) {
			switch m[1] {
			case "rtmp":
				n.rtmp = m[2]
			case "http":
				n.http = m[2]
			case "api":
				n.api = m[2]
			}
		}
		return n.rtmp != "" && (!want["http"] || n.http != "") && (!want["api"] || n.api != "")
	}, 10*time.Second, 20*time.Millisecond, "listeners of\n%s", conf)
	return n
}

// nodeConf is a configuration on loopback with the HTTP server (FLV) and
// the API on ports the OS picks (api: a fixed one when given), and vhost as
// the default vhost's body.
func nodeConf(api, vhost string) string {
	if api == "" {
		api = "127.0.0.1:0"
	}
	return fmt.Sprintf(`listen 127.0.0.1:0;
daemon off;
srs_log_level trace;
http_server { enabled on; listen 127.0.0.1:0; }
http_api { enabled on; listen %s; }
vhost __defaultVhost__ {
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
%s
}
`, api, vhost)
}

// freeAddr is a loopback address free a moment ago, for a listener whose
// address other configurations must know in advance (coworkers).
func freeAddr(t *testing.T) string { return "127.0.0.1:" + strconv.Itoa(freePort(t)) }

// publish runs ffmpeg sending the reference stream, looped, to n.
func (n *node) publish(stream string) *testpeer.Process {
	return testpeer.Publish(n.t, testpeer.Media(n.t, "h264_aac_720p25.flv"), n.rtmpURL(stream), testpeer.PublishOptions{Loop: true})
}

func (n *node) rtmpURL(stream string) string { return "rtmp://" + n.rtmp + "/live/" + stream }
func (n *node) flvURL(stream string) string  { return "http://" + n.http + "/live/" + stream + ".flv" }

// apiStream is the part of /api/v1/streams the tests read.
type apiStream struct {
	Name    string `json:"name"`
	App     string `json:"app"`
	Clients int    `json:"clients"`
	Publish struct {
		Active bool   `json:"active"`
		Cid    string `json:"cid"`
	} `json:"publish"`
	Kbps struct {
		Recv30s int `json:"recv_30s"`
	} `json:"kbps"`
	Upstream string `json:"upstream"`
}

// streams reads n's /api/v1/streams.
func (n *node) streams() map[string]apiStream {
	resp, err := http.Get("http://" + n.api + "/api/v1/streams?count=100")
	require.NoError(n.t, err)
	defer resp.Body.Close()
	var body struct {
		Streams []apiStream `json:"streams"`
	}
	require.NoError(n.t, json.NewDecoder(resp.Body).Decode(&body))
	out := map[string]apiStream{}
	for _, s := range body.Streams {
		out[s.Name] = s
	}
	return out
}

// apiClients is the client types of n's /api/v1/clients for stream.
func (n *node) clientTypes(stream string) []string {
	resp, err := http.Get("http://" + n.api + "/api/v1/clients?count=1000")
	require.NoError(n.t, err)
	defer resp.Body.Close()
	var body struct {
		Clients []struct {
			Type   string `json:"type"`
			Stream string `json:"stream"`
			Name   string `json:"name"`
		} `json:"clients"`
	}
	require.NoError(n.t, json.NewDecoder(resp.Body).Decode(&body))
	var out []string
	for _, c := range body.Clients {
		if c.Stream == stream || c.Name == stream {
			out = append(out, c.Type)
		}
	}
	return out
}

// waitPublishing waits until n publishes stream.
func (n *node) waitPublishing(stream string) {
	n.t.Helper()
	require.Eventually(n.t, func() bool { return n.streams()[stream].Publish.Active }, 15*time.Second, 50*time.Millisecond,
		"%s publishes %s", n.rtmp, stream)
}

// TestOriginCluster: two origins as coworkers; a player asking the one
// without the stream is redirected to the other, over RTMP (SRS's RTMP
// 302) and HTTP-FLV (302); a stream neither has is refused.
func TestOriginCluster(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	apiA, apiB := freeAddr(t), freeAddr(t)
	a := startNode(t, nodeConf(apiA, "cluster { mode local; origin_cluster on; coworkers "+apiB+"; }"))
	b := startNode(t, nodeConf(apiB, "cluster { mode local; origin_cluster on; coworkers "+apiA+"; }"))
	a.publish("oc")
	a.waitPublishing("oc")

	// SRS's coworker query, answered by a (it has the stream) and b (not).
	q := func(n *node) map[string]any {
		resp, err := http.Get("http://" + n.api + "/api/v1/clusters?vhost=__defaultVhost__&ip=127.0.0.1&app=live&stream=oc&coworker=" + n.api)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body struct {
			Code int            `json:"code"`
			Data map[string]any `json:"data"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		require.Equal(t, 0, body.Code)
		return body.Data
	}
	origin, _ := q(a)["origin"].(map[string]any)
	require.NotNil(t, origin, "a publishes oc")
	_, port, _ := net.SplitHostPort(a.rtmp)
	require.Equal(t, "127.0.0.1", origin["ip"])
	require.Equal(t, port, strconv.Itoa(int(origin["port"].(float64))))
	require.Equal(t, "__defaultVhost__", origin["vhost"])
	require.Nil(t, q(b)["origin"], "b does not")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// RTMP: the raw answer is SRS's redirect...
	c, err := client.Dial(ctx, b.rtmpURL("oc"))
	require.NoError(t, err)
	err = c.Play(ctx, "oc")
	c.Close()
	var se *client.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "NetConnection.Connect.Rejected", se.Code)
	require.Equal(t, "rtmp://"+a.rtmp+"/live/oc", se.Redirect)
	// ...which cascade's own pull follows.
	r, err := upstream.DialRTMP(ctx, upstream.Target{Server: b.rtmp, App: "live", Stream: "oc"})
	require.NoError(t, err)
	require.Equal(t, a.rtmp, r.Server())
	_, err = r.ReadTag()
	require.NoError(t, err)
	r.Close()

	// HTTP-FLV: a 302 to a's HTTP server, which ffprobe follows.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(b.flvURL("oc"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.Equal(t, a.flvURL("oc"), resp.Header.Get("Location"))
	// cascade's HTTP-FLV pull (an edge with protocol flv) follows it.
	r, err = upstream.DialFLV(ctx, upstream.Target{Server: b.http, App: "live", Stream: "oc"})
	require.NoError(t, err)
	require.Equal(t, a.http, r.Server())
	_, err = r.ReadTag()
	require.NoError(t, err)
	r.Close()
	pr, err := testpeer.Probe(ctx, b.flvURL("oc"))
	require.NoError(t, err)
	require.Equal(t, "h264", pr.Video().CodecName)
	require.Equal(t, "aac", pr.Audio().CodecName)

	// An edge whose origin is b is redirected to a.
	edge := startNode(t, edgeConf("", b.rtmp))
	p := playRTMP(t, edge.rtmpURL("oc"))
	p.grows(t, 100_000, 10*time.Second, "the edge plays through the redirect")
	require.Equal(t, a.rtmpURL("oc"), edge.streams()["oc"].Upstream)
	require.Equal(t, 1, a.players("oc"))

	// Nobody publishes "none": refused on both protocols.
	c, err = client.Dial(ctx, b.rtmpURL("none"))
	require.NoError(t, err)
	err = c.Play(ctx, "none")
	c.Close()
	require.ErrorAs(t, err, &se)
	require.Equal(t, "NetStream.Play.StreamNotFound", se.Code)
	resp, err = noFollow.Get(b.flvURL("none"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// edgeConf is an edge of origins (RTMP host:port list) with extra cluster
// directives.
func edgeConf(extra string, origins ...string) string {
	return nodeConf("", "cluster { mode remote; origin "+strings.Join(origins, " ")+"; "+extra+" }")
}

// recordProbe records d of url with ffmpeg and probes the file.
func recordProbe(t *testing.T, url string, d time.Duration) *testpeer.ProbeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d+20*time.Second)
	defer cancel()
	path, err := testpeer.Record(ctx, url, filepath.Join(t.TempDir(), "rec.flv"), d)
	require.NoError(t, err, "record %s", url)
	pr, err := testpeer.Probe(ctx, path)
	require.NoError(t, err)
	return pr
}

// firstKeyframe plays url over RTMP and says how long the first video
// keyframe took.
func firstKeyframe(t *testing.T, url string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	c, err := client.Dial(ctx, url)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Play(ctx, ""))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(8*time.Second)))
	for {
		m, err := c.ReadMessage()
		require.NoError(t, err)
		key := m.Type == 9 && len(m.Payload()) > 1 && m.Payload()[0]>>4 == 1 && m.Payload()[1] == 1
		m.Body.Release()
		if key {
			return time.Since(start)
		}
	}
}

// TestEdgeChain: origin ← edge (RTMP) ← edge2 (HTTP-FLV). Players of edge2 get the stream over
// RTMP and HTTP-FLV with its codecs and duration; once the pull is up a new
// player starts within a second from the GOP cache.
func TestEdgeChain(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	origin := startNode(t, nodeConf("", ""))
	edge1 := startNode(t, edgeConf("", origin.rtmp))
	edge2 := startNode(t, edgeConf("protocol flv;", edge1.http)) // the second hop pulls HTTP-FLV
	origin.publish("chain")
	origin.waitPublishing("chain")

	for _, url := range []string{edge2.rtmpURL("chain"), edge2.flvURL("chain")} {
		pr := recordProbe(t, url, 3*time.Second)
		require.Equal(t, "h264", pr.Video().CodecName, url)
		require.Equal(t, 1280, pr.Video().Width)
		require.Equal(t, "aac", pr.Audio().CodecName, url)
		require.Equal(t, 44100, pr.Audio().SampleRate)
		require.InDelta(t, 3.0, pr.Format.Duration, 0.6, url)
	}
	// The pull stays up a moment after the last player: a new one starts at once.
	require.Less(t, firstKeyframe(t, edge2.rtmpURL("chain")), time.Second)
	// Each hop lists the stream with its upstream; edge1 pulls from the origin as an rtmp-pull client.
	require.True(t, edge1.streams()["chain"].Publish.Active)
	require.Equal(t, origin.rtmpURL("chain"), edge1.streams()["chain"].Upstream)
	require.Equal(t, edge1.flvURL("chain"), edge2.streams()["chain"].Upstream)
	require.Contains(t, edge1.clientTypes("chain"), "rtmp-pull")
}

// players counts the clients of n playing stream (not publishing it).
func (n *node) players(stream string) int {
	k := 0
	for _, typ := range n.clientTypes(stream) {
		if strings.HasSuffix(typ, "-play") || typ == "forward" {
			k++
		}
	}
	return k
}

// rtmpPlayer plays url in the background, counting what it receives, and
// checks that video timestamps never go back.
type rtmpPlayer struct {
	bytes   atomic.Int64
	backErr atomic.Value // string: a timestamp that went back
	done    chan error
	c       *client.Conn
}

func playRTMP(t *testing.T, url string) *rtmpPlayer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url)
	require.NoError(t, err)
	require.NoError(t, c.Play(ctx, ""))
	p := &rtmpPlayer{c: c, done: make(chan error, 1)}
	t.Cleanup(func() { c.Close() })
	go func() {
		var last uint32
		for {
			m, err := c.ReadMessage()
			if err != nil {
				p.done <- err
				return
			}
			if m.Type == 9 {
				if m.Timestamp < last && p.backErr.Load() == nil {
					p.backErr.Store(fmt.Sprintf("video timestamp %d after %d", m.Timestamp, last))
				}
				last = m.Timestamp
			}
			p.bytes.Add(int64(len(m.Payload())))
			m.Body.Release()
		}
	}()
	return p
}

// grows waits until the player received more than min bytes beyond now.
func (p *rtmpPlayer) grows(t *testing.T, min int64, within time.Duration, what string) {
	t.Helper()
	from := p.bytes.Load()
	require.Eventually(t, func() bool { return p.bytes.Load()-from > min }, within, 50*time.Millisecond, what)
}

// TestEdgeOnDemand: no pull before the first player, one pull for many,
// and none a little after the last player left (as the origin's API shows).
func TestEdgeOnDemand(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	origin := startNode(t, nodeConf("", ""))
	edge := startNode(t, edgeConf("", origin.rtmp))
	origin.publish("od")
	origin.waitPublishing("od")
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, 0, origin.players("od"), "no pull before a player")

	var ps []*rtmpPlayer
	for range 3 {
		ps = append(ps, playRTMP(t, edge.rtmpURL("od")))
	}
	for _, p := range ps {
		p.grows(t, 100_000, 10*time.Second, "edge player receives")
	}
	require.Equal(t, 1, origin.players("od"), "one pull for three players")
	require.Equal(t, 3, edge.players("od"))

	for _, p := range ps {
		p.c.Close()
	}
	require.Eventually(t, func() bool { return origin.players("od") == 0 }, 10*time.Second, 100*time.Millisecond,
		"the pull stops after the last player")
}

// TestEdgeFailover: an edge with two origins, the publisher on both. When
// the first dies, the edge's player keeps its connection and keeps
// receiving from the second, with timestamps that never go back.
func TestEdgeFailover(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	a := startNode(t, nodeConf("", ""))
	b := startNode(t, nodeConf("", ""))
	edge := startNode(t, edgeConf("", a.rtmp, b.rtmp))
	a.publish("fo")
	b.publish("fo")
	a.waitPublishing("fo")
	b.waitPublishing("fo")

	p := playRTMP(t, edge.rtmpURL("fo"))
	p.grows(t, 200_000, 10*time.Second, "playing through a")
	flvBytes, flvDone := playFLV(t, edge.flvURL("fo"))
	require.Equal(t, 1, a.players("fo"))
	require.Equal(t, 0, b.players("fo"))

	a.p.Kill() // the first origin dies (SIGKILL)
	p.grows(t, 300_000, 15*time.Second, "still playing, now through b")
	from := flvBytes.Load()
	require.Eventually(t, func() bool { return flvBytes.Load()-from > 200_000 }, 10*time.Second, 50*time.Millisecond,
		"the HTTP-FLV player keeps receiving too")
	select {
	case err := <-flvDone:
		t.Fatalf("the HTTP-FLV player lost its connection: %v", err)
	default:
	}
	require.Equal(t, 1, b.players("fo"), "the edge moved to b")
	select {
	case err := <-p.done:
		t.Fatalf("the player lost its connection: %v", err)
	default:
	}
	require.Nil(t, p.backErr.Load(), "timestamps kept monotonic")
	require.Contains(t, edge.p.Output(), "edge: origin failed, trying the next")
}

// TestEdgePublish: an encoder publishing to an edge reaches the origin.
func TestEdgePublish(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	origin := startNode(t, nodeConf("", ""))
	edge := startNode(t, edgeConf("", origin.rtmp))
	edge.publish("up")
	origin.waitPublishing("up")
	pr := recordProbe(t, origin.rtmpURL("up"), 2*time.Second)
	require.Equal(t, "h264", pr.Video().CodecName)
	require.Equal(t, "aac", pr.Audio().CodecName)
	require.Contains(t, origin.clientTypes("up"), "fmle-publish", "the edge publishes like an encoder")
}

// TestTokenTraverse: with token_traverse on, the origin's on_connect sees
// the token of the edge's player and decides: a good one plays (the pull
// carries it too), a bad one is refused at connect.
func TestTokenTraverse(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	var mu sync.Mutex
	var seen []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Action, TcURL, Param string
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		seen = append(seen, body.Action+" "+body.TcURL)
		mu.Unlock()
		if strings.Contains(body.TcURL, "token=good") {
			fmt.Fprint(w, "0")
			return
		}
		w.WriteHeader(http.StatusForbidden)
	}))
	t.Cleanup(hook.Close)
	origin := startNode(t, nodeConf("", "http_hooks { enabled on; on_connect "+hook.URL+"/on_connect; }"))
	edge := startNode(t, edgeConf("token_traverse on;", origin.rtmp))
	// The encoder publishes with a good token straight to the origin.
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), origin.rtmpURL("tt"), testpeer.PublishOptions{Loop: true,
		ExtraArgs: []string{"-rtmp_tcurl", "rtmp://" + origin.rtmp + "/live?token=good"}})
	origin.waitPublishing("tt")

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := client.Dial(ctx, edge.rtmpURL("tt"), client.WithTcURL("rtmp://"+edge.rtmp+"/live?token=bad"))
	var se *client.StatusError
	require.ErrorAs(t, err, &se, "a bad token is refused by the origin")
	require.Equal(t, "NetConnection.Connect.Rejected", se.Code)

	c, err := client.Dial(ctx, edge.rtmpURL("tt"), client.WithTcURL("rtmp://"+edge.rtmp+"/live?token=good"))
	require.NoError(t, err, "a good token is accepted")
	defer c.Close()
	require.NoError(t, c.Play(ctx, "tt"))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	for got := 0; got < 50; got++ {
		m, err := c.ReadMessage()
		require.NoError(t, err, "the pull (with the token) brings the stream")
		m.Body.Release()
	}
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, seen, "on_connect rtmp://"+edge.rtmp+"/live?token=bad")
	require.Contains(t, seen, "on_connect rtmp://"+edge.rtmp+"/live?token=good")
}

// firstTags pulls stream from an RTMP server and returns the types of its
// first n tags, marking sequence headers "a-seq" and "v-seq".
func firstTags(t *testing.T, server, stream string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := upstream.DialRTMP(ctx, upstream.Target{Server: server, App: "live", Stream: stream})
	require.NoError(t, err)
	defer r.Close()
	var out []string
	for len(out) < n {
		tag, err := r.ReadTag()
		require.NoError(t, err)
		switch {
		case tag.Type == 18:
			out = append(out, "meta")
		case tag.Type == 8 && len(tag.Payload) > 1 && tag.Payload[1] == 0:
			out = append(out, "a-seq")
		case tag.Type == 9 && len(tag.Payload) > 1 && tag.Payload[1] == 0:
			out = append(out, "v-seq")
		case tag.Type == 8:
			out = append(out, "audio")
		default:
			out = append(out, "video")
		}
	}
	return out
}

// TestForward: a vhost forwarding to two live destinations and one dead
// one; the live ones get the stream with metadata and sequence headers, the
// dead one is retried until it comes up, and all stop with the publisher.
func TestForward(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	b := startNode(t, nodeConf("", ""))
	c := startNode(t, nodeConf("", ""))
	dead := freeAddr(t)
	origin := startNode(t, nodeConf("", "forward { enabled on; destination "+b.rtmp+" "+c.rtmp+"; destination "+dead+"; }"))
	pub := origin.publish("fw")
	b.waitPublishing("fw")
	c.waitPublishing("fw")
	for _, n := range []*node{b, c} {
		tags := firstTags(t, n.rtmp, "fw", 3)
		require.Equal(t, "meta", tags[0], "metadata first")
		require.ElementsMatch(t, []string{"a-seq", "v-seq"}, tags[1:], "then the sequence headers")
	}
	require.Eventually(t, func() bool {
		return strings.Contains(origin.p.Output(), "forward: destination failed, retrying") && strings.Contains(origin.p.Output(), dead)
	}, 10*time.Second, 100*time.Millisecond, "the dead destination is logged")

	// The dead destination comes up on its address: the retry reaches it.
	d := startNode(t, strings.Replace(nodeConf("", ""), "listen 127.0.0.1:0;", "listen "+dead+";", 1))
	require.Eventually(t, func() bool { return d.streams()["fw"].Publish.Active }, 15*time.Second, 100*time.Millisecond,
		"the retried destination gets the stream")

	pub.Stop()
	for _, n := range []*node{b, c, d} {
		require.Eventually(t, func() bool { return !n.streams()["fw"].Publish.Active }, 10*time.Second, 100*time.Millisecond,
			"forwarding stops with the publisher")
	}
}

// TestForwardBackend: forward.backend names the destination URLs at
// publish time, with SRS's on_forward request and answer.
func TestForwardBackend(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	b := startNode(t, nodeConf("", ""))
	got := make(chan map[string]any, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		select {
		case got <- body:
		default:
		}
		fmt.Fprintf(w, `{"code":0,"data":{"urls":["rtmp://%s/copies/%s-copy"]}}`, b.rtmp, body["stream"])
	}))
	t.Cleanup(backend.Close)
	origin := startNode(t, nodeConf("", "forward { enabled on; backend "+backend.URL+"/api/v1/forward; }"))
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), origin.rtmpURL("fb?secret=1"), testpeer.PublishOptions{Loop: true})
	var body map[string]any
	select {
	case body = <-got:
	case <-time.After(15 * time.Second):
		t.Fatal("the backend was not called")
	}
	require.Equal(t, "on_forward", body["action"])
	require.Equal(t, "live", body["app"])
	require.Equal(t, "fb", body["stream"])
	require.Equal(t, "?secret=1", body["param"])
	require.Equal(t, "__defaultVhost__", body["vhost"])
	require.Equal(t, "127.0.0.1", body["ip"])
	require.NotEmpty(t, body["client_id"])
	require.Contains(t, body["tcUrl"], "/live")
	require.Eventually(t, func() bool { return b.streams()["fb-copy"].Publish.Active }, 15*time.Second, 100*time.Millisecond,
		"forwarded where the backend said")
}

// TestRedisDirectory: three origins and one edge share a Redis stream
// directory; the edge (configured with the first origin only) finds each
// stream's origin through Redis, and a dead origin's keys expire.
func TestRedisDirectory(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "redis-cli")
	redis, redisAddr := testpeer.RedisServer(t, 0)
	dir := "stream_directory { enabled on; redis " + redisAddr + "; ttl 2; }\n"
	var origins []*node
	var players []*rtmpPlayer
	for range 3 {
		origins = append(origins, startNode(t, dir+nodeConf("", "")))
	}
	edge := startNode(t, dir+edgeConf("", origins[0].rtmp))
	for i, o := range origins {
		o.publish("d" + strconv.Itoa(i))
	}
	_, redisPort, _ := net.SplitHostPort(redisAddr)
	redisGet := func(key string) string {
		out, err := exec.Command("redis-cli", "-p", redisPort, "GET", key).Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(out))
	}
	for i, o := range origins {
		stream := "d" + strconv.Itoa(i)
		require.Eventually(t, func() bool {
			return strings.Contains(redisGet("cascade:stream:__defaultVhost__/live/"+stream), `"rtmp":"`+o.rtmp+`"`)
		}, 10*time.Second, 50*time.Millisecond, "origin %d registers %s", i, stream)
		p := playRTMP(t, edge.rtmpURL(stream))
		p.grows(t, 100_000, 10*time.Second, "the edge plays "+stream)
		require.Equal(t, 1, o.players(stream), "pulled from the origin Redis named")
		players = append(players, p)
	}
	origins[2].p.Kill()
	require.NotEmpty(t, redisGet("cascade:stream:__defaultVhost__/live/d2"), "still there right after the crash")
	require.Eventually(t, func() bool { return redisGet("cascade:stream:__defaultVhost__/live/d2") == "" }, 5*time.Second,
		100*time.Millisecond, "a dead origin's keys expire")
	require.NotEmpty(t, redisGet("cascade:stream:__defaultVhost__/live/d1"), "live origins' keys stay")

	// Redis goes down: what is served goes on, a new publish works, and
	// the failure is logged (once).
	redis.Kill()
	origins[0].publish("after")
	origins[0].waitPublishing("after")
	players[1].grows(t, 100_000, 10*time.Second, "the edge keeps serving d1")
	require.Eventually(t, func() bool {
		return strings.Count(origins[0].p.Output(), "stream_directory: redis unavailable") == 1
	}, 10*time.Second, 100*time.Millisecond, "the outage is logged once")
	p := playRTMP(t, edge.rtmpURL("after")) // the lookup fails: the configured origin serves
	p.grows(t, 100_000, 10*time.Second, "a new stream plays from the configured origin")
}

// TestEdgeBadOrigins: origins that refuse, send garbage or redirect in a
// loop are each logged and skipped; the edge plays from the good one.
func TestEdgeBadOrigins(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	good := startNode(t, nodeConf("", ""))
	good.publish("bad")
	good.waitPublishing("bad")
	refused := freeAddr(t)
	garbage := serveTCP(t, func(c net.Conn) {
		_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\n\r\nnot rtmp at all, and then some more bytes"))
		time.Sleep(200 * time.Millisecond)
		c.Close()
	})
	// An origin cluster member with itself as coworker and no stream:
	// it refuses the play with NetStream.Play.StreamNotFound.
	apiR := freeAddr(t)
	refuser := startNode(t, nodeConf(apiR, "cluster { mode local; origin_cluster on; coworkers "+apiR+"; }"))
	// An origin redirecting (SRS's RTMP 302) to a dead address, as a
	// coworker that answers /api/v1/clusters wrongly makes it do.
	_, deadPort, _ := net.SplitHostPort(refused)
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"code":0,"data":{"query":{},"origin":{"ip":"127.0.0.1","port":%s,"vhost":"__defaultVhost__"}}}`, deadPort)
	}))
	t.Cleanup(liar.Close)
	redirector := startNode(t, nodeConf("", "cluster { mode local; origin_cluster on; coworkers "+strings.TrimPrefix(liar.URL, "http://")+"; }"))
	edge := startNode(t, edgeConf("", refused, garbage, refuser.rtmp, redirector.rtmp, good.rtmp))
	p := playRTMP(t, edge.rtmpURL("bad"))
	p.grows(t, 100_000, 20*time.Second, "the edge reaches the good origin")
	out := edge.p.Output()
	require.Contains(t, redirector.p.Output(), "rtmp play redirected")
	for _, o := range []string{refused, garbage, refuser.rtmp, redirector.rtmp} {
		require.Regexp(t, `edge: origin failed, trying the next.* origin=`+regexp.QuoteMeta(o), out)
	}
	require.Equal(t, 1, good.players("bad"))
}

// serveTCP runs a TCP server on loopback calling serve per connection.
func serveTCP(t *testing.T, serve func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return ln.Addr().String()
}

// TestEdgeUpstreamVhost: cluster.vhost makes the edge ask the origin for
// another vhost than its player's.
func TestEdgeUpstreamVhost(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	origin := startNode(t, nodeConf("", "")+"vhost up.example { }\n")
	edge := startNode(t, edgeConf("vhost up.example;", origin.rtmp))
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), origin.rtmpURL("vr?vhost=up.example"), testpeer.PublishOptions{Loop: true})
	origin.waitPublishing("vr")
	p := playRTMP(t, edge.rtmpURL("vr"))
	p.grows(t, 100_000, 10*time.Second, "the edge plays up.example's stream")
	require.Equal(t, 1, origin.players("vr"))
	require.Contains(t, origin.p.Output(), "up.example/live/vr")
}

// BenchmarkEdgeHopLatency measures the time from a message reaching the
// origin to it reaching a player of the origin and a player of an edge (one
// hop), with min_latency on and off: b.N video frames 40 ms apart, each
// carrying its send time. Reports p50/p99 in ms for both players.
//
//	go test ./cmd/cascade -run '^$' -bench EdgeHopLatency -benchtime 150x
func BenchmarkEdgeHopLatency(b *testing.B) {
	for _, minLatency := range []string{"on", "off"} {
		b.Run("min_latency="+minLatency, func(b *testing.B) {
			benchHop(b, "min_latency "+minLatency+";")
		})
	}
}

func benchHop(b *testing.B, vhost string) {
	origin := startNode(b, nodeConf("", vhost))
	edge := startNode(b, nodeConf("", vhost+" cluster { mode remote; origin "+origin.rtmp+"; }"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pub, err := client.Dial(ctx, origin.rtmpURL("lat"))
	require.NoError(b, err)
	defer pub.Close()
	require.NoError(b, pub.Publish(ctx, "lat"))
	go func() {
		for {
			m, err := pub.ReadMessage()
			if err != nil {
				return
			}
			m.Body.Release()
		}
	}()
	// An AVC sequence header (avcC without parameter sets) and frames.
	require.NoError(b, pub.WritePayload(9, 0, []byte{0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe0, 0}))
	// Frames sent before the measurement starts (the warm-up, and the GOP
	// cache burst a joining player gets) do not count.
	var startNs atomic.Int64
	startNs.Store(math.MaxInt64)
	frame := func(i int) []byte {
		p := make([]byte, 5+8+1000)
		p[0], p[1] = 0x27, 1
		if i%25 == 0 {
			p[0] = 0x17
		}
		be.BigEndian.PutUint64(p[5:], uint64(time.Now().UnixNano()))
		return p
	}
	// Frames flow before the players come, so the edge's pull is up.
	var ts uint32
	sent := 0
	send := func() {
		require.NoError(b, pub.WritePayload(9, ts, frame(sent)))
		sent++
		ts += 40
	}
	for range 10 {
		send()
		time.Sleep(40 * time.Millisecond)
	}
	type result struct{ lat []time.Duration }
	var ready sync.WaitGroup
	ready.Add(2)
	play := func(url string, out chan<- result, n int) {
		once := sync.OnceFunc(ready.Done)
		defer once()
		c, err := client.Dial(ctx, url)
		if err != nil {
			out <- result{}
			return
		}
		defer c.Close()
		if c.Play(ctx, "") != nil {
			out <- result{}
			return
		}
		var r result
		for len(r.lat) < n {
			m, err := c.ReadMessage()
			if err != nil {
				break
			}
			if p := m.Payload(); m.Type == 9 && len(p) >= 13 && p[1] == 1 {
				once()
				sentAt := int64(be.BigEndian.Uint64(p[5:]))
				if sentAt > startNs.Load() {
					r.lat = append(r.lat, time.Duration(time.Now().UnixNano()-sentAt))
				}
			}
			m.Body.Release()
		}
		out <- r
	}
	originRes, edgeRes := make(chan result, 1), make(chan result, 1)
	// Players join, then the measured frames are sent.
	go play(origin.rtmpURL("lat"), originRes, b.N)
	go play(edge.rtmpURL("lat"), edgeRes, b.N)
	playing := make(chan struct{})
	go func() { ready.Wait(); close(playing) }()
	for waiting := true; waiting; {
		select {
		case <-playing:
			waiting = false
		case <-ctx.Done():
			b.Fatal("players did not start")
		case <-time.After(40 * time.Millisecond):
			send()
		}
	}
	for range 10 {
		send()
		time.Sleep(40 * time.Millisecond)
	}
	startNs.Store(time.Now().UnixNano())
	b.ResetTimer()
	for range b.N + 30 { // a few more: the last ones flush the batches
		send()
		time.Sleep(40 * time.Millisecond)
	}
	b.StopTimer()
	o, e := <-originRes, <-edgeRes
	require.Len(b, o.lat, b.N, "origin player")
	require.Len(b, e.lat, b.N, "edge player")
	pct := func(l []time.Duration, q float64) float64 {
		s := append([]time.Duration(nil), l...)
		slices.Sort(s)
		return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(o.lat, 0.5), "origin-p50-ms")
	b.ReportMetric(pct(o.lat, 0.99), "origin-p99-ms")
	b.ReportMetric(pct(e.lat, 0.5), "edge-p50-ms")
	b.ReportMetric(pct(e.lat, 0.99), "edge-p99-ms")
	b.ReportMetric(0, "ns/op")
}

// TestEdgeHLS: an edge's pulled stream feeds its outputs like a published
// one: its HLS plays in ffprobe.
func TestEdgeHLS(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	origin := startNode(t, nodeConf("", ""))
	edge := startNode(t, nodeConf("", "cluster { mode remote; origin "+origin.rtmp+"; }\n"+
		"hls { enabled on; hls_fragment 1; hls_window 10; hls_path "+t.TempDir()+"; }"))
	origin.publish("eh")
	origin.waitPublishing("eh")
	p := playRTMP(t, edge.rtmpURL("eh")) // a player makes the edge pull
	p.grows(t, 100_000, 10*time.Second, "edge plays")
	m3u8 := "http://" + edge.http + "/live/eh.m3u8"
	require.Eventually(t, func() bool {
		resp, err := http.Get(m3u8)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 15*time.Second, 200*time.Millisecond, "the edge's HLS playlist")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pr, err := testpeer.Probe(ctx, m3u8)
	require.NoError(t, err)
	require.Equal(t, "h264", pr.Video().CodecName)
	require.Equal(t, "aac", pr.Audio().CodecName)
}

// TestEdgeFollowClient: with follow_client on, an HTTP-FLV player makes the
// edge pull over HTTP-FLV even though protocol says rtmp (the origin listed
// is an HTTP port, so an RTMP pull could not work).
func TestEdgeFollowClient(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	origin := startNode(t, nodeConf("", ""))
	edge := startNode(t, edgeConf("protocol rtmp; follow_client on;", origin.http))
	origin.publish("fc")
	origin.waitPublishing("fc")
	pr := recordProbe(t, edge.flvURL("fc"), 2*time.Second)
	require.Equal(t, "h264", pr.Video().CodecName)
	require.Equal(t, "aac", pr.Audio().CodecName)
	require.Contains(t, edge.p.Output(), "protocol=flv")
}

// playFLV reads an HTTP-FLV stream in the background, counting its bytes;
// done gets the error that ends it.
func playFLV(t *testing.T, url string) (bytes *atomic.Int64, done chan error) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	t.Cleanup(func() { resp.Body.Close() })
	bytes, done = new(atomic.Int64), make(chan error, 1)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := resp.Body.Read(buf)
			bytes.Add(int64(n))
			if err != nil {
				done <- err
				return
			}
		}
	}()
	return bytes, done
}
