package bandcheck

import (
	"fmt"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/rtmp"
)

// Counters are the connection's byte counters, read when the session is
// called.
type Counters struct {
	Sent     uint64 // bytes handed to the connection so far
	Pending  uint64 // of those, bytes not yet written to the socket
	Received uint64 // bytes read from the connection so far
}

func (c Counters) written() uint64 { return c.Sent - min(c.Pending, c.Sent) }

type phase uint8

const (
	waitStartingPlay phase = iota
	playing
	waitStoppedPlay
	waitStartingPublish
	publishing
	waitStoppedPublish
	waitFinal
	finished
)

// tickEvery is how often the play phase refills the connection.
const tickEvery = 10 * time.Millisecond

// maxPending bounds what the play phase queues beyond what the socket took.
const maxPending = 256 << 10

// finalWait is how long the server waits for finalClientPacket (a Flash
// client closes instead), as SRS's 600 ms.
const finalWait = 600 * time.Millisecond

// Result is a finished check, as onSrsBandCheckFinished reports it.
type Result struct {
	Start, End              time.Time
	PlayKbps, PublishKbps   float64
	PlayBytes, PublishBytes uint64
	PlayTime, PublishTime   time.Duration
}

// Session is the server's side of one check (see the package comment).
// Its methods are called from the connection's goroutine or loop only.
type Session struct {
	cfg   Config
	flash bool
	phase phase

	deadline   time.Time // the client must answer by, in the wait phases
	phaseStart time.Time
	base       Counters
	emitted    uint64 // bytes of filler sent in the play phase
	fill       *rtmp.Command
	fillSize   uint64
	res        Result
}

// NewSession prepares a check with cfg; flash is true for a client that
// sent a swfUrl, which skips the replies Flash never sends.
func NewSession(cfg Config, flash bool) *Session {
	if cfg.Duration <= 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.LimitKbps <= 0 {
		cfg.LimitKbps = 1000
	}
	// One tick's worth of the limit per packet, within sane sizes.
	size := min(max(cfg.LimitKbps*1000/8/int(time.Second/tickEvery), 256), 32<<10)
	fill := filler(Playing, size)
	payload, _ := fill.AppendPayload(nil)
	return &Session{cfg: cfg, flash: flash, fill: fill, fillSize: uint64(len(payload))}
}

// Done reports whether the check is over: the connection should close
// once what was sent is written.
func (s *Session) Done() bool { return s.phase == finished }

// Result returns the measurements (complete once Finished was sent).
func (s *Session) Result() Result { return s.res }

func (s *Session) answerTimeout() time.Duration { return 2 * s.cfg.Duration }

// Start begins the check: the start of the play phase.
func (s *Session) Start(now time.Time) []*rtmp.Command {
	s.res.Start = now
	s.phase = waitStartingPlay
	s.deadline = now.Add(s.answerTimeout())
	return []*rtmp.Command{packet(StartPlay, s.phaseInfo(true))}
}

func (s *Session) phaseInfo(withLimit bool) amf.Object {
	var o amf.Object
	if withLimit {
		o = append(o, amf.Property{Key: "limit_kbps", Value: float64(s.cfg.LimitKbps)})
	}
	return append(o, amf.Property{Key: "duration_ms", Value: float64(s.cfg.Duration.Milliseconds())},
		amf.Property{Key: "interval_ms", Value: 0.0})
}

func (s *Session) stopInfo(bytes uint64, d time.Duration) amf.Object {
	return append(s.phaseInfo(false), amf.Property{Key: "duration_delta", Value: float64(d.Milliseconds())},
		amf.Property{Key: "bytes_delta", Value: float64(bytes)})
}

// OnCommand handles a protocol command from the client and returns what
// to send.
func (s *Session) OnCommand(now time.Time, c Counters, cmd *rtmp.Command) ([]*rtmp.Command, error) {
	switch {
	case cmd.Name == Publishing:
		return nil, nil // counted by the connection's bytes
	case cmd.Name == StartingPlay && s.phase == waitStartingPlay:
		s.phase, s.phaseStart, s.base, s.emitted = playing, now, c, 0
		return s.fillUp(now, c), nil
	case cmd.Name == StoppedPlay && s.phase == waitStoppedPlay:
		s.phase, s.deadline = waitStartingPublish, now.Add(s.answerTimeout())
		return []*rtmp.Command{packet(StartPublish, s.phaseInfo(true))}, nil
	case cmd.Name == StartingPublish && s.phase == waitStartingPublish:
		s.phase, s.phaseStart, s.base = publishing, now, c
		return nil, nil
	case cmd.Name == StopPublish:
		if s.phase != publishing {
			return nil, nil // the server ended the phase first
		}
		return s.endPublish(now, c), nil
	case cmd.Name == StoppedPublish && s.phase == waitStoppedPublish:
		return s.finish(now), nil
	case cmd.Name == Final && s.phase == waitFinal:
		s.phase = finished
		return nil, nil
	}
	return nil, fmt.Errorf("%w: %s while %s", ErrUnexpected, cmd.Name, s.phase)
}

