package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

func apiGet(t *testing.T, url string, auth bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if auth {
		req.SetBasicAuth("admin", "secret")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if resp.StatusCode == 200 {
		require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	}
	return resp.StatusCode, m
}

func find(list any, key, value string) map[string]any {
	items, _ := list.([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if fmt.Sprint(m[key]) == value {
			return m
		}
	}
	return nil
}

// TestAPICallbacksMetrics runs a server with the HTTP API (auth, raw
// reload), the exporter and every callback, with ffmpeg publishing and raw
// players playing: the API's fields, the callbacks' payloads and the
// metrics match the traffic; kick closes a player.
func TestAPICallbacksMetrics(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	hook := newHookRecorder(t)
	h := hook.URL()
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
http_api { enabled on; listen 127.0.0.1:0; auth { enabled on; username admin; password secret; } raw_api { enabled on; allow_reload on; } }
exporter { enabled on; listen 127.0.0.1:0; label cascade-test; }
vhost __defaultVhost__ {
    http_remux { enabled on; }
    http_hooks { enabled on; on_connect %[1]s; on_close %[1]s; on_publish %[1]s; on_unpublish %[1]s; on_play %[1]s; on_stop %[1]s; }
}
`, h)
	ts, _ := startServerConf(t, conf)
	apiBase := "http://" + ts.MgmtAddr("api").String()
	pub := testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("m?token=abc"), testpeer.PublishOptions{Loop: true})
	src := ts.source("m", true)
	player := dialRaw(t, ts.RTMPAddr(), 0)
	player.play("m?token=p1")
	got := player.count()
	waitFor(t, 5*time.Second, "the player", func() bool { return src.Consumers() == 1 && got.Load() > 100_000 })

	// Auth.
	code, _ := apiGet(t, apiBase+"/api/v1/streams", false)
	assert.Equal(t, 401, code)

	// Streams.
	_, body := apiGet(t, apiBase+"/api/v1/streams", true)
	assert.EqualValues(t, 0, body["code"])
	st := find(body["streams"], "name", "m")
	require.NotNil(t, st, "%v", body)
	assert.Equal(t, "live", st["app"])
	assert.Equal(t, "/live/m", st["url"])
	assert.EqualValues(t, 2, st["clients"], "publisher and player")
	publish := st["publish"].(map[string]any)
	assert.Equal(t, true, publish["active"])
	video := st["video"].(map[string]any)
	assert.Equal(t, "H264", video["codec"])
	assert.EqualValues(t, 1280, video["width"])
	assert.EqualValues(t, 720, video["height"])
	assert.EqualValues(t, 25, video["fps"], "from the SPS's timing info")
	assert.Equal(t, "High", video["profile"])
	audio := st["audio"].(map[string]any)
	assert.Equal(t, "AAC", audio["codec"])
	assert.EqualValues(t, 44100, audio["sample_rate"])
	assert.EqualValues(t, 2, audio["channel"])

	// The event bus's sinks, in the summaries.
	_, body = apiGet(t, apiBase+"/api/v1/summaries", true)
	sinks, _ := body["data"].(map[string]any)["event_sinks"].([]any)
	require.NotNil(t, find(sinks, "name", "http_hooks"), "%v", body)
	assert.EqualValues(t, 0, find(sinks, "name", "http_hooks")["dropped"])

	// Clients: the publisher's cid is the stream's publish cid.
	_, body = apiGet(t, apiBase+"/api/v1/clients?count=100", true)
	pc := find(body["clients"], "id", fmt.Sprint(publish["cid"]))
	require.NotNil(t, pc, "%v", body)
	assert.Equal(t, true, pc["publish"])
	assert.Equal(t, "fmle-publish", pc["type"])
	assert.Equal(t, "m", pc["name"])
	assert.Equal(t, st["id"], pc["stream"])
	pl := find(body["clients"], "type", "rtmp-play")
	require.NotNil(t, pl)
	playerID := fmt.Sprint(pl["id"])

	// Callbacks so far, with the tokens.
	waitFor(t, 5*time.Second, "callbacks", func() bool { return len(hook.Calls("on_play")) == 1 })
	pubCall := hook.Calls("on_publish")[0]
	assert.Equal(t, "?token=abc", pubCall["param"])
	assert.Equal(t, "m", pubCall["stream"])
	assert.Equal(t, publish["cid"], pubCall["client_id"])
	assert.Equal(t, "127.0.0.1", pubCall["ip"])
	assert.Equal(t, "__defaultVhost__", pubCall["vhost"])
	playCall := hook.Calls("on_play")[0]
	assert.Equal(t, "?token=p1", playCall["param"])
	assert.Equal(t, playerID, playCall["client_id"])
	assert.Len(t, hook.Calls("on_connect"), 2)

	// Metrics.
	metricsText := func() string {
		resp, err := http.Get("http://" + ts.MgmtAddr("exporter").String() + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	m := metricsText()
	assert.Contains(t, m, `srs_streams 1`)
	assert.Contains(t, m, `srs_stream_publishers{app="live",stream="m",vhost="__defaultVhost__"} 1`)
	assert.Contains(t, m, `srs_stream_players{app="live",protocol="rtmp",stream="m",vhost="__defaultVhost__"} 1`)
	assert.Contains(t, m, `label="cascade-test"`)
	assert.Contains(t, m, `cascade_events_total{action="on_publish"} 1`, "the metrics sink counts the bus's events")
	assert.Contains(t, m, `cascade_event_sink_dropped_total{sink="http_hooks"} 0`)
	assert.Regexp(t, `cascade_delivery_queued_seconds_count [1-9]`, m, "the player's batches are timed")
	assert.Contains(t, m, `cascade_delivery_delay_seconds_bucket{le="0.005"}`)

	// Kick the player: it sees the connection end; on_stop and on_close follow.
	req, _ := http.NewRequest("DELETE", apiBase+"/api/v1/clients/"+playerID, nil)
	req.SetBasicAuth("admin", "secret")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.True(t, closedByServer(player.Conn, 5*time.Second), "kicked")
	waitFor(t, 5*time.Second, "on_stop", func() bool { return len(hook.Calls("on_stop")) == 1 })
	waitFor(t, 5*time.Second, "on_close", func() bool { return len(hook.Calls("on_close")) >= 1 })
	closeCall := hook.Calls("on_close")[0]
	assert.Equal(t, playerID, closeCall["client_id"])
	assert.Greater(t, closeCall["send_bytes"].(float64), 100_000.0)

	// The byte count of a player is exact: another player, drained after unpublish.
	p2 := dialRaw(t, ts.RTMPAddr(), 0)
	p2.play("m")
	got2 := p2.count()
	time.Sleep(time.Second)
	pub.Stop()
	waitFor(t, 10*time.Second, "on_unpublish", func() bool { return len(hook.Calls("on_unpublish")) == 1 })
	time.Sleep(500 * time.Millisecond)
	_, body = apiGet(t, apiBase+"/api/v1/clients", true)
	c2 := find(body["clients"], "type", "rtmp-play")
	require.NotNil(t, c2)
	// The player counted from after the handshake's S0+S1+S2.
	assert.EqualValues(t, got2.Load()+1+2*1536, c2["send_bytes"], "send_bytes is what the player received")

	// Raw reload.
	_, body = apiGet(t, apiBase+"/api/v1/raw?rpc=reload", true)
	assert.EqualValues(t, 0, body["code"])
	waitFor(t, 5*time.Second, "reload", func() bool { return len(ts.logs.Lines("reloaded")) > 0 })

	// An ended stream's series go away once its players leave.
	p2.Close()
	waitFor(t, 10*time.Second, "stream forgotten", func() bool { return !strings.Contains(metricsText(), `stream="m"`) })
}

// TestCallbacksReject: on_publish answering {"code":1}, on_play answering
// 500, and a callback server that times out each refuse the client, while
// other streams go on.
func TestCallbacksReject(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	hook := newHookRecorder(t)
	hang := make(chan struct{})
	slow := newHookRecorder(t)
	t.Cleanup(func() { close(hang) }) // before slow's server closes: cleanups run last-in first-out
	slow.reply = func(string) (int, string) { <-hang; return 200, "0" }
	hook.reply = func(action string) (int, string) {
		switch action {
		case "on_publish":
			return 200, `{"code":1}`
		case "on_play":
			return 500, `0`
		}
		return 200, `0`
	}
	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ { http_remux { enabled on; } }
vhost reject.example.com { http_hooks { enabled on; on_publish %[1]s; on_play %[1]s; } http_remux { enabled on; } }
vhost slow.example.com { http_hooks { enabled on; on_publish %[2]s; } }
`, hook.URL(), slow.URL())
	ts, _ := startServerConf(t, conf, func(s *Server) { s.CallbackTimeout = 2 * time.Second })
	media := testpeer.Media(t, "h264_aac_720p25.flv")

	// A stream on the default vhost keeps playing throughout.
	testpeer.Publish(t, media, ts.rtmpURL("ok"), testpeer.PublishOptions{Loop: true})
	src := ts.source("ok", true)
	player := dialRaw(t, ts.RTMPAddr(), 0)
	player.play("ok")
	got := player.count()

	// Rejected publish ({"code":1}) and a timed-out one.
	for _, vhost := range []string{"reject.example.com", "slow.example.com"} {
		p := testpeer.Publish(t, media, ts.rtmpURL("x?vhost="+vhost), testpeer.PublishOptions{})
		select {
		case <-p.Done():
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: ffmpeg still publishing", vhost)
		}
		assert.Error(t, p.Wait(), "%s: ffmpeg's publish is refused", vhost)
	}
	assert.NotEmpty(t, ts.logs.Lines("on_publish"))

	// Rejected play (HTTP 500 from on_play): a publisher without hooks on the
	// default vhost; the player asks through the reject vhost.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := testpeer.Probe(ctx, ts.rtmpURL("ok?vhost=reject.example.com"))
	assert.Error(t, err, "ffprobe's play is refused")

	before := got.Load()
	time.Sleep(time.Second)
	assert.Greater(t, got.Load()-before, int64(50_000), "the other stream never stalled")
	assert.Equal(t, 1, src.Consumers())
}
