// Command kfakebroker runs franz-go's kfake, an in-memory Kafka broker, as a
// process of its own, so tests can kill and restart it like a real broker
// and read it with any Kafka client (kcat).
//
//	kfakebroker -port 0 -topic srs -partitions 1 [-data DIR]
//
// It prints "listening HOST:PORT" on stdout once it accepts connections and
// runs until SIGTERM or SIGINT. With -data, the log is kept in DIR, so a
// broker restarted on the same port and directory still has what it had.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 0, "port on 127.0.0.1 (0: the OS picks)")
	topic := flag.String("topic", "srs", "topic to create")
	partitions := flag.Int("partitions", 1, "partitions of the topic")
	data := flag.String("data", "", "directory that keeps the log across restarts")
	flag.Parse()

	opts := []kfake.Opt{kfake.Ports(*port), kfake.SeedTopics(int32(*partitions), *topic), kfake.AllowAutoTopicCreation()}
	if *data != "" {
		opts = append(opts, kfake.DataDir(*data), kfake.SyncWrites())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		log.Fatalf("kfakebroker: %v", err)
	}
	fmt.Printf("listening %s\n", c.ListenAddrs()[0])
	_ = os.Stdout.Sync()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	c.Close()
}
