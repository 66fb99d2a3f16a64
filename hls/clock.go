package hls

import (
	"github.com/cascade-live/cascade/ts"
)

// timeline turns 32-bit millisecond timestamps into a 64-bit line that
// survives wrapping, by adding the signed 32-bit difference to the last.
type timeline struct {
	started bool
	last    uint32
	cur     int64
}

func (t *timeline) ms(ts uint32) int64 {
	if !t.started {
		t.started, t.last, t.cur = true, ts, int64(ts)
		return t.cur
	}
	t.cur += int64(int32(ts - t.last))
	t.last = ts
	return t.cur
}

// audioClock counts audio samples for hls_dts_directly off, as SRS does:
// the samples of a frame are guessed from the timestamp step.
type audioClock struct {
	started bool
	base    int64 // milliseconds
	prev    int64
	samples int64
}

func (c *audioClock) dts(ms int64, rate int) int64 {
	if !c.started || ms < c.prev {
		c.started, c.base, c.prev, c.samples = true, ms, ms, 0
	}
	guess := (ms - c.prev) * int64(rate) / 1000
	c.prev = ms
	switch {
	case guess <= 0:
	case guess < 960:
		c.samples += 960
	case guess < 1536:
		c.samples += 1024
	case guess < 3072:
		c.samples += 2048
	default:
		c.samples += 4096
	}
	return c.base*90 + c.samples*ts.ClockRate/int64(rate)
}
