package bench

import (
	"slices"
	"time"
)

// stormWindow holds the incumbents' media counters when a join storm
// starts and StormWindow later.
type stormWindow struct {
	start, end           time.Time
	startMedia, endMedia []uint64 // per incumbent, in start order
}

func (s *stormWindow) open(r *run, now time.Time) {
	s.start = now
	s.startMedia = incumbentMedia(r)
}

func (s *stormWindow) close(r *run, now time.Time) {
	s.end = now
	s.endMedia = incumbentMedia(r)
}

func incumbentMedia(r *run) []uint64 {
	var out []uint64
	for _, p := range r.snapshot() {
		if !p.storm {
			out = append(out, p.media.Load())
		}
	}
	return out
}

// StormReport is how a join storm went: its players' start, and the rate
// the players already connected kept through it.
type StormReport struct {
	Players int     `json:"players"`
	At      float64 `json:"at_s"`
	// Connected and Receiving count the storm's players at the end of the
	// run; Failures the others by reason (handshake timeouts among them).
	// Spread is the time from the first storm player's dial to the last's:
	// 0 for all at once, about (Players-1)/rate at -storm-rate.
	Spread     float64        `json:"spread_s"`
	Connected  int            `json:"connected"`
	Receiving  int            `json:"receiving"`
	Failures   map[string]int `json:"failures"`
	FirstVideo Latency        `json:"first_video"`
	// Handshake is how long the storm's RTMP players waited for the
	// server's handshake reply: the accepting part of their start.
	Handshake Latency `json:"handshake"`
	// Incumbents is the players connected before the storm, over the
	// StormWindow that starts with it.
	Incumbents struct {
		Players   int     `json:"players"`
		Window    float64 `json:"window_s"`
		Min       float64 `json:"min_kbps"`
		P10       float64 `json:"p10_kbps"`
		P50       float64 `json:"p50_kbps"`
		AtLeast95 float64 `json:"fraction_at_least_95pct"`
	} `json:"incumbents"`
}

func buildStormReport(r *run, s *stormWindow, expectKbps float64) *StormReport {
	rep := &StormReport{Players: r.cfg.Storm, At: r.cfg.StormAt.Seconds(), Failures: map[string]int{}}
	recent := r.clock() - ReceivingWindow
	var first, hs []time.Duration
	var firstStart, lastStart time.Duration = -1, 0
	for _, p := range r.snapshot() {
		if !p.storm {
			continue
		}
		if firstStart < 0 || p.start < firstStart {
			firstStart = p.start
		}
		lastStart = max(lastStart, p.start)
		st := p.Stats()
		switch {
		case st.Failed:
			rep.Failures[st.Failure]++
		case st.Playing:
			rep.Connected++
			if st.LastMedia >= recent {
				rep.Receiving++
			}
		default:
			rep.Failures["still connecting at the end"]++
		}
		if st.FirstVideo > 0 {
			first = append(first, st.FirstVideo)
		}
		if st.Handshake > 0 {
			hs = append(hs, st.Handshake)
		}
	}
	rep.FirstVideo = latency(first)
	rep.Handshake = latency(hs)
	if firstStart >= 0 {
		rep.Spread = (lastStart - firstStart).Seconds()
	}
	if s.end.IsZero() || len(s.startMedia) == 0 {
		return rep
	}
	secs := s.end.Sub(s.start).Seconds()
	rates := make([]float64, 0, len(s.startMedia))
	for i, m0 := range s.startMedia {
		rates = append(rates, kbps(s.endMedia[i]-m0, secs))
	}
	slices.Sort(rates)
	in := &rep.Incumbents
	in.Players, in.Window = len(rates), secs
	in.Min, in.P10, in.P50 = rates[0], percentile(rates, 0.1), percentile(rates, 0.5)
	if expectKbps > 0 {
		i, _ := slices.BinarySearch(rates, 0.95*expectKbps)
		in.AtLeast95 = float64(len(rates)-i) / float64(len(rates))
	}
	return rep
}
