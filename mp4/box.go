package mp4

import "encoding/binary"

// beginBox appends a box header with a size to be filled in by endBox, and
// returns where the box starts.
func beginBox(b []byte, typ string) ([]byte, int) {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	return append(b, typ...), start
}

// beginFullBox is beginBox with the version and flags of a FullBox.
func beginFullBox(b []byte, typ string, version uint8, flags uint32) ([]byte, int) {
	b, start := beginBox(b, typ)
	return append(b, version, byte(flags>>16), byte(flags>>8), byte(flags)), start
}

// endBox writes the size of the box started at start.
func endBox(b []byte, start int) []byte {
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start))
	return b
}

func u16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func u32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func u64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// zeros appends n zero bytes.
func zeros(b []byte, n int) []byte {
	for range n {
		b = append(b, 0)
	}
	return b
}

// unityMatrix is the identity transformation of mvhd and tkhd.
var unityMatrix = [9]uint32{0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000}

func appendMatrix(b []byte) []byte {
	for _, v := range unityMatrix {
		b = u32(b, v)
	}
	return b
}
