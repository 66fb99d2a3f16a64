package ts

// crcTable is the byte-wise table of the CRC-32 used by PSI sections
// (H.222.0 Annex A): polynomial 0x04C11DB7 processed MSB first. It is not
// the reflected IEEE table of hash/crc32.
var crcTable = func() (t [256]uint32) {
	const poly = 0x04C11DB7
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ poly
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC32 returns the MPEG-2 CRC-32 of b (CRC-32/MPEG-2: initial value
// 0xFFFFFFFF, no reflection, no final XOR). A PSI section including its
// trailing CRC_32 field checks to zero.
func CRC32(b []byte) uint32 {
	c := uint32(0xFFFFFFFF)
	for _, v := range b {
		c = c<<8 ^ crcTable[byte(c>>24)^v]
	}
	return c
}
