package amf

// AMF3 variable-length unsigned 29-bit integers (U29): one to four bytes,
// big-endian; the first three carry 7 bits each and a continuation flag in
// their high bit, a fourth byte carries 8 bits.

const (
	maxU29    = 1<<29 - 1
	minInt29  = -1 << 28
	maxInt29  = 1<<28 - 1
	maxCount3 = 1<<28 - 1 // lengths and counts stored as U29 << 1
)

// u29 reads a U29 at off.
func (d *decoder) u29(off int, what string) (uint32, int, error) {
	var v uint32
	for i := range 4 {
		if off >= len(d.b) {
			return 0, off, errShort(what, off)
		}
		c := d.b[off]
		off++
		if i == 3 {
			return v<<8 | uint32(c), off, nil
		}
		v = v<<7 | uint32(c&0x7f)
		if c&0x80 == 0 {
			break
		}
	}
	return v, off, nil
}

// appendU29 appends v, which must be at most maxU29.
func appendU29(dst []byte, v uint32) []byte {
	switch {
	case v < 1<<7:
		return append(dst, byte(v))
	case v < 1<<14:
		return append(dst, byte(v>>7)|0x80, byte(v)&0x7f)
	case v < 1<<21:
		return append(dst, byte(v>>14)|0x80, byte(v>>7)|0x80, byte(v)&0x7f)
	default:
		return append(dst, byte(v>>22)|0x80, byte(v>>15)|0x80, byte(v>>8)|0x80, byte(v))
	}
}
