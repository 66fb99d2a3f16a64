package ts

import (
	"encoding/hex"
	"hash/crc32"
	"testing"
)

func TestCRC32(t *testing.T) {
	tests := []struct {
		name string
		in   string // hex
		want uint32
	}{
		{"empty", "", 0xFFFFFFFF},
		// The CRC-32/MPEG-2 check value (CRC catalogue): CRC of "123456789".
		{"check 123456789", hex.EncodeToString([]byte("123456789")), 0x0376E6E7},
		// ffmpeg's PAT section (transport_stream_id 1, program 1 on PID
		// 0x1000) ends in CRC 2A B1 04 B2.
		{"ffmpeg PAT", "00b00d0001c100000001f000", 0x2AB104B2},
		// ffmpeg's PMT for H.264 on PID 0x100 (PCR PID) and AAC on 0x101.
		{"ffmpeg PMT", "02b0170001c10000e100f0001be100f0000fe101f000", 0x2F44B99B},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := hex.DecodeString(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := CRC32(in)
			if got != tt.want {
				t.Errorf("CRC32(%s) = %08X, want %08X", tt.in, got, tt.want)
			}
			// A section followed by its CRC checks to zero.
			in = append(in, byte(got>>24), byte(got>>16), byte(got>>8), byte(got))
			if r := CRC32(in); len(tt.in) > 0 && r != 0 {
				t.Errorf("CRC32 over data and CRC = %08X, want 0", r)
			}
		})
	}
}

// TestCRC32NotIEEE guards against the reflected table of hash/crc32.
func TestCRC32NotIEEE(t *testing.T) {
	b := []byte("123456789")
	if CRC32(b) == crc32.ChecksumIEEE(b) {
		t.Fatal("CRC32 matches IEEE CRC-32")
	}
}

// TestCRC32Bitwise checks the table against a bit-at-a-time computation.
func TestCRC32Bitwise(t *testing.T) {
	bitwise := func(b []byte) uint32 {
		c := uint32(0xFFFFFFFF)
		for _, v := range b {
			for i := 7; i >= 0; i-- {
				bit := (c>>31)^uint32(v>>i&1) != 0
				c <<= 1
				if bit {
					c ^= 0x04C11DB7
				}
			}
		}
		return c
	}
	b := make([]byte, 1024)
	for i := range b {
		b[i] = byte(i*7 + i>>3)
	}
	for n := 0; n <= len(b); n += 61 {
		if got, want := CRC32(b[:n]), bitwise(b[:n]); got != want {
			t.Fatalf("CRC32 of %d bytes = %08X, bitwise %08X", n, got, want)
		}
	}
}
