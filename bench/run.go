package bench

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"
)

// Sample is one point of a run's timeline.
type Sample struct {
	// At is the time since the start of the run, in seconds.
	At float64 `json:"at_s"`
	// Started, Playing and Receiving count players: started so far,
	// playing now, and having got media in the last ReceivingWindow.
	Started   int `json:"started"`
	Playing   int `json:"playing"`
	Receiving int `json:"receiving"`
	Failed    int `json:"failed"`
	// MediaKbps is the aggregate media bitrate since the previous sample.
	MediaKbps float64 `json:"media_kbps"`
	// Server and tool CPU in percent of one core since the previous sample,
	// and the server's resident memory (absent without a PID).
	ServerCPU float64 `json:"server_cpu_pct,omitempty"`
	ServerRSS int64   `json:"server_rss_bytes,omitempty"`
	ToolCPU   float64 `json:"tool_cpu_pct"`
}

// run is the state of one Run.
type run struct {
	cfg    Config
	target *Target
	// targets are the streams players spread over: target, or with
	// Publishers, one per publisher.
	targets []*Target
	reqs    [][]byte // HTTP-FLV requests, per target
	start   time.Time

	mu      sync.Mutex
	players []*player

	lat *latencyHist // with a publisher of our own
	lag lagProbe     // the tool's own lateness
	hls *hlsRun      // with HLS players

	wg sync.WaitGroup
}

// clock returns the time since the start of the run.
func (r *run) clock() time.Duration { return time.Since(r.start) }

// snapshot returns the players started so far.
func (r *run) snapshot() []*player {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.players
}

