package ts

import "slices"

// TS packet header and adaptation field layout (H.222.0 2.4.3.2, 2.4.3.4).
const (
	packetHeaderSize  = 4
	packetPayloadSize = PacketSize - packetHeaderSize // 184

	flagPUSI = 0x40 // payload_unit_start_indicator, in byte 1
	flagTEI  = 0x80 // transport_error_indicator, in byte 1

	afcPayload   = 0x10 // adaptation_field_control: payload only
	afcAdaptFlag = 0x20 // adaptation_field_control: adaptation field present

	afDiscontinuity = 0x80
	afRandomAccess  = 0x40
	afPCR           = 0x10

	pcrSize = 6
)

// noPCR tells appendPES not to write a PCR.
const noPCR = -1

// stuffing is a packet's worth of 0xFF stuffing bytes to copy from.
var stuffing = func() (b [PacketSize]byte) {
	for i := range b {
		b[i] = 0xFF
	}
	return b
}()

// growPacket extends dst by one packet and returns the extended slice and
// the new packet's bytes, whose every byte the caller must write.
func growPacket(dst []byte) (out, pkt []byte) {
	n := len(dst)
	dst = slices.Grow(dst, PacketSize)[:n+PacketSize]
	return dst, dst[n:]
}

// putPCR writes a PCR with base in 90 kHz ticks and extension 0.
func putPCR(b []byte, base int64) {
	v := uint64(base) & timestampMask
	b[0] = byte(v >> 25)
	b[1] = byte(v >> 17)
	b[2] = byte(v >> 9)
	b[3] = byte(v >> 1)
	b[4] = byte(v<<7) | 0x7E // 6 reserved bits, extension bit 8 = 0
	b[5] = 0
}

// parsePCR reads a PCR and returns its base (90 kHz); the 27 MHz extension
// is dropped.
func parsePCR(b []byte) int64 {
	return int64(b[0])<<25 | int64(b[1])<<17 | int64(b[2])<<9 | int64(b[3])<<1 | int64(b[4]>>7)
}

// appendPES packetizes one PES packet, given as a list of pieces whose
// lengths add up to size, into TS packets on pid. The first packet carries
// the PCR (if pcr >= 0) and the random_access_indicator (if rai). The last
// packet is padded with adaptation field stuffing.
func appendPES(dst []byte, pid uint16, cc *uint8, pieces [][]byte, size int, pcr int64, rai bool) []byte {
	dst = slices.Grow(dst, (size/(packetPayloadSize-2-pcrSize)+2)*PacketSize)
	piece, off := 0, 0
	first := true
	for remaining := size; remaining > 0; {
		var pkt []byte
		dst, pkt = growPacket(dst)

		afLen, flags := 0, byte(0) // afLen counts adaptation_field_length's own byte
		if first {
			if pcr >= 0 {
				flags |= afPCR
				afLen = 2 + pcrSize
			}
			if rai {
				flags |= afRandomAccess
				afLen = max(afLen, 2)
			}
		}
		room := packetPayloadSize - afLen
		if remaining < room {
			afLen += room - remaining
			room = remaining
		}

		pkt[0] = SyncByte
		pkt[1] = byte(pid>>8) & 0x1F
		if first {
			pkt[1] |= flagPUSI
		}
		pkt[2] = byte(pid)
		pkt[3] = afcPayload | *cc
		if afLen > 0 {
			pkt[3] |= afcAdaptFlag
			pkt[4] = byte(afLen - 1)
			i := 5
			if afLen > 1 {
				pkt[5] = flags
				i = 6
				if flags&afPCR != 0 {
					putPCR(pkt[6:], pcr)
					i += pcrSize
				}
			}
			copy(pkt[i:packetHeaderSize+afLen], stuffing[:])
		}
		*cc = (*cc + 1) & 0xF

		out := pkt[packetHeaderSize+afLen:]
		for len(out) > 0 {
			n := copy(out, pieces[piece][off:])
			out, off = out[n:], off+n
			if off == len(pieces[piece]) {
				piece, off = piece+1, 0
			}
		}
		remaining -= room
		first = false
	}
	return dst
}
