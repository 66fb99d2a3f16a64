package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cascade-live/cascade/internal/bandcheck"
)

// runBandcheck is the bandcheck subcommand: SRS's RTMP bandwidth test
// against a vhost with a bandcheck block.
//
//	cascade-bench bandcheck [-json] [-timeout 30s] rtmp://host[:port]/app?key=KEY[&vhost=VHOST]
func runBandcheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cascade-bench bandcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on the whole check")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cascade-bench bandcheck [flags] rtmp://host[:port]/app?key=KEY")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rep, err := bandcheck.Run(ctx, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "cascade-bench bandcheck:", err)
		if errors.Is(err, bandcheck.ErrRefused) {
			return 3
		}
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{
			"play_kbps": int64(rep.PlayKbps), "publish_kbps": int64(rep.PublishKbps),
			"rtt_ms":           float64(rep.RTT.Microseconds()) / 1000,
			"server_play_kbps": int64(rep.Server.PlayKbps), "play_bytes": rep.Server.PlayBytes,
			"publish_bytes": rep.Server.PublishBytes, "play_ms": rep.Server.PlayTime.Milliseconds(),
			"publish_ms": rep.Server.PublishTime.Milliseconds(),
		})
		return 0
	}
	fmt.Fprintf(stdout, "play %d kbps, publish %d kbps, rtt %.3f ms\n",
		int64(rep.PlayKbps), int64(rep.PublishKbps), float64(rep.RTT.Microseconds())/1000)
	fmt.Fprintf(stdout, "server: play %d kbps (%d bytes in %d ms), publish %d kbps (%d bytes in %d ms)\n",
		int64(rep.Server.PlayKbps), rep.Server.PlayBytes, rep.Server.PlayTime.Milliseconds(),
		int64(rep.Server.PublishKbps), rep.Server.PublishBytes, rep.Server.PublishTime.Milliseconds())
	return 0
}