// Run plays cfg.URL with cfg.Players players for cfg.Duration and reports
// the steady window that follows the warmup. It returns early, with the
// window cut short, when ctx is done after the warmup; before it, it
// returns ctx's error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	target, err := ResolveTarget(ctx, cfg.URL)
	if err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, target: target, targets: []*Target{target}}
	if target.Proto == ProtoHLS {
		r.hls = newHLSRun(cfg.Players + cfg.Storm)
		defer r.hls.client.CloseIdleConnections()
	}
	if cfg.Publishers > 0 {
		r.targets = r.targets[:0]
		for i := range cfg.Publishers {
			t, err := ResolveTarget(ctx, Numbered(cfg.URL, i))
			if err != nil {
				return nil, err
			}
			r.targets = append(r.targets, t)
		}
	}
	for _, t := range r.targets {
		var req []byte
		if t.Proto == ProtoFLV {
			req = flvRequest(t)
		}
		r.reqs = append(r.reqs, req)
	}

	// Baselines, before any player connects.
	self := os.Getpid()
	toolPrev, err := ReadProc(self)
	if err != nil {
		return nil, err
	}
	var srvBefore ProcSample
	if cfg.PID != 0 {
		if srvBefore, err = ReadProc(cfg.PID); err != nil {
			return nil, err
		}
	}
	srvPrev := srvBefore

	r.start = time.Now()
	playCtx, stopPlayers := context.WithCancel(context.Background())
	defer stopPlayers()
	pubs := make([]*publishStats, max(cfg.Publishers, 1))
	var pubWG sync.WaitGroup
	if cfg.PublishFile != "" {
		tags, err := readMediaFile(cfg.PublishFile)
		if err != nil {
			return nil, err
		}
		r.lat = &latencyHist{}
		for i := range pubs {
			st := &publishStats{ready: make(chan struct{}), counting: &r.lat.on}
			pubs[i] = st
			url := cfg.PublishURL
			if cfg.Publishers > 0 {
				url = Numbered(url, i)
			}
			st.done = make(chan struct{})
			pubWG.Add(1)
			go func() {
				defer pubWG.Done()
				defer close(st.done)
				if err := publish(playCtx, url, tags, r.clock, st); err != nil {
					st.err.Store(&err)
				}
			}()
			// Players start once the streams are up (an HTTP-FLV server
			// may answer 404 before).
			select {
			case <-st.ready:
			case <-st.done:
				err := context.Canceled
				if e := st.err.Load(); e != nil {
					err = *e
				}
				return nil, fmt.Errorf("bench: publish to %s: %w", url, err)
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	go r.lag.run(playCtx)
	spawnDone := make(chan struct{})
	go func() {
		defer close(spawnDone)
		r.spawn(playCtx)
	}()

	w := &window{}
	var delaysBefore serverDelays
	var delaysErr error
	ticker := time.NewTicker(cfg.SampleInterval)
	defer ticker.Stop()
	warmup := time.NewTimer(cfg.Warmup)
	defer warmup.Stop()
	end := time.NewTimer(cfg.Duration)
	defer end.Stop()
	var storm stormWindow
	var stormStart, stormEnd <-chan time.Time
	if cfg.Storm > 0 {
		t0 := time.NewTimer(cfg.StormAt)
		defer t0.Stop()
		t1 := time.NewTimer(cfg.StormAt + cfg.StormWindow)
		defer t1.Stop()
		stormStart, stormEnd = t0.C, t1.C
	}

	var timeline []Sample
	var prevMedia uint64
	prevAt := r.start
	interrupted := false
	takeSample := func(now time.Time) {
		s, media := r.sample(now)
		if dt := now.Sub(prevAt).Seconds(); dt > 0 {
			s.MediaKbps = float64(media-prevMedia) * 8 / dt / 1000
		}
		prevMedia, prevAt = media, now
		if tool, err := ReadProc(self); err == nil {
			s.ToolCPU = cpuPercent(toolPrev, tool)
			toolPrev = tool
		}
		if cfg.PID != 0 {
			if srv, err := ReadProc(cfg.PID); err == nil {
				s.ServerCPU = cpuPercent(srvPrev, srv)
				s.ServerRSS = srv.RSS
				// CPU is counted in clock ticks: over a short interval (the
				// window opening just after a sample) one tick more reads as
				// hundreds of percent, so such a sample is no maximum.
				short := srv.At.Sub(srvPrev.At) < 500*time.Millisecond
				srvPrev = srv
				w.observeServer(srv, s.ServerCPU, !short)
			} else if w.opened && w.serverErr == nil {
				w.serverErr = err
			}
		}
		timeline = append(timeline, s)
		if cfg.Progress != nil {
			cfg.Progress(s)
		}
	}
loop:
	for {
		select {
		case now := <-ticker.C:
			takeSample(now)
		case <-warmup.C:
			if err := w.open(r, cfg.PID, self); err != nil {
				return nil, err
			}
			r.lag.hist.on.Store(true)
			if r.lat != nil {
				r.lat.on.Store(true)
			}
			if cfg.MetricsURL != "" {
				delaysBefore, delaysErr = scrapeDelays(ctx, cfg.MetricsURL)
			}
			if r.hls != nil {
				r.hls.fetch.on.Store(true)
			}
		case now := <-stormStart:
			storm.open(r, now)
		case now := <-stormEnd:
			storm.close(r, now)
		case <-end.C:
			break loop
		case <-ctx.Done():
			if !w.opened {
				stopPlayers()
				r.wg.Wait()
				return nil, fmt.Errorf("bench: run stopped during the warmup: %w", ctx.Err())
			}
			interrupted = true
			break loop
		}
	}
	if !w.opened { // a warmup of 0
		if err := w.open(r, cfg.PID, self); err != nil {
			return nil, err
		}
	}
	w.close(r, cfg.PID, self)
	r.lag.hist.on.Store(false)
	if r.lat != nil {
		r.lat.on.Store(false)
	}
	var delaysAfter serverDelays
	if cfg.MetricsURL != "" && delaysErr == nil {
		delaysAfter, delaysErr = scrapeDelays(context.Background(), cfg.MetricsURL)
	}
	if r.hls != nil {
		r.hls.fetch.on.Store(false)
	}
	takeSample(w.end)

	stopPlayers()
	<-spawnDone
	r.wg.Wait()
	pubWG.Wait()

	rep := buildReport(r, w, srvBefore, timeline)
	if cfg.Storm > 0 {
		rep.Storm = buildStormReport(r, &storm, rep.Expected.Kbps)
	}
	if r.hls != nil {
		rep.HLS = r.hls.report()
	}
	if r.lat != nil {
		d := r.lat.report()
		failed := 0
		for _, st := range pubs {
			d.PublisherFrames += st.frames.Load()
			d.PublisherBehind = max(d.PublisherBehind, st.behind.Load())
			if err := st.err.Load(); err != nil {
				failed++
				d.PublisherError = (*err).Error()
			}
		}
		if failed > 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d publishers failed, the last with: %s", failed, d.PublisherError))
		}
		d.Publishers, d.PublishersFailed = len(pubs), failed
		rep.Delivery = &d
	}
	if cfg.MetricsURL != "" {
		if delaysErr != nil {
			rep.Warnings = append(rep.Warnings, "no server delay: "+delaysErr.Error())
		} else {
			rep.ServerDelay = serverDelayReport(delaysBefore, delaysAfter)
		}
	}
	if interrupted {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("interrupted after %.1fs: the steady window is shorter", w.end.Sub(r.start).Seconds()))
	}
	return rep, nil
}

