package bench

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Report is the result of a run. Bitrates are in kbit/s (1000 bit/s),
// memory in bytes, times in milliseconds or seconds as named.
type Report struct {
	URL      string   `json:"url"`
	Protocol Protocol `json:"protocol"`
	Started  string   `json:"started"` // RFC 3339

	Config struct {
		Players  int     `json:"players"`
		Ramp     float64 `json:"ramp_per_s"` // -1: all at once
		Duration float64 `json:"duration_s"`
		Warmup   float64 `json:"warmup_s"`
		Timeout  float64 `json:"timeout_s"`
	} `json:"config"`

	// Window is the steady window, in seconds from the start of the run.
	Window struct {
		Start   float64 `json:"start_s"`
		End     float64 `json:"end_s"`
		Seconds float64 `json:"seconds"`
	} `json:"window"`

	Players struct {
		Attempted int `json:"attempted"`
		// Connected players were playing at the end of the window.
		Connected int `json:"connected"`
		// Receiving players got media in the last 2 s of the window.
		Receiving int `json:"receiving"`
		// FirstVideoNotKeyframe counts players whose first video frame
		// after the sequence header was not a keyframe.
		FirstVideoNotKeyframe int `json:"first_video_not_keyframe"`
		// NoVideo counts connected players that got no video frame.
		NoVideo int `json:"no_video"`
	} `json:"players"`

	// Failures counts failed players by reason ("stage: kind").
	Failures map[string]int `json:"failures"`

	// FirstMedia is the time from a player's start to the end of its
	// first audio or video message; FirstVideo to its first video frame.
	FirstMedia Latency `json:"first_media"`
	FirstVideo Latency `json:"first_video"`

	// Bitrate is per player over the steady window, counting every player
	// attempted (one that failed counts what it got before).
	Bitrate struct {
		Min      float64 `json:"min_kbps"`
		P10      float64 `json:"p10_kbps"`
		P50      float64 `json:"p50_kbps"`
		Mean     float64 `json:"mean_kbps"`
		Max      float64 `json:"max_kbps"`
		WireMean float64 `json:"wire_mean_kbps"`
		// Aggregate and WireAggregate are all players together.
		Aggregate     float64 `json:"aggregate_kbps"`
		WireAggregate float64 `json:"wire_aggregate_kbps"`
	} `json:"bitrate"`

	Expected struct {
		Kbps   float64 `json:"kbps"`
		Source string  `json:"source"` // "flag" or "median"
		// AtLeast95 is the fraction of the players attempted that got at
		// least 95% of Kbps.
		AtLeast95 float64 `json:"fraction_at_least_95pct"`
	} `json:"expected"`

	Server *ServerReport `json:"server,omitempty"`
	Storm  *StormReport  `json:"storm,omitempty"`
	// HLS is the playlist and segment fetches of HLS players.
	HLS *HLSReport `json:"hls,omitempty"`
	// Delivery is measured when the load tool publishes (PublishFile).
	Delivery *DeliveryReport `json:"delivery,omitempty"`
	// ServerDelay is the server's own delivery timing (MetricsURL).
	ServerDelay *ServerDelayReport `json:"server_delay,omitempty"`

	Tool struct {
		// CPU is the load tool's CPU use over the window, in percent of
		// one core.
		CPU float64 `json:"cpu_pct"`
		// LagP99 and LagMax are how late the tool's own timers fired in
		// the window (ms): what it measured is late by as much.
		LagP99 float64 `json:"lag_p99_ms"`
		LagMax float64 `json:"lag_max_ms"`
	} `json:"tool"`

	Warnings []string `json:"warnings,omitempty"`
	Timeline []Sample `json:"timeline"`
}

// Latency summarizes per-player times, in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// ServerReport is what the server process cost over the steady window.
type ServerReport struct {
	PID int `json:"pid"`
	// CPU is the mean over the window and CPUMax the highest sample, in
	// percent of one core.
	CPU    float64 `json:"cpu_pct"`
	CPUMax float64 `json:"cpu_max_pct"`
	// Others is the CPU other processes used on the cores the server
	// may run on, over the window, in percent of one core.
	Others float64 `json:"others_on_its_cores_pct"`
	// RSSBefore is the resident memory before any player connected;
	// RSSStart, RSSMax and RSSEnd are over the window.
	RSSBefore int64 `json:"rss_before_bytes"`
	RSSStart  int64 `json:"rss_start_bytes"`
	RSSMax    int64 `json:"rss_max_bytes"`
	RSSEnd    int64 `json:"rss_end_bytes"`
	// RSSPerPlayer is (RSSEnd - RSSBefore) / connected players; 0 (and
	// a warning) when the RSS did not grow, which means the server had
	// served players before the run and reused their memory.
	RSSPerPlayer float64 `json:"rss_per_player_bytes"`
	// RunQueueWait is how long per second of the window the server's
	// threads waited for a CPU another process held, in milliseconds: the
	// machine's other load, which delays every write.
	RunQueueWait float64 `json:"run_queue_wait_ms_per_s"`
	Error        string  `json:"error,omitempty"`
}

