package live

// Jitter is the vhost's time_jitter: how publisher timestamps are corrected
// before they are shared by every output.
type Jitter uint8

const (
	JitterFull Jitter = iota // monotonic from 0, jumps replaced by a small step (SRS's "full")
	JitterZero               // shifted so the stream starts at 0
	JitterOff                // as published
)

// ParseJitter maps SRS's time_jitter values; anything unknown is full.
func ParseJitter(s string) Jitter {
	switch s {
	case "zero":
		return JitterZero
	case "off":
		return JitterOff
	}
	return JitterFull
}

const (
	maxJitterMs     = 250 // a step beyond ±this is a jump, not jitter
	defaultFrameMs  = 10  // the step that replaces a jump
	jitterUnsetTime = -1
)

// jitter corrects one source's timestamps. Correction happens once at the
// source (not per player as SRS does), so every player shares the same bytes;
// in full mode the corrected clock carries on across republishes, so players
// that stay see one continuous timeline.
type jitter struct {
	mode    Jitter
	last    int64 // last original timestamp, or jitterUnsetTime
	correct int64 // last corrected timestamp
	base    int64 // zero mode: first original timestamp
	started bool
}

// reset prepares for a new publish.
func (j *jitter) reset(mode Jitter) {
	j.mode = mode
	j.last = jitterUnsetTime
	if mode != JitterFull {
		j.correct, j.started = 0, false
	}
}

func (j *jitter) apply(ts uint32) uint32 {
	t := int64(ts)
	switch j.mode {
	case JitterOff:
		return ts
	case JitterZero:
		if !j.started {
			j.base, j.started = t, true
		}
		if t < j.base {
			return 0
		}
		return uint32(t - j.base)
	}
	delta := int64(0)
	if j.last != jitterUnsetTime {
		delta = t - j.last
		if delta < -maxJitterMs || delta > maxJitterMs {
			delta = defaultFrameMs
		}
	} else if j.started {
		delta = defaultFrameMs // republish: continue just after the old clock
	}
	j.started = true
	j.correct = max(0, j.correct+delta)
	j.last = t
	return uint32(j.correct)
}
