package kafka_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/kafka"
	"github.com/cascade-live/cascade/internal/kafka/kafkatest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newProducer(t *testing.T, b *kafkatest.Broker, opts kafka.Options) (*kafka.Producer, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	opts.ServerID, opts.ServiceID = "vid-test", "svc"
	p, err := kafka.New(kafka.Config{Enabled: true, Brokers: []string{b.Addr}, Topic: b.Topic}, opts)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close(t.Context()) })
	return p, logs
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool, state ...func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			for _, s := range state {
				t.Log(s())
			}
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var conn = hooks.Conn{ClientID: "c1", IP: "127.0.0.1", Vhost: "__defaultVhost__", App: "live"}

// TestProducerEvents produces one event of each kind and reads them back
// with kcat: SRS's callback fields plus timestamp and server_id, keyed by
// vhost/app/stream, in order.
func TestProducerEvents(t *testing.T) {
	b := kafkatest.StartBroker(t, "cascade-events")
	p, _ := newProducer(t, b, kafka.Options{})
	at := time.UnixMilli(1700000000123)
	pub := hooks.OnPublish{Conn: conn, TcURL: "rtmp://127.0.0.1/live", Stream: "s1", Param: "?k=v"}
	events := []hooks.Payload{
		hooks.OnConnect{Conn: conn, TcURL: "rtmp://127.0.0.1/live", Stream: "s1"},
		pub,
		hooks.OnPlay{Conn: conn, Stream: "s1", TcURL: "rtmp://127.0.0.1/live"},
		hooks.OnStop(pub),
		hooks.OnUnpublish(pub),
		hooks.OnClose{Conn: conn, SendBytes: 10, RecvBytes: 20},
	}
	for _, e := range events {
		p.Publish(at, e)
	}
	p.PublishStats(at, []kafka.StreamStats{{Vhost: "__defaultVhost__", App: "live", Stream: "s1", Players: 2, Frames: 300}})
	waitFor(t, 15*time.Second, "7 records produced", func() bool { return p.State().Produced == 7 })
	assert.Equal(t, "up", p.State().State)

	msgs := b.Consume(t)
	require.Len(t, msgs, 7)
	wantActions := []string{"on_connect", "on_publish", "on_play", "on_stop", "on_unpublish", "on_close", kafka.ActionStreamStats}
	wantKeys := []string{"__defaultVhost__/live/s1", "__defaultVhost__/live/s1", "__defaultVhost__/live/s1",
		"__defaultVhost__/live/s1", "__defaultVhost__/live/s1", "__defaultVhost__/live/", "__defaultVhost__/live/s1"}
	for i, m := range msgs {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(m.Payload), &v), m.Payload)
		assert.Equal(t, wantActions[i], v["action"], m.Payload)
		assert.Equal(t, wantKeys[i], m.Key)
		assert.Equal(t, float64(1700000000123), v["timestamp"])
		assert.Equal(t, "vid-test", v["server_id"])
		assert.True(t, strings.HasPrefix(m.Payload, `{"timestamp":1700000000123,"server_id":"vid-test"`), m.Payload)
	}
	var publish map[string]any
	require.NoError(t, json.Unmarshal([]byte(msgs[1].Payload), &publish))
	assert.Equal(t, "/live/s1", publish["stream_url"])
	assert.Equal(t, "?k=v", publish["param"])
	assert.Equal(t, "c1", publish["client_id"])
	var stats map[string]any
	require.NoError(t, json.Unmarshal([]byte(msgs[6].Payload), &stats))
	assert.Equal(t, float64(2), stats["players"])
	assert.Equal(t, float64(300), stats["frames"])
}

// TestProducerBrokerDown: with the broker gone, Publish still returns at
// once, what exceeds the buffer is dropped, counted and logged once per
// interval, the state says down; a restarted broker gets the buffered
// events and new ones.
func TestProducerBrokerDown(t *testing.T) {
	b := kafkatest.StartBroker(t, "cascade-events")
	p, logs := newProducer(t, b, kafka.Options{Buffer: 20, LogInterval: 300 * time.Millisecond})
	p.Publish(time.Now(), hooks.OnConnect{Conn: conn, Stream: "before"})
	waitFor(t, 15*time.Second, "first record", func() bool { return p.State().Produced == 1 })

	b.Stop()
	start := time.Now()
	for i := range 500 {
		p.Publish(time.Now(), hooks.OnConnect{Conn: conn, Stream: fmt.Sprint("down", i)})
	}
	assert.Less(t, time.Since(start), time.Second, "Publish blocked with the broker down")
	waitFor(t, 15*time.Second, "state down", func() bool { return p.State().State == "down" })
	st := p.State()
	assert.GreaterOrEqual(t, st.Dropped, uint64(480))
	assert.LessOrEqual(t, st.Buffered, int64(20))
	waitFor(t, 5*time.Second, "drop log line", func() bool { return strings.Contains(logs.String(), "events dropped") })
	time.Sleep(time.Second) // more intervals, no new drops: no new lines
	assert.Equal(t, 1, strings.Count(logs.String(), "events dropped"), logs.String())

	b.Restart()
	// Every event is either delivered or counted as dropped.
	waitFor(t, 30*time.Second, "the buffered events delivered after the restart", func() bool {
		st := p.State()
		return st.Produced+st.Dropped == 501 && st.Buffered == 0
	}, func() string { return fmt.Sprintf("%+v", p.State()) })
	before := p.State().Produced
	assert.GreaterOrEqual(t, before, uint64(1+15))
	p.Publish(time.Now(), hooks.OnConnect{Conn: conn, Stream: "after"})
	want := before + 1
	waitFor(t, 15*time.Second, "a new event delivered", func() bool { return p.State().Produced == want })
	assert.Equal(t, "up", p.State().State)
	msgs := b.Consume(t)
	require.Len(t, msgs, int(want))
	assert.Contains(t, msgs[0].Payload, `"stream":"before"`)
	assert.Contains(t, msgs[len(msgs)-1].Payload, `"stream":"after"`)
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		conf    string
		want    kafka.Config
		wantErr bool
	}{
		{"", kafka.Config{Brokers: []string{"127.0.0.1:9092"}, Topic: "srs"}, false},
		{"kafka { enabled on; brokers 10.0.0.1:9092 10.0.0.2:9093; topic live; }",
			kafka.Config{Enabled: true, Brokers: []string{"10.0.0.1:9092", "10.0.0.2:9093"}, Topic: "live"}, false},
		{"kafka { enabled on; brokers 10.0.0.1; }", kafka.Config{}, true},
	} {
		root, err := config.Parse("t.conf", []byte(tc.conf))
		require.NoError(t, err)
		got, err := kafka.ParseConfig(root)
		if tc.wantErr {
			require.ErrorIs(t, err, config.ErrInvalidValue)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

// BenchmarkPublish is the cost of one event on the caller's goroutine:
// the callback body, the key, and the hand-off to the client's buffer.
func BenchmarkPublish(b *testing.B) {
	broker := kafkatest.StartBroker(b, "bench")
	p, err := kafka.New(kafka.Config{Enabled: true, Brokers: []string{broker.Addr}, Topic: "bench"},
		kafka.Options{ServerID: "vid-bench", Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	b.Cleanup(func() { p.Close(context.Background()) })
	ev := hooks.OnPublish{Conn: conn, TcURL: "rtmp://127.0.0.1/live", Stream: "s1", Param: "?k=v"}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		p.Publish(now, ev)
	}
}