// toolBusyPercent is the tool CPU use above which its numbers are suspect.
const toolBusyPercent = 90

// othersWarnPercent is the CPU other processes used on the server's
// cores, in percent of one core, above which the report warns.
const othersWarnPercent = 10

// buildReport computes the report of a finished run.
func buildReport(r *run, w *window, srvBefore ProcSample, timeline []Sample) *Report {
	rep := &Report{
		URL:      r.cfg.URL,
		Protocol: r.target.Proto,
		Started:  r.start.Format(time.RFC3339),
		Failures: map[string]int{},
		Timeline: timeline,
	}
	rep.Config.Players = r.cfg.Players
	rep.Config.Ramp = r.cfg.Ramp
	rep.Config.Duration = r.cfg.Duration.Seconds()
	rep.Config.Warmup = r.cfg.Warmup.Seconds()
	rep.Config.Timeout = r.cfg.Timeout.Seconds()
	rep.Window.Start = w.start.Sub(r.start).Seconds()
	rep.Window.End = w.end.Sub(r.start).Seconds()
	secs := w.end.Sub(w.start).Seconds()
	rep.Window.Seconds = secs

	recent := w.end.Sub(r.start) - ReceivingWindow
	var firstMedia, firstVideo []time.Duration
	rates := make([]float64, len(w.endStats))
	var media, wire uint64
	for i, st := range w.endStats {
		var m0, w0 uint64
		if i < len(w.startMedia) {
			m0, w0 = w.startMedia[i], w.startWire[i]
		}
		media += st.Media - m0
		wire += st.Wire - w0
		rates[i] = kbps(st.Media-m0, secs)
		rep.Bitrate.WireMean += kbps(st.Wire-w0, secs)
		switch {
		case st.Failed:
			rep.Failures[st.Failure]++
		case st.Playing:
			rep.Players.Connected++
			if st.LastMedia > 0 && st.LastMedia >= recent {
				rep.Players.Receiving++
			}
			if st.FirstVideoKey == 0 {
				rep.Players.NoVideo++
			}
		default:
			rep.Failures["still connecting at the end"]++
		}
		if st.FirstMedia > 0 {
			firstMedia = append(firstMedia, st.FirstMedia)
		}
		if st.FirstVideo > 0 {
			firstVideo = append(firstVideo, st.FirstVideo)
		}
		if st.FirstVideoKey < 0 {
			rep.Players.FirstVideoNotKeyframe++
		}
	}
	rep.Players.Attempted = len(w.endStats)
	rep.FirstMedia = latency(firstMedia)
	rep.FirstVideo = latency(firstVideo)

	slices.Sort(rates)
	if n := len(rates); n > 0 {
		rep.Bitrate.Min = rates[0]
		rep.Bitrate.Max = rates[n-1]
		rep.Bitrate.P10 = percentile(rates, 0.10)
		rep.Bitrate.P50 = percentile(rates, 0.50)
		rep.Bitrate.Mean = kbps(media, secs) / float64(n)
		rep.Bitrate.WireMean /= float64(n)
	}
	rep.Bitrate.Aggregate = kbps(media, secs)
	rep.Bitrate.WireAggregate = kbps(wire, secs)

	rep.Expected.Kbps, rep.Expected.Source = r.cfg.ExpectKbps, "flag"
	if rep.Expected.Kbps == 0 {
		rep.Expected.Kbps, rep.Expected.Source = rep.Bitrate.P50, "median"
	}
	if rep.Expected.Kbps > 0 && len(rates) > 0 {
		floor := 0.95 * rep.Expected.Kbps
		i, _ := slices.BinarySearch(rates, floor)
		rep.Expected.AtLeast95 = float64(len(rates)-i) / float64(len(rates))
	} else {
		rep.Warnings = append(rep.Warnings, "no expected bitrate: no player got media")
	}

	rep.Tool.CPU = cpuPercent(w.toolStart, w.toolEnd)
	if rep.Tool.CPU > toolBusyPercent {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"the load tool used %.0f%% of a core: it may be the bottleneck", rep.Tool.CPU))
	}
	lag := r.lag.hist.report()
	rep.Tool.LagP99, rep.Tool.LagMax = lag.P99, lag.Max
	if lag.P99 > float64(toolLagWarn/time.Millisecond) {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"the load tool's own timers fired up to %.0fms late (p99): latencies it measured include that", lag.P99))
	}
	if r.cfg.PID != 0 {
		s := &ServerReport{
			PID:       r.cfg.PID,
			CPU:       cpuPercent(w.srvStart, w.srvEnd),
			CPUMax:    w.srvMaxCPU,
			Others:    othersPercent(w.srvStart, w.srvEnd),
			RSSBefore: srvBefore.RSS,
			RSSStart:  w.srvStart.RSS,
			RSSMax:    w.srvMaxRSS,
			RSSEnd:    w.srvEnd.RSS,
		}
		if secs > 0 {
			s.RunQueueWait = float64(w.srvEnd.RunDelay-w.srvStart.RunDelay) / float64(time.Millisecond) / secs
		}
		if w.serverErr != nil {
			s.Error = w.serverErr.Error()
			s.CPU, s.CPUMax = 0, 0
			rep.Warnings = append(rep.Warnings, "the server could not be sampled over the whole window: "+s.Error)
		}
		if s.Others > othersWarnPercent {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"other processes used %.0f%% of a core on the server's cores: its CPU and latencies are those of a shared machine", s.Others))
		}
		if rep.Players.Connected > 0 && s.RSSEnd > 0 && w.serverErr == nil {
			var warn string
			s.RSSPerPlayer, warn = rssPerPlayer(s.RSSBefore, s.RSSEnd, rep.Players.Connected)
			if warn != "" {
				rep.Warnings = append(rep.Warnings, warn)
			}
		}
		rep.Server = s
	}
	if r.cfg.Ramp > 0 {
		if ramp := float64(r.cfg.Players-1) / r.cfg.Ramp; ramp > r.cfg.Warmup.Seconds() {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"the ramp (%.1fs) outlasts the warmup (%.1fs): late players lower the window's rates", ramp, r.cfg.Warmup.Seconds()))
		}
	}
	if rep.Players.Attempted < r.cfg.Players {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("only %d of %d players were started", rep.Players.Attempted, r.cfg.Players))
	}
	return rep
}

