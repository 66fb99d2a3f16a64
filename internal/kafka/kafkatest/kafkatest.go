// Package kafkatest runs a Kafka broker (internal/cmd/kfakebroker, franz-go's
// kfake in a process of its own) and reads topics with kcat, librdkafka's
// command-line client, for tests of what cascade produces.
package kafkatest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-live/cascade/internal/testpeer"
)

// brokerBinary builds kfakebroker into the test's directory (the build
// cache makes it quick after the first time).
func brokerBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kfakebroker")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/cascade-live/cascade/internal/cmd/kfakebroker").CombinedOutput()
	if err != nil {
		t.Fatalf("kafkatest: build kfakebroker: %v\n%s", err, out)
	}
	return bin
}

// Broker is a running kfakebroker.
type Broker struct {
	Addr  string // 127.0.0.1:port
	Topic string
	proc  *testpeer.Process
	bin   string // the built broker
	dir   string // its log
	t     testing.TB
}

// StartBroker runs a broker on a port the OS picks with topic (one
// partition, so the topic's records are totally ordered), keeping its log in
// a directory of the test's so that Restart finds it again.
func StartBroker(t testing.TB, topic string) *Broker {
	t.Helper()
	b := &Broker{Topic: topic, bin: brokerBinary(t), dir: t.TempDir(), t: t}
	b.start(0)
	return b
}

func (b *Broker) start(port int) {
	b.t.Helper()
	b.proc = testpeer.Start(b.t, b.bin, "-port", strconv.Itoa(port), "-topic", b.Topic,
		"-partitions", "1", "-data", b.dir)
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, line := range strings.Split(b.proc.Output(), "\n") {
			if a, ok := strings.CutPrefix(line, "listening "); ok {
				b.Addr = strings.TrimSpace(a)
				return
			}
		}
		select {
		case <-b.proc.Done():
			b.t.Fatalf("kafkatest: broker exited: %v", b.proc.Wait())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("kafkatest: broker did not start")
		}
	}
}

// Stop ends the broker process.
func (b *Broker) Stop() { b.proc.Stop() }

// Restart runs the broker again on the same port and log directory.
func (b *Broker) Restart() {
	b.t.Helper()
	_, port, _ := strings.Cut(b.Addr, ":")
	n, _ := strconv.Atoi(port)
	b.start(n)
}

// Message is one record as kcat reports it.
type Message struct {
	Offset  int64  `json:"offset"`
	Key     string `json:"key"`
	Payload string `json:"payload"`
}

// Consume reads the whole topic from the beginning with kcat.
func (b *Broker) Consume(t testing.TB) []Message {
	t.Helper()
	testpeer.Require(t, "kcat")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "kcat", "-b", b.Addr, "-t", b.Topic, "-C", "-e", "-q",
		"-o", "beginning", "-J").Output()
	if err != nil {
		t.Fatalf("kafkatest: kcat: %v\n%s", err, out)
	}
	var msgs []Message
	s := bufio.NewScanner(bytes.NewReader(out))
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		var m Message
		if err := json.Unmarshal(s.Bytes(), &m); err != nil {
			t.Fatalf("kafkatest: kcat line %q: %v", s.Text(), err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}
