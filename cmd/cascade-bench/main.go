// Command cascade-bench plays one live stream with many simulated players
// over RTMP or HTTP-FLV, on loopback only, and reports what they received
// and, given the server's pid, what it cost the server.
//
//	cascade-bench -url rtmp://127.0.0.1:1935/live/livestream -n 2000 -duration 60s -pid $(pidof cascade)
//	cascade-bench -url http://127.0.0.1:8080/live/livestream.flv -n 2000 -json-file run.json -svg run.svg
//
// The bandcheck subcommand runs SRS's RTMP bandwidth test instead and prints
// play kbps, publish kbps and RTT:
//
//	cascade-bench bandcheck rtmp://127.0.0.1/app?key=KEY&vhost=bandcheck.example
//
// See bench/README.md for the report.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cascade-live/cascade/bench"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "bandcheck" {
		return runBandcheck(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("cascade-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "rtmp://127.0.0.1:1935/live/livestream", "stream `URL`: rtmp://host[:port]/app/stream or http://host[:port]/app/stream.flv (loopback only)")
	players := fs.Int("n", bench.DefaultPlayers, "number of players")
	ramp := fs.String("ramp", fmt.Sprintf("%d/s", bench.DefaultRamp), "connect `rate`, e.g. 200/s; 0 connects all at once")
	duration := fs.Duration("duration", bench.DefaultDuration, "length of the whole run")
	warmup := fs.Duration("warmup", bench.DefaultWarmup, "start of the run left out of the steady window")
	timeout := fs.Duration("timeout", bench.DefaultTimeout, "bound on each player's connection setup")
	pid := fs.Int("pid", 0, "server process to sample (CPU, RSS); 0 for none")
	expect := fs.Float64("expect-kbps", 0, "expected media bitrate per player in kbit/s (default: the median)")
	readBuf := fs.Int("readbuf", bench.DefaultReadBufferSize, "read buffer per player, in `bytes`")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	jsonFile := fs.String("json-file", "", "also write the JSON report to `file`")
	svgFile := fs.String("svg", "", "also write an SVG chart of players, CPU and bitrate over time to `file`")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	storm := fs.Int("storm", 0, "join storm: this many more players connect at -storm-at, all at once or at -storm-rate")
	stormRate := fs.Float64("storm-rate", 0, "the storm's players connect at this many per second (0: all at once)")
	stormAt := fs.Duration("storm-at", 0, "when the storm starts (default: at the end of the warmup)")
	stormWindow := fs.Duration("storm-window", bench.DefaultStormWindow, "how long after the storm the incumbents' rate is measured")
	publishFile := fs.String("publish", "", "publish this FLV `file` (looped, in real time, frames stamped) and report the server's delivery latency")
	publishURL := fs.String("publish-url", "", "where -publish sends it (rtmp://…; default: -url when it is rtmp)")
	publishers := fs.Int("publishers", 0, "with -publish: publish this many streams (names numbered -0, -1, …), players spread over them")
	timed := fs.Int("timed-players", 0, "with -publish: only this many players (spread evenly) read at once and time frames; the others read in bulk (0: all time frames)")
	bulkBytes := fs.Int("bulk-read-bytes", bench.DefaultBulkReadBytes, "the players -timed-players leaves out are woken to read once this many `bytes` wait")
	metricsURL := fs.String("metrics", "", "the server's Prometheus `URL` (cascade's exporter, http://127.0.0.1:9972/metrics): report the delay it measures itself")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cascade-bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	rate, err := bench.ParseRamp(*ramp)
	if err != nil {
		fmt.Fprintln(stderr, "cascade-bench:", err)
		return 2
	}
	w := *warmup
	if w == 0 {
		w = -1 // an explicit 0 means no warmup
	}
	cfg := bench.Config{
		URL:            *url,
		Players:        *players,
		Ramp:           rate,
		Duration:       *duration,
		Warmup:         w,
		Timeout:        *timeout,
		PID:            *pid,
		ExpectKbps:     *expect,
		ReadBufferSize: *readBuf,
		Storm:          *storm,
		StormAt:        *stormAt,
		StormRate:      *stormRate,
		StormWindow:    *stormWindow,
		PublishFile:    *publishFile,
		PublishURL:     *publishURL,
		Publishers:     *publishers,
		TimedPlayers:   *timed,
		MetricsURL:     *metricsURL,
	}
	if cfg.TimedPlayers > 0 {
		cfg.BulkReadBytes = *bulkBytes
	}
	if cfg.PublishFile != "" && cfg.PublishURL == "" {
		cfg.PublishURL = *url
	}
	if cfg.Storm > 0 && cfg.StormAt == 0 {
		cfg.StormAt = *warmup
	}
	if !*quiet {
		cfg.Progress = func(s bench.Sample) {
			fmt.Fprintf(stderr, "%6.1fs started %d playing %d receiving %d failed %d  %.1f Mbit/s  server cpu %.0f%%  tool cpu %.0f%%\n",
				s.At, s.Started, s.Playing, s.Receiving, s.Failed, s.MediaKbps/1000, s.ServerCPU, s.ToolCPU)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "cascade-bench:", err)
		return 1
	}
	if !*quiet {
		fmt.Fprintf(stderr, "done in %.1fs\n", time.Since(start).Seconds())
	}
	if *jsonFile != "" {
		if err := writeFile(*jsonFile, func(w io.Writer) error { return writeJSON(w, rep) }); err != nil {
			fmt.Fprintln(stderr, "cascade-bench:", err)
			return 1
		}
	}
	if *svgFile != "" {
		if err := writeFile(*svgFile, rep.WriteSVG); err != nil {
			fmt.Fprintln(stderr, "cascade-bench:", err)
			return 1
		}
	}
	if *asJSON {
		err = writeJSON(stdout, rep)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cascade-bench:", err)
		return 1
	}
	return 0
}

func writeJSON(w io.Writer, rep *bench.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// writeFile creates name and fills it with write.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
