package hls

import (
	"strconv"
	"strings"
	"time"
)

// Path templates (hls_m3u8_file, hls_ts_file, hls_key_file) take SRS's
// placeholders: [vhost] [app] [stream] of the stream; [seq] of the
// segment (or of the segment that starts a key); [duration] of the segment
// in milliseconds; and the wall time of the segment's start as SRS's
// Go-style [2006] [01] [02] [15] [04] [05] [999] and [timestamp] (Unix
// milliseconds, or with hls_ts_floor the fragment counter). As in SRS,
// the playlist's name takes the stream's placeholders only, a key's the
// stream's and [seq]; other placeholders are left as written.

// pathVars are the values a template is expanded with.
type pathVars struct {
	id       StreamID
	seq      int
	duration time.Duration
	wall     time.Time // zero: no time placeholders
	floorTS  int64     // with hls_ts_floor, [timestamp]
	hasSeq   bool      // [seq] and [duration] are known
	hasFloor bool
}

// expand replaces the placeholders of tmpl in one pass: values put in are
// not scanned again, so a stream named "[seq]" stays so named.
func (v *pathVars) expand(tmpl string) string {
	if !strings.Contains(tmpl, "[") {
		return tmpl
	}
	b := make([]byte, 0, len(tmpl)+32)
	for i := 0; i < len(tmpl); {
		if tmpl[i] == '[' {
			if n := strings.IndexByte(tmpl[i:], ']'); n > 0 {
				if out, ok := v.appendVar(b, tmpl[i+1:i+n]); ok {
					b, i = out, i+n+1
					continue
				}
			}
		}
		b = append(b, tmpl[i])
		i++
	}
	return string(b)
}

// appendVar appends the value of the placeholder [name], if it has one.
func (v *pathVars) appendVar(b []byte, name string) ([]byte, bool) {
	switch name {
	case "vhost":
		return append(b, v.id.Vhost...), true
	case "app":
		return append(b, v.id.App...), true
	case "stream":
		return append(b, v.id.Stream...), true
	}
	if v.hasSeq {
		switch name {
		case "seq":
			return strconv.AppendInt(b, int64(v.seq), 10), true
		case "duration":
			return strconv.AppendInt(b, v.duration.Milliseconds(), 10), true
		}
	}
	if v.wall.IsZero() {
		return b, false
	}
	t := v.wall
	switch name {
	case "2006":
		return appendPadded(b, t.Year(), 4), true
	case "01":
		return appendPadded(b, int(t.Month()), 2), true
	case "02":
		return appendPadded(b, t.Day(), 2), true
	case "15":
		return appendPadded(b, t.Hour(), 2), true
	case "04":
		return appendPadded(b, t.Minute(), 2), true
	case "05":
		return appendPadded(b, t.Second(), 2), true
	case "999":
		return appendPadded(b, t.Nanosecond()/int(time.Millisecond), 3), true
	case "timestamp":
		if v.hasFloor {
			return strconv.AppendInt(b, v.floorTS, 10), true
		}
		return strconv.AppendInt(b, t.UnixMilli(), 10), true
	}
	return b, false
}

// appendPadded appends n in decimal with at least width digits.
func appendPadded(b []byte, n, width int) []byte {
	for d, limit := 1, 10; d < width; d, limit = d+1, limit*10 {
		if n < limit {
			b = append(b, '0')
		}
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// floorCounter numbers segments by wall time for hls_ts_floor, as SRS
// does: [timestamp] is floor(now/hls_fragment), kept strictly increasing
// by one per segment while the real floor runs at most 20 fragments
// behind, and the deviation between the two stretches or shortens the next
// cut by 30% of a fragment per step so that names and time stay together.
type floorCounter struct {
	accepted  int64 // last [timestamp] given
	deviation int64 // accepted - current floor at the last segment
}

// floorJump is how far ahead of the wall clock the counter may run before
// it jumps back (SRS_JUMP_WHEN_PIECE_DEVIATION).
const floorJump = 20

// floorReapPercent scales the deviation into a cut adjustment
// (SRS_HLS_FLOOR_REAP_PERCENT).
const floorReapPercent = 0.3

// next returns the [timestamp] of a segment starting at now.
func (f *floorCounter) next(now time.Time, fragment time.Duration) int64 {
	current := now.UnixMilli() / max(fragment.Milliseconds(), 1)
	if f.accepted == 0 {
		f.accepted = current - 1
	} else {
		f.accepted++
	}
	if f.accepted-current > floorJump {
		f.accepted = current - 1
	}
	f.deviation = f.accepted - current
	return f.accepted
}

// adjust is the change hls_ts_floor makes to the cut thresholds.
func (f *floorCounter) adjust(fragment time.Duration) time.Duration {
	return time.Duration(floorReapPercent * float64(f.deviation) * float64(fragment))
}