// kbps converts bytes over seconds to kbit/s.
func kbps(bytes uint64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(bytes) * 8 / secs / 1000
}

// percentile returns the nearest-rank percentile p (0..1) of sorted values.
func percentile[T cmp.Ordered](sorted []T, p float64) T {
	var zero T
	if len(sorted) == 0 {
		return zero
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// latency summarizes durations.
func latency(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	ms := func(v time.Duration) float64 { return float64(v) / float64(time.Millisecond) }
	return Latency{Count: len(d), P50: ms(percentile(d, 0.5)), P90: ms(percentile(d, 0.9)),
		P95: ms(percentile(d, 0.95)), P99: ms(percentile(d, 0.99)), Max: ms(d[len(d)-1])}
}

// WriteText writes the report for people.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	ramp := "all at once"
	if rep.Config.Ramp > 0 {
		ramp = fmt.Sprintf("%g/s", rep.Config.Ramp)
	}
	p("cascade-bench %s (%s)\n", rep.URL, rep.Protocol)
	p("  run         %d players, ramp %s, %gs with %gs warmup; steady window %.1fs (%.1fs to %.1fs)\n",
		rep.Config.Players, ramp, rep.Config.Duration, rep.Config.Warmup, rep.Window.Seconds, rep.Window.Start, rep.Window.End)
	p("  players     attempted %d  connected %d  receiving %d (at the end)\n",
		rep.Players.Attempted, rep.Players.Connected, rep.Players.Receiving)
	p("  first video %d not a keyframe, %d connected without video\n",
		rep.Players.FirstVideoNotKeyframe, rep.Players.NoVideo)
	if len(rep.Failures) == 0 {
		p("  failures    none\n")
	} else {
		reasons := slices.SortedFunc(maps.Keys(rep.Failures), func(a, b string) int {
			return cmp.Or(cmp.Compare(rep.Failures[b], rep.Failures[a]), cmp.Compare(a, b))
		})
		for i, reason := range reasons {
			label := ""
			if i == 0 {
				label = "failures"
			}
			p("  %-11s %6d  %s\n", label, rep.Failures[reason], reason)
		}
	}
	lat := func(name string, l Latency) {
		if l.Count == 0 {
			p("  %-11s none\n", name)
			return
		}
		p("  %-11s p50 %.1fms  p90 %.1fms  p95 %.1fms  p99 %.1fms  max %.1fms  (%d players)\n", name, l.P50, l.P90, l.P95, l.P99, l.Max, l.Count)
	}
	lat("first media", rep.FirstMedia)
	lat("first video", rep.FirstVideo)
	br := &rep.Bitrate
	p("  per player  media kbit/s: min %.1f  p10 %.1f  p50 %.1f  mean %.1f  max %.1f;  wire mean %.1f\n",
		br.Min, br.P10, br.P50, br.Mean, br.Max, br.WireMean)
	p("  aggregate   media %.2f Mbit/s  wire %.2f Mbit/s\n", br.Aggregate/1000, br.WireAggregate/1000)
	p("  expected    %.0f kbit/s (%s): %.1f%% of players got at least 95%% of it\n",
		rep.Expected.Kbps, rep.Expected.Source, 100*rep.Expected.AtLeast95)
	if s := rep.Server; s != nil {
		p("  server      pid %d  cpu %.1f%% of a core (max %.1f%%); waited for the CPU %.1fms per s;  others on its cores %.1f%%\n", s.PID, s.CPU, s.CPUMax, s.RunQueueWait, s.Others)
		p("  server rss  before %s  window start %s  max %s  end %s;  %.1f KiB per player\n",
			mib(s.RSSBefore), mib(s.RSSStart), mib(s.RSSMax), mib(s.RSSEnd), s.RSSPerPlayer/1024)
	}
	if h := rep.HLS; h != nil {
		p("  hls         %d segments fetched in the window: p50 %.1fms  p90 %.1fms  p99 %.1fms  max %.1fms; %d playlists, %d errors\n",
			h.Segments, h.Fetch.P50, h.Fetch.P90, h.Fetch.P99, h.Fetch.Max, h.Playlists, h.Errors)
	}
	if d := rep.Delivery; d != nil {
		p("  delivery    p50 %.2fms  p90 %.2fms  p99 %.2fms  max %.1fms  (%d frames)\n", d.P50, d.P90, d.P99, d.Max, d.Frames)
		p("  publishers  %d (%d failed) sent %d frames, at most %dms behind real time\n",
			d.Publishers, d.PublishersFailed, d.PublisherFrames, d.PublisherBehind)
		if s := rep.Server; s != nil && d.Publishers > 1 {
			p("  per stream  server cpu %.3f%% of a core\n", s.CPU/float64(d.Publishers))
		}
	}
	if d := rep.ServerDelay; d != nil {
		p("  server adds p50 %.2fms  p90 %.2fms  p99 %.2fms  mean %.2fms  (%d writes timed); loop took it up p50 %.2fms  p99 %.2fms (%d batches)\n",
			d.P50, d.P90, d.P99, d.Mean, d.Writes, d.QueueP50, d.QueueP99, d.Batches)
	}
	if st := rep.Storm; st != nil {
		p("  storm       %d players at %.1fs over %.2fs: connected %d  receiving %d\n", st.Players, st.At, st.Spread, st.Connected, st.Receiving)
		for reason, n := range st.Failures {
			p("  storm fail  %6d  %s\n", n, reason)
		}
		if st.Handshake.Count > 0 {
			lat("storm hshake", st.Handshake)
		}
		lat("storm video", st.FirstVideo)
		in := st.Incumbents
		p("  incumbents  %d over %.1fs after the storm: kbit/s min %.1f  p10 %.1f  p50 %.1f;  %.1f%% at least 95%% of expected\n",
			in.Players, in.Window, in.Min, in.P10, in.P50, 100*in.AtLeast95)
	}
	p("  load tool   cpu %.1f%% of a core;  its timers late p99 %.1fms  max %.1fms\n", rep.Tool.CPU, rep.Tool.LagP99, rep.Tool.LagMax)
	for _, warn := range rep.Warnings {
		p("  warning     %s\n", warn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// rssPerPlayer is the server's RSS growth from before the players to the
// end of the window, per player. A server that did not grow had served
// clients before the run and reused the memory they freed (Go keeps it):
// its growth is not the players' cost, so there is no figure, and a
// warning says why.
func rssPerPlayer(before, end int64, players int) (float64, string) {
	if end <= before {
		return 0, fmt.Sprintf("the server's RSS did not grow over the run (%s before the players, %s at the end): "+
			"it reused memory of earlier clients; RSS per player needs a server that had none (bench/run.sh restarts it per protocol)",
			mib(before), mib(end))
	}
	return float64(end-before) / float64(players), ""
}