// spawn starts the players at the configured rate until all are started
// or ctx is done, then the storm's.
func (r *run) spawn(ctx context.Context) {
	for i := range r.cfg.Players {
		var at time.Duration
		if r.cfg.Ramp > 0 {
			at = time.Duration(float64(i) / r.cfg.Ramp * float64(time.Second))
		}
		if !r.waitUntil(ctx, at) {
			return
		}
		r.startPlayer(ctx, i, false)
	}
	for i := range r.cfg.Storm {
		at := r.cfg.StormAt
		if r.cfg.StormRate > 0 {
			at += time.Duration(float64(i) / r.cfg.StormRate * float64(time.Second))
		}
		if !r.waitUntil(ctx, at) {
			return
		}
		r.startPlayer(ctx, r.cfg.Players+i, true)
	}
}

// waitUntil waits for the run's clock to reach at; false if ctx ended
// first. A caller running late does not wait, so players due together
// start together.
func (r *run) waitUntil(ctx context.Context, at time.Duration) bool {
	wait := at - r.clock()
	if wait <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// startPlayer starts player i on its own goroutine, on the stream it
// falls to.
func (r *run) startPlayer(ctx context.Context, i int, storm bool) {
	t, req := r.targets[i%len(r.targets)], r.reqs[i%len(r.targets)]
	p := newPlayer(r.clock)
	p.storm, p.lat = storm, r.lat
	if n := r.cfg.TimedPlayers; n > 0 && i%max(r.cfg.Players/n, 1) != 0 {
		p.lat, p.lowat = nil, r.cfg.BulkReadBytes
	}
	r.mu.Lock()
	r.players = append(r.players, p)
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		buf := make([]byte, r.cfg.ReadBufferSize)
		switch t.Proto {
		case ProtoRTMP:
			playRTMP(ctx, p, t, &r.cfg, buf)
		case ProtoHLS:
			r.hls.play(ctx, p, t, &r.cfg, buf)
		default:
			playFLV(ctx, p, t, &r.cfg, req, buf)
		}
	}()
}

// sample counts the players' states at now and sums their media bytes.
func (r *run) sample(now time.Time) (Sample, uint64) {
	players := r.snapshot()
	recent := now.Sub(r.start) - ReceivingWindow
	s := Sample{At: now.Sub(r.start).Seconds(), Started: len(players)}
	var media uint64
	for _, p := range players {
		st := p.Stats()
		media += st.Media
		switch {
		case st.Failed:
			s.Failed++
		case st.Playing:
			s.Playing++
			if st.LastMedia > 0 && st.LastMedia >= recent {
				s.Receiving++
			}
		}
	}
	return s, media
}

// window is the steady window: the players' counters and the processes'
// samples at its start and end.
type window struct {
	opened     bool
	start, end time.Time
	// startMedia and startWire are per player, for those started by then.
	startMedia, startWire []uint64
	endStats              []playerStats

	toolStart, toolEnd ProcSample
	srvStart, srvEnd   ProcSample
	srvMaxRSS          int64
	srvMaxCPU          float64 // the highest per-sample CPU within the window
	serverErr          error
}

// open starts the window.
func (w *window) open(r *run, pid, self int) error {
	w.opened = true
	w.start = time.Now()
	for _, p := range r.snapshot() {
		st := p.Stats()
		w.startMedia = append(w.startMedia, st.Media)
		w.startWire = append(w.startWire, st.Wire)
	}
	var err error
	if w.toolStart, err = ReadProc(self); err != nil {
		return err
	}
	if pid != 0 {
		// A server that died is reported, not an error: the players'
		// failures tell the rest.
		if w.srvStart, err = ReadProc(pid); err != nil {
			w.serverErr = err
		}
		w.srvMaxRSS = w.srvStart.RSS
	}
	return nil
}

// observeServer records a server sample taken while the window is open.
func (w *window) observeServer(s ProcSample, cpu float64, cpuMax bool) {
	if !w.opened {
		return
	}
	w.srvMaxRSS = max(w.srvMaxRSS, s.RSS)
	if cpuMax {
		w.srvMaxCPU = max(w.srvMaxCPU, cpu)
	}
}

// close ends the window, before the players are stopped.
func (w *window) close(r *run, pid, self int) {
	w.end = time.Now()
	for _, p := range r.snapshot() {
		w.endStats = append(w.endStats, p.Stats())
	}
	w.toolEnd, _ = ReadProc(self)
	if pid != 0 && w.serverErr == nil {
		s, err := ReadProc(pid)
		if err != nil {
			w.serverErr = err
			return
		}
		w.srvEnd = s
		w.srvMaxRSS = max(w.srvMaxRSS, s.RSS)
	}
}
