package ts

// bitReader reads big-endian bit fields from a byte slice. Reading past the
// end yields zero bits and sets overrun, so a parser reads all its fields
// and checks once.
type bitReader struct {
	b       []byte
	pos     int // bit position
	overrun bool
}

// read returns the next n bits (n <= 32).
func (r *bitReader) read(n int) uint32 {
	var v uint32
	for range n {
		v <<= 1
		i := r.pos >> 3
		if i >= len(r.b) {
			r.overrun = true
		} else {
			v |= uint32(r.b[i]>>(7-r.pos&7)) & 1
		}
		r.pos++
	}
	return v
}
