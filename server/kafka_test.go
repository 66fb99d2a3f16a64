package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/kafka"
	"github.com/cascade-live/cascade/internal/kafka/kafkatest"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// TestKafkaEvents publishes with ffmpeg and plays with an RTMP client on a
// server producing to a kfake broker, read back with kcat: the stream's
// connect, publish, play, stop, unpublish and close events arrive in order
// with SRS's callback fields, and per-stream stats events too. With the
// broker killed mid-run the stream keeps flowing to a player and the events
// beyond the buffer are dropped and counted (API and one log line); the
// restarted broker gets the rest.
func TestKafkaEvents(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "kcat")
	b := kafkatest.StartBroker(t, "cascade")
	path := filepath.Join(t.TempDir(), "cascade.conf")
	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(`
listen 127.0.0.1:0;
http_api { enabled on; listen 127.0.0.1:0; }
exporter { enabled on; listen 127.0.0.1:0; }
kafka { enabled on; brokers %s; topic cascade; }
vhost __defaultVhost__ { }
`, b.Addr)), 0o644))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	require.Empty(t, cfg.Warnings)
	ts := runServer(t, cfg, func(s *Server) {
		s.KafkaStatsInterval = 300 * time.Millisecond
		s.KafkaOptions = kafka.Options{Buffer: 16, LogInterval: 300 * time.Millisecond}
	})
	srv, logs := ts.Server, ts.logs
	produced := func() uint64 { return srv.kafka.Load().State().Produced }

	pub := testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("s1"), testpeer.PublishOptions{Loop: true})
	ts.source("s1", true)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	player := playRTMP(t, ctx, ts, "s1")
	waitFor(t, 10*time.Second, "media to the player", func() bool { return player.media.Load() > 10 })
	player.Close()
	waitFor(t, 10*time.Second, "6 events produced", func() bool { return produced() >= 6 })

	// The broker goes; the stream goes on, events pile up and drop.
	b.Stop()
	player2 := playRTMP(t, ctx, ts, "s1")
	for range 40 {
		c, err := client.Dial(ctx, ts.rtmpURL("x"))
		require.NoError(t, err)
		c.Close()
	}
	before := player2.media.Load()
	time.Sleep(time.Second)
	assert.Greater(t, player2.media.Load(), before+10, "the stream stalled with the broker down")
	waitFor(t, 10*time.Second, "drops counted", func() bool { return srv.kafka.Load().State().Dropped > 0 })
	code, sum := apiGet(t, "http://"+ts.MgmtAddr("api").String()+"/api/v1/summaries", false)
	require.Equal(t, 200, code)
	k, _ := sum["data"].(map[string]any)["kafka"].(map[string]any)
	assert.Equal(t, "down", k["state"], "%v", k)
	assert.Positive(t, k["dropped"])
	// The producer is a sink of the server's one event bus.
	var sinks []string
	for _, v := range sum["data"].(map[string]any)["event_sinks"].([]any) {
		sinks = append(sinks, v.(map[string]any)["name"].(string))
	}
	assert.Contains(t, sinks, "kafka")
	waitFor(t, 5*time.Second, "the drop log line", func() bool { return len(logs.Lines("kafka: events dropped")) > 0 })
	resp, err := http.Get("http://" + ts.MgmtAddr("exporter").String() + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Regexp(t, `(?m)^srs_kafka_events_dropped_total [1-9]`, string(body))
	assert.Regexp(t, `(?m)^srs_kafka_up 0$`, string(body))

	// Back up: what was buffered and what comes next is delivered.
	b.Restart()
	waitFor(t, 30*time.Second, "delivery after the restart", func() bool {
		st := srv.kafka.Load().State()
		return st.State == "up" && st.Buffered == 0
	})
	player2.Close()
	pub.Stop()
	waitFor(t, 15*time.Second, "on_unpublish on the topic", func() bool { return topicHas(t, b, "on_unpublish") })

	// The stream's own events, in order.
	var pubID, playerID string
	var got []string
	stats := 0
	for _, m := range b.Consume(t) {
		var e map[string]any
		require.NoError(t, json.Unmarshal([]byte(m.Payload), &e), m.Payload)
		assert.Equal(t, srv.serverID, e["server_id"])
		assert.Positive(t, e["timestamp"])
		switch a := e["action"].(string); {
		case a == kafka.ActionStreamStats:
			stats++
		case e["app"] == "live" && (e["stream"] == "s1" || a == "on_connect" || a == "on_close"):
			id, _ := e["client_id"].(string)
			if a == "on_publish" {
				pubID = id
			}
			if a == "on_play" && playerID == "" {
				playerID = id
			}
			got = append(got, a+" "+id)
		}
	}
	assert.Positive(t, stats, "no stream stats events")
	require.NotEmpty(t, pubID)
	require.NotEmpty(t, playerID)
	want := []string{"on_connect " + pubID, "on_publish " + pubID, "on_play " + playerID, "on_stop " + playerID,
		"on_unpublish " + pubID, "on_close " + pubID}
	assert.Equal(t, want, subsequence(got, want), "events in topic order: %v", got)
}

// rtmpPlayer counts the media messages an RTMP player receives.
type rtmpPlayer struct {
	*client.Conn
	media atomic.Int64
}

func playRTMP(t *testing.T, ctx context.Context, ts *testServer, stream string) *rtmpPlayer {
	t.Helper()
	c, err := client.Dial(ctx, ts.rtmpURL(stream))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Play(ctx, stream))
	p := &rtmpPlayer{Conn: c}
	go func() {
		for {
			m, err := c.ReadMessage()
			if err != nil {
				return
			}
			if m.Type == rtmp.MsgAudio || m.Type == rtmp.MsgVideo {
				p.media.Add(1)
			}
			m.Body.Release()
		}
	}()
	return p
}

// subsequence returns the elements of want found in got in order.
func subsequence(got, want []string) []string {
	var out []string
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			out = append(out, g)
			i++
		}
	}
	return out
}

// topicHas reports whether the topic holds an event with action.
func topicHas(t *testing.T, b *kafkatest.Broker, action string) bool {
	for _, m := range b.Consume(t) {
		var e struct{ Action string }
		if json.Unmarshal([]byte(m.Payload), &e) == nil && e.Action == action {
			return true
		}
	}
	return false
}
