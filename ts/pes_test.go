package ts

import (
	"errors"
	"testing"
)

func TestTimestampRoundTrip(t *testing.T) {
	for _, ts := range []int64{0, 1, 90000, 1<<32 + 12345, timestampMask, 1 << 33, -3600} {
		b := appendTimestamp(nil, timestampPrefixPT, ts)
		if len(b) != timestampSize || b[0]>>4 != timestampPrefixPT || b[0]&1 != 1 || b[2]&1 != 1 || b[4]&1 != 1 {
			t.Fatalf("timestamp %d encoded as %x: bad prefix or markers", ts, b)
		}
		if got, want := parseTimestamp(b), ts&timestampMask; got != want {
			t.Errorf("timestamp %d: parsed %d, want %d", ts, got, want)
		}
	}
}

func TestPCRRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, 123456789, timestampMask} {
		var b [pcrSize]byte
		putPCR(b[:], v)
		if b[4]&0x7E != 0x7E {
			t.Fatalf("PCR %d: reserved bits %x", v, b[4])
		}
		if got := parsePCR(b[:]); got != v {
			t.Errorf("PCR %d parsed as %d", v, got)
		}
	}
}

func TestPESHeader(t *testing.T) {
	tests := []struct {
		name       string
		id         uint8
		pts, dts   int64
		payload    int
		bounded    bool
		wantLength int
		wantSize   int
	}{
		{"video PTS+DTS unbounded", StreamIDVideo, 9000, 6000, 100000, false, 0, 19},
		{"video PTS only", StreamIDVideo, 9000, 9000, 100, false, 0, 14},
		{"audio bounded", StreamIDAudio, 9000, 9000, 380, true, 3 + 5 + 380, 14},
		{"audio too long for the field", StreamIDAudio, 0, 0, 70000, true, 0, 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := appendPESHeader(nil, tt.id, tt.pts, tt.dts, tt.payload, tt.bounded)
			if len(b) != tt.wantSize {
				t.Fatalf("header of %d bytes, want %d", len(b), tt.wantSize)
			}
			h, err := parsePESHeader(b)
			if err != nil {
				t.Fatal(err)
			}
			want := pesHeader{streamID: tt.id, length: tt.wantLength, headerSize: tt.wantSize, pts: tt.pts, dts: tt.dts}
			if h != want {
				t.Fatalf("parsed %+v, want %+v", h, want)
			}
		})
	}
}

func TestParsePESHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"short", "000001e0"},
		{"no start code", "000002e00000800000"},
		{"optional header cut", "000001e0000080"},
		{"bad marker bits", "000001e0000040000000"},
		{"header data past end", "000001e000008080052100"},
		{"PTS flag, no room", "000001e00000808000"},
		{"PTS+DTS flags, room for PTS", "000001e00000c0c0052100010001"},
		{"length shorter than header", "000001c0000480800521000100010000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parsePESHeader(mustHex(t, tt.in)); !errors.Is(err, ErrPES) {
				t.Fatalf("err %v, want ErrPES", err)
			}
		})
	}
	// Padding streams have no optional header.
	h, err := parsePESHeader(mustHex(t, "000001be0004ffffffff"))
	if err != nil || h.headerSize != pesFixedSize || h.pts != NoTimestamp {
		t.Fatalf("padding stream: %+v %v", h, err)
	}
}