// Tick advances the check by the clock. It returns what to send, and when
// to call it again (zero: only after the next command).
func (s *Session) Tick(now time.Time, c Counters) (out []*rtmp.Command, next time.Time, err error) {
	switch s.phase {
	case playing:
		if now.Sub(s.phaseStart) >= s.cfg.Duration {
			s.res.PlayTime = now.Sub(s.phaseStart)
			s.res.PlayBytes = c.written() - s.base.written()
			s.res.PlayKbps = kbps(s.res.PlayBytes, s.res.PlayTime)
			s.phase, s.deadline = waitStoppedPlay, now.Add(s.answerTimeout())
			return []*rtmp.Command{packet(StopPlay, s.stopInfo(s.res.PlayBytes, s.res.PlayTime))}, s.deadline, nil
		}
		return s.fillUp(now, c), now.Add(tickEvery), nil
	case publishing:
		if end := s.phaseStart.Add(s.cfg.Duration); now.Before(end) {
			return nil, end, nil
		}
		return s.endPublish(now, c), s.deadline, nil
	case waitFinal:
		if !now.Before(s.deadline) {
			s.phase = finished
		}
		return nil, s.deadline, nil
	case finished:
		return nil, time.Time{}, nil
	}
	if !now.Before(s.deadline) {
		return nil, time.Time{}, fmt.Errorf("%w (%s)", ErrTimeout, s.phase)
	}
	return nil, s.deadline, nil
}

// fillUp sends filler up to what limit_kbps allows so far, one packet of
// burst, and no more than maxPending beyond what the socket took.
func (s *Session) fillUp(now time.Time, c Counters) []*rtmp.Command {
	allowed := uint64(float64(s.cfg.LimitKbps)*1000/8*now.Sub(s.phaseStart).Seconds()) + s.fillSize
	pending := c.Pending
	var out []*rtmp.Command
	for s.emitted+s.fillSize <= allowed && pending+s.fillSize <= maxPending {
		out = append(out, s.fill)
		s.emitted += s.fillSize
		pending += s.fillSize
	}
	return out
}

func (s *Session) endPublish(now time.Time, c Counters) []*rtmp.Command {
	s.res.PublishTime = now.Sub(s.phaseStart)
	s.res.PublishBytes = c.Received - s.base.Received
	s.res.PublishKbps = kbps(s.res.PublishBytes, s.res.PublishTime)
	out := []*rtmp.Command{packet(StopPublish, s.stopInfo(s.res.PublishBytes, s.res.PublishTime))}
	if s.flash {
		return append(out, s.finish(now)...)
	}
	s.phase, s.deadline = waitStoppedPublish, now.Add(s.answerTimeout())
	return out
}

func (s *Session) finish(now time.Time) []*rtmp.Command {
	s.res.End = now
	s.phase, s.deadline = waitFinal, now.Add(finalWait)
	r := s.res
	return []*rtmp.Command{packet(Finished, amf.Object{
		{Key: "start_time", Value: float64(r.Start.UnixMilli())},
		{Key: "end_time", Value: float64(r.End.UnixMilli())},
		{Key: "play_kbps", Value: float64(int64(r.PlayKbps))},
		{Key: "publish_kbps", Value: float64(int64(r.PublishKbps))},
		{Key: "play_bytes", Value: float64(r.PlayBytes)},
		{Key: "publish_bytes", Value: float64(r.PublishBytes)},
		{Key: "play_time", Value: float64(r.PlayTime.Milliseconds())},
		{Key: "publish_time", Value: float64(r.PublishTime.Milliseconds())},
	})}
}

func (p phase) String() string {
	return [...]string{"waiting for the play start", "playing", "waiting for the play stop",
		"waiting for the publish start", "publishing", "waiting for the publish stop",
		"waiting for the final packet", "finished"}[p]
}
