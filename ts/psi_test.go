package ts

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// psiPacket returns a TS packet holding section hex s on pid, as ffmpeg
// writes it: PUSI, CC 0, pointer_field 0 and 0xFF padding.
func psiPacket(t *testing.T, pid uint16, s string) []byte {
	t.Helper()
	sec, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	p := append([]byte{SyncByte, 0x40 | byte(pid>>8), byte(pid), 0x10, 0}, sec...)
	return append(p, bytes.Repeat([]byte{0xFF}, PacketSize-len(p))...)
}

// TestAppendPATPMT compares PAT and PMT with ffmpeg's output for the same
// program (the H.264 + AAC bytes were taken from an ffmpeg-made .ts file).
func TestAppendPATPMT(t *testing.T) {
	const pat = "00b00d0001c100000001f0002ab104b2"
	tests := []struct {
		name         string
		video, audio Codec
		pmt          string // section without CRC
	}{
		{"h264 aac", CodecH264, CodecAAC, "02b0170001c10000e100f0001be100f0000fe101f000"},
		{"h265 mp3", CodecH265, CodecMP3, "02b0170001c10000e100f00024e100f00003e101f000"},
		{"h264 only", CodecH264, CodecNone, "02b0120001c10000e100f0001be100f000"},
		{"aac only: PCR on audio", CodecNone, CodecAAC, "02b0120001c10000e101f0000fe101f000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMuxer(Config{Video: tt.video, Audio: tt.audio})
			if err != nil {
				t.Fatal(err)
			}
			sec, _ := hex.DecodeString(tt.pmt)
			crc := CRC32(sec)
			pmt := tt.pmt + hex.EncodeToString([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
			want := append(psiPacket(t, PIDPAT, pat), psiPacket(t, PIDPMT, pmt)...)
			got := m.AppendPATPMT(nil)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendPATPMT =\n%s\nwant\n%s", hex.Dump(got), hex.Dump(want))
			}
			// The next pair differs only in the continuity counters.
			got = m.AppendPATPMT(got[:0])
			want[3], want[PacketSize+3] = 0x11, 0x11
			if !bytes.Equal(got, want) {
				t.Fatalf("second AppendPATPMT: CC bytes %02X %02X, want 11 11", got[3], got[PacketSize+3])
			}
		})
	}
}

func TestParseSections(t *testing.T) {
	streams := []pmtStream{{StreamTypeH264, 0x100}, {StreamTypeAAC, 0x101}, {0x06, 0x1FFE}}
	pmt := appendPMTSection(nil, 7, 0x100, streams)
	s, err := parseSection(pmt)
	if err != nil {
		t.Fatal(err)
	}
	if s.tableID != tableIDPMT || s.idExtension != 7 || !s.current {
		t.Fatalf("section header %+v", s)
	}
	var got []pmtStream
	pcr, err := parsePMT(s.body, func(p pmtStream) { got = append(got, p) })
	if err != nil || pcr != 0x100 || len(got) != len(streams) {
		t.Fatalf("parsePMT: pcr 0x%X, streams %v, err %v", pcr, got, err)
	}
	for i := range got {
		if got[i] != streams[i] {
			t.Errorf("stream %d: %+v, want %+v", i, got[i], streams[i])
		}
	}

	pat := appendPATSection(nil, 1, 7, 0x1234)
	s, err = parseSection(pat)
	if err != nil {
		t.Fatal(err)
	}
	var program, pid uint16
	if err := parsePAT(s.body, func(pr, pi uint16) { program, pid = pr, pi }); err != nil || program != 7 || pid != 0x1234 {
		t.Fatalf("parsePAT: program %d pid 0x%X err %v", program, pid, err)
	}

	pat[len(pat)-1] ^= 1
	if _, err := parseSection(pat); !errors.Is(err, ErrCRC) {
		t.Fatalf("corrupted CRC: err %v, want ErrCRC", err)
	}
}

func TestParsePMTErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"short", "e100"},
		{"program info past end", "e100f00501"},
		{"short stream entry", "e100f0001be100"},
		{"ES info past end", "e100f0001be100f00901"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tt.body)
			if _, err := parsePMT(b, func(pmtStream) {}); !errors.Is(err, ErrSection) {
				t.Fatalf("err %v, want ErrSection", err)
			}
		})
	}
}
