package flv

import (
	"bytes"
	"fmt"
)

// bitReader reads MSB-first bit fields and Exp-Golomb codes. The first
// failure is kept in err; later reads return zero, so a parser can read a
// run of fields and check err once.
type bitReader struct {
	buf []byte
	pos int // in bits
	err error
}

func (r *bitReader) left() int { return len(r.buf)*8 - r.pos }

func (r *bitReader) fail(field string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %w", field, err)
	}
	r.pos = len(r.buf) * 8
}

// bits reads an n-bit unsigned field, 0 <= n <= 32.
func (r *bitReader) bits(field string, n int) uint32 {
	if r.err != nil {
		return 0
	}
	if n > r.left() {
		r.fail(field, ErrTruncated)
		return 0
	}
	var v uint32
	for n > 0 {
		off := r.pos & 7
		avail := 8 - off
		take := min(avail, n)
		c := uint32(r.buf[r.pos>>3]) >> (avail - take) & (1<<take - 1)
		v = v<<take | c
		r.pos += take
		n -= take
	}
	return v
}

func (r *bitReader) flag(field string) bool { return r.bits(field, 1) == 1 }

// skip skips n bits.
func (r *bitReader) skip(field string, n int) {
	if r.err != nil {
		return
	}
	if n > r.left() {
		r.fail(field, ErrTruncated)
		return
	}
	r.pos += n
}

// ue reads an unsigned Exp-Golomb code, ue(v). Codes of more than 32 bits
// (values above 2^32-2) are rejected.
func (r *bitReader) ue(field string) uint32 {
	zeros := 0
	for r.err == nil && r.bits(field, 1) == 0 {
		zeros++
		if zeros > 31 {
			r.fail(field, ErrMalformed)
		}
	}
	if r.err != nil {
		return 0
	}
	return (1<<zeros - 1) + r.bits(field, zeros)
}

// se reads a signed Exp-Golomb code, se(v).
func (r *bitReader) se(field string) int32 {
	k := r.ue(field)
	if k&1 == 1 {
		return int32(k/2 + 1)
	}
	return -int32(k / 2)
}

// ueMax reads ue(v) and fails with ErrMalformed when it exceeds max.
func (r *bitReader) ueMax(field string, max uint32) uint32 {
	v := r.ue(field)
	if v > max {
		r.fail(field, ErrMalformed)
		return 0
	}
	return v
}

// bitWriter appends MSB-first bit fields to a byte slice.
type bitWriter struct {
	buf  []byte
	free int // unused low bits in the last byte of buf
}

// bits writes the n low bits of v, 0 <= n <= 32.
func (w *bitWriter) bits(v uint32, n int) {
	for n > 0 {
		if w.free == 0 {
			w.buf = append(w.buf, 0)
			w.free = 8
		}
		take := min(w.free, n)
		c := byte(v>>(n-take)) & (1<<take - 1)
		w.buf[len(w.buf)-1] |= c << (w.free - take)
		w.free -= take
		n -= take
	}
}

func (w *bitWriter) flag(b bool) {
	if b {
		w.bits(1, 1)
	} else {
		w.bits(0, 1)
	}
}

// unescapeRBSP removes emulation prevention bytes (the 0x03 of each
// 0x000003 sequence) from a NAL unit. It returns b itself when there are
// none.
func unescapeRBSP(b []byte) []byte {
	i := bytes.Index(b, []byte{0, 0, 3})
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

// peek returns the next n bits without consuming them, or 0 when fewer
// are left.
func (r *bitReader) peek(n int) uint32 {
	if r.err != nil || n > r.left() {
		return 0
	}
	pos := r.pos
	v := r.bits("", n)
	r.pos = pos
	return v
}

// slice copies the bits [from, to) of the input, left-aligned.
func (r *bitReader) slice(from, to int) rawBits {
	sub := bitReader{buf: r.buf, pos: from}
	var w bitWriter
	for n := to - from; n > 0; {
		take := min(n, 32)
		w.bits(sub.bits("", take), take)
		n -= take
	}
	return rawBits{b: w.buf, n: to - from}
}

// rest copies the bits that are left.
func (r *bitReader) rest() rawBits {
	v := r.slice(r.pos, len(r.buf)*8)
	r.pos = len(r.buf) * 8
	return v
}

// raw writes bits kept by bitReader.slice.
func (w *bitWriter) raw(v rawBits) {
	sub := bitReader{buf: v.b}
	for n := v.n; n > 0; {
		take := min(n, 32)
		w.bits(sub.bits("", take), take)
		n -= take
	}
}

// align pads with zero bits to a byte boundary.
func (w *bitWriter) align() { w.free = 0 }
