package ts

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSplitAnnexB(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"no start code", "6742", nil},
		{"4-byte start codes", "000000016742000000016801", []string{"6742", "6801"}},
		{"3-byte start codes", "00000167420000016801", []string{"6742", "6801"}},
		{"mixed, leading garbage", "aa0000016742000000016801", []string{"6742", "6801"}},
		{"trailing zeros trimmed", "0000016742000000000000016801000000", []string{"6742", "6801"}},
		{"empty units skipped", "00000100000165", []string{"65"}},
		{"emulation prevention kept", "000001650000030001", []string{"650000030001"}},
		{"start code only", "00000001", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for nalu := range SplitAnnexB(mustHex(t, tt.in)) {
				got = append(got, hex.EncodeToString(nalu))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSplitAnnexBStop(t *testing.T) {
	n := 0
	for range SplitAnnexB(mustHex(t, "000001650000016500000165")) {
		n++
		break
	}
	if n != 1 {
		t.Fatalf("iterated %d times after break", n)
	}
}

func TestAppendAnnexB(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		lengthSize int
		want       string
		err        error
	}{
		{"4-byte lengths", "0000000265b8000000014c", 4, "0000000165b8000000014c", nil},
		{"2-byte lengths", "000265b8", 2, "0000000165b8", nil},
		{"1-byte lengths", "0265b8014c", 1, "0000000165b8000000014c", nil},
		{"zero-length unit skipped", "000000000000000165", 4, "0000000165", nil},
		{"empty", "", 4, "", nil},
		{"length past end", "0000000365b8", 4, "", ErrTruncated},
		{"length field cut", "0000", 4, "", ErrTruncated},
		{"length size 3", "00000165", 3, "", ErrLengthSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte{0xEE}
			got, err := AppendAnnexB(prefix, mustHex(t, tt.in), tt.lengthSize)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if err != nil {
				if !bytes.Equal(got, prefix) {
					t.Fatalf("dst changed on error: %x", got)
				}
				return
			}
			if !bytes.Equal(got[1:], mustHex(t, tt.want)) {
				t.Fatalf("got %x, want %s", got[1:], tt.want)
			}
			// And back.
			back, err := AppendLengthPrefixed(nil, got[1:], tt.lengthSize)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := AppendAnnexB(nil, back, tt.lengthSize)
			if !bytes.Equal(again, got[1:]) {
				t.Fatalf("round trip %x, want %x", again, got[1:])
			}
		})
	}
}

func TestAppendLengthPrefixedTooLarge(t *testing.T) {
	big := append([]byte{0, 0, 1}, bytes.Repeat([]byte{0x65}, 256)...)
	if _, err := AppendLengthPrefixed(nil, big, 1); !errors.Is(err, ErrNALUTooLarge) {
		t.Fatalf("err %v, want ErrNALUTooLarge", err)
	}
	if got, err := AppendLengthPrefixed(nil, big, 2); err != nil || len(got) != 258 || got[0] != 1 || got[1] != 0 {
		t.Fatalf("2-byte lengths: %v, %x", err, got[:2])
	}
}

func TestNALTypes(t *testing.T) {
	tests := []struct {
		nalu           string
		h264, h265     uint8
		key264, key265 bool
	}{
		{"", 0, 0, false, false},
		{"65", H264NALIDR, 50, true, false},
		{"4101", H264NALSlice, 32, false, false},
		{"0901", H264NALAUD, 4, false, false},
		{"2601", 6, 19, false, true},  // H.265 IDR_W_RADL
		{"2a01", 10, 21, false, true}, // H.265 CRA
		{"4601", 6, H265NALAUD, false, false},
	}
	for _, tt := range tests {
		b := mustHex(t, tt.nalu)
		if got := H264NALType(b); got != tt.h264 {
			t.Errorf("H264NALType(%s) = %d, want %d", tt.nalu, got, tt.h264)
		}
		if got := H265NALType(b); got != tt.h265 {
			t.Errorf("H265NALType(%s) = %d, want %d", tt.nalu, got, tt.h265)
		}
		if len(b) > 0 {
			if got := H264IsKeyframeNAL(H264NALType(b)); got != tt.key264 {
				t.Errorf("H264IsKeyframeNAL(%s) = %v", tt.nalu, got)
			}
			if got := H265IsKeyframeNAL(H265NALType(b)); got != tt.key265 {
				t.Errorf("H265IsKeyframeNAL(%s) = %v", tt.nalu, got)
			}
		}
	}
}

func TestSplitAnnexBAllocs(t *testing.T) {
	b := mustHex(t, "0000000167420000000168010000016588840000016588")
	n := testing.AllocsPerRun(100, func() {
		for nalu := range SplitAnnexB(b) {
			_ = nalu
		}
	})
	if n != 0 {
		t.Fatalf("SplitAnnexB allocates %v times", n)
	}
}
