// Command cascade-floor is the do-nothing fan-out server that load runs
// compare cascade with: it loops an FLV file in real time and writes each
// batch to every RTMP and HTTP-FLV player with one writev, and nothing
// else (see bench.Floor).
//
//	cascade-floor -rtmp 127.0.0.1:1935 -http 127.0.0.1:8080 -flv h264_aac_720p25.flv
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cascade-live/cascade/bench"
	"github.com/cascade-live/cascade/live"
)

func main() {
	rtmpAddr := flag.String("rtmp", "127.0.0.1:1935", "RTMP listen `address` (empty: none)")
	httpAddr := flag.String("http", "127.0.0.1:8080", "HTTP-FLV listen `address` (empty: none)")
	file := flag.String("flv", "", "FLV `file` to loop")
	batch := flag.Duration("batch", 350*time.Millisecond, "batch period (SRS's mw_latency)")
	flag.Parse()
	if err := run(*rtmpAddr, *httpAddr, *file, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "cascade-floor:", err)
		os.Exit(1)
	}
}

func run(rtmpAddr, httpAddr, file string, batch time.Duration) error {
	f, err := bench.NewFloor(file)
	if err != nil {
		return err
	}
	f.Batch = batch
	var lns [2]net.Listener
	for i, addr := range []string{rtmpAddr, httpAddr} {
		if addr == "" {
			continue
		}
		if lns[i], err = net.Listen("tcp", addr); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "cascade-floor: listening on", lns[i].Addr())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = f.Serve(ctx, lns[0], lns[1])
	var d live.Delays
	f.Delays.AddTo(&d)
	if n := d.Count(); n > 0 {
		fmt.Fprintf(os.Stderr, "cascade-floor: a tag being due to its writev returning: p50 %v  p99 %v  mean %v  (%d writes)\n",
			d.Quantile(0.5), d.Quantile(0.99), d.Sum/time.Duration(n), n)
	}
	return err
}
