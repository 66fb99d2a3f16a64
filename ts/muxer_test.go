package ts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/cascade-live/cascade/buffer"
)

// tsPacket is a TS packet taken apart by the tests, independently of the
// demuxer.
type tsPacket struct {
	pid           uint16
	start         bool
	cc            uint8
	hasAF         bool
	afLen         int
	rai           bool
	pcr           int64 // NoTimestamp without
	stuffingValid bool  // adaptation field stuffing is all 0xFF
	payload       []byte
}

func splitPackets(t testing.TB, b []byte) []tsPacket {
	t.Helper()
	if len(b)%PacketSize != 0 {
		t.Fatalf("%d bytes is not a whole number of packets", len(b))
	}
	var out []tsPacket
	for ; len(b) > 0; b = b[PacketSize:] {
		p := b[:PacketSize]
		if p[0] != SyncByte {
			t.Fatalf("packet %d: sync byte 0x%02X", len(out), p[0])
		}
		tp := tsPacket{pid: binary.BigEndian.Uint16(p[1:]) & 0x1FFF, start: p[1]&0x40 != 0, cc: p[3] & 0xF,
			pcr: NoTimestamp, stuffingValid: true}
		if p[3]&0x30 == 0 || p[3]&0x10 == 0 {
			t.Fatalf("packet %d: adaptation_field_control %d", len(out), p[3]>>4&3)
		}
		payload := p[4:]
		if p[3]&0x20 != 0 {
			tp.hasAF = true
			tp.afLen = int(payload[0])
			af := payload[1 : 1+tp.afLen]
			payload = payload[1+tp.afLen:]
			if len(af) > 0 {
				tp.rai = af[0]&0x40 != 0
				rest := af[1:]
				if af[0]&0x10 != 0 {
					tp.pcr = parsePCR(rest)
					rest = rest[6:]
				}
				for _, v := range rest {
					tp.stuffingValid = tp.stuffingValid && v == 0xFF
				}
			}
		}
		tp.payload = payload
		out = append(out, tp)
	}
	return out
}

// checkContinuity checks that each PID's continuity counter steps by one.
func checkContinuity(t testing.TB, packets []tsPacket) {
	t.Helper()
	last := map[uint16]uint8{}
	for i, p := range packets {
		if prev, ok := last[p.pid]; ok && p.cc != (prev+1)&0xF {
			t.Fatalf("packet %d PID 0x%X: CC %d after %d", i, p.pid, p.cc, prev)
		}
		last[p.pid] = p.cc
	}
}

// lengthPrefixed builds a length-prefixed access unit of NAL units.
func lengthPrefixed(nalus ...[]byte) []byte {
	var b []byte
	for _, n := range nalus {
		b = binary.BigEndian.AppendUint32(b, uint32(len(n)))
		b = append(b, n...)
	}
	return b
}

// annexB builds the Annex B form the muxer should write.
func annexB(nalus ...[]byte) []byte {
	var b []byte
	for _, n := range nalus {
		b = append(append(b, 0, 0, 0, 1), n...)
	}
	return b
}

// pesPayloads reassembles the PES packets of pid from packets, checking
// every packet's framing.
func pesPayloads(t testing.TB, packets []tsPacket, pid uint16) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range packets {
		if p.pid != pid {
			continue
		}
		if !p.stuffingValid {
			t.Fatalf("PID 0x%X: adaptation field stuffing not 0xFF", pid)
		}
		if p.start {
			out = append(out, nil)
		}
		if len(out) == 0 {
			t.Fatalf("PID 0x%X: payload before the first PUSI", pid)
		}
		out[len(out)-1] = append(out[len(out)-1], p.payload...)
	}
	return out
}

var (
	testSPS = []byte{0x67, 0x42, 0xC0, 0x1E, 0xAB}
	testPPS = []byte{0x68, 0xCE, 0x3C, 0x80}
	testIDR = append([]byte{0x65, 0x88, 0x84}, bytes.Repeat([]byte{0x5A}, 1000)...)
	testP   = []byte{0x41, 0x9A, 0x02, 0x03}
	testAUD = []byte{0x09, 0x10}
	testSEI = []byte{0x06, 0x05, 0x01, 0x80}
)

func TestMuxVideoAnnexB(t *testing.T) {
	tests := []struct {
		name  string
		key   bool
		nalus [][]byte
		want  [][]byte
	}{
		{"keyframe gets AUD and parameter sets", true, [][]byte{testIDR},
			[][]byte{{0x09, 0xF0}, testSPS, testPPS, testIDR}},
		{"keyframe with SEI", true, [][]byte{testSEI, testIDR},
			[][]byte{{0x09, 0xF0}, testSPS, testPPS, testSEI, testIDR}},
		{"keyframe carrying its own SPS", true, [][]byte{testSPS, testPPS, testIDR},
			[][]byte{{0x09, 0xF0}, testSPS, testPPS, testIDR}},
		{"own AUD kept first, parameter sets after it", true, [][]byte{testAUD, testIDR},
			[][]byte{testAUD, testSPS, testPPS, testIDR}},
		{"inter frame gets AUD only", false, [][]byte{testP},
			[][]byte{{0x09, 0xF0}, testP}},
		{"inter frame with AUD unchanged", false, [][]byte{testAUD, testP},
			[][]byte{testAUD, testP}},
		{"empty NAL units dropped", false, [][]byte{{}, testP, {}},
			[][]byte{{0x09, 0xF0}, testP}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMuxer(Config{Video: CodecH264})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.SetH264Params([][]byte{testSPS}, [][]byte{testPPS}); err != nil {
				t.Fatal(err)
			}
			out, err := m.AppendVideo(nil, 9000, 3000, tt.key, lengthPrefixed(tt.nalus...))
			if err != nil {
				t.Fatal(err)
			}
			packets := splitPackets(t, out)
			pes := pesPayloads(t, packets, PIDVideo)
			if len(pes) != 1 {
				t.Fatalf("%d PES packets", len(pes))
			}
			h, err := parsePESHeader(pes[0])
			if err != nil {
				t.Fatal(err)
			}
			if h.pts != 9000 || h.dts != 3000 || h.length != 0 || h.streamID != StreamIDVideo {
				t.Fatalf("PES header %+v", h)
			}
			if got, want := pes[0][h.headerSize:], annexB(tt.want...); !bytes.Equal(got, want) {
				t.Fatalf("payload\n%x\nwant\n%x", got, want)
			}
			if first := packets[0]; !first.start || first.rai != tt.key || first.pcr != 3000 {
				t.Fatalf("first packet: start %v rai %v pcr %d", first.start, first.rai, first.pcr)
			}
			for _, p := range packets[1:] {
				if p.start || p.rai || p.pcr != NoTimestamp {
					t.Fatalf("later packet with start %v rai %v pcr %d", p.start, p.rai, p.pcr)
				}
			}
		})
	}
}

func TestMuxH265(t *testing.T) {
	vps, sps, pps := []byte{0x40, 0x01, 0x0C}, []byte{0x42, 0x01, 0x01}, []byte{0x44, 0x01, 0xC1}
	idr := []byte{0x26, 0x01, 0xAF, 0x11}
	trail := []byte{0x02, 0x01, 0xD0, 0x22}
	m, err := NewMuxer(Config{Video: CodecH265})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetH264Params(nil, nil); !errors.Is(err, ErrNoStream) {
		t.Fatalf("SetH264Params on H.265 muxer: %v", err)
	}
	if err := m.SetH265Params([][]byte{vps}, [][]byte{sps}, [][]byte{pps}); err != nil {
		t.Fatal(err)
	}
	out, err := m.AppendVideo(nil, 0, 0, true, lengthPrefixed(idr))
	if err != nil {
		t.Fatal(err)
	}
	out, err = m.AppendVideo(out, 3600, 3600, false, lengthPrefixed(trail))
	if err != nil {
		t.Fatal(err)
	}
	pes := pesPayloads(t, splitPackets(t, out), PIDVideo)
	aud := []byte{0x46, 0x01, 0x50}
	for i, want := range [][]byte{annexB(aud, vps, sps, pps, idr), annexB(aud, trail)} {
		h, _ := parsePESHeader(pes[i])
		if got := pes[i][h.headerSize:]; !bytes.Equal(got, want) {
			t.Errorf("frame %d: %x, want %x", i, got, want)
		}
	}
}

func TestMuxAudio(t *testing.T) {
	raw := bytes.Repeat([]byte{0x21, 0x1B}, 190)
	tests := []struct {
		name      string
		cfg       Config
		asc       []byte
		data      []byte
		wantADTS  bool
		wantPCR   bool
		wantStart []byte
	}{
		{"AAC wrapped in ADTS, PCR when audio-only", Config{Audio: CodecAAC}, []byte{0x12, 0x10}, raw, true, true, nil},
		{"AAC beside video: no PCR", Config{Video: CodecH264, Audio: CodecAAC}, []byte{0x11, 0x90}, raw, true, false, nil},
		{"ADTS frame passed through", Config{Audio: CodecAAC}, nil,
			append(mustHex(t, "fff150801f9ffc"), bytes.Repeat([]byte{1}, 245)...), false, true, mustHex(t, "fff150801f9ffc")},
		{"MP3 as is", Config{Audio: CodecMP3}, nil, mustHex(t, "fffb5064000000"), false, true, mustHex(t, "fffb5064")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMuxer(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tt.asc != nil {
				if err := m.SetAACConfig(tt.asc); err != nil {
					t.Fatal(err)
				}
			}
			out, err := m.AppendAudio(nil, 123456, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			packets := splitPackets(t, out)
			if !packets[0].rai || (packets[0].pcr == 123456) != tt.wantPCR {
				t.Fatalf("first packet: rai %v pcr %d", packets[0].rai, packets[0].pcr)
			}
			pes := pesPayloads(t, packets, PIDAudio)
			h, err := parsePESHeader(pes[0])
			if err != nil {
				t.Fatal(err)
			}
			payload := pes[0][h.headerSize:]
			if h.pts != 123456 || h.dts != 123456 || h.streamID != StreamIDAudio || h.length != len(pes[0])-pesFixedSize {
				t.Fatalf("PES header %+v for %d bytes", h, len(pes[0]))
			}
			if tt.wantADTS {
				a, err := ParseADTS(payload)
				if err != nil || a.FrameLength != len(payload) || !bytes.Equal(payload[ADTSHeaderSize:], tt.data) {
					t.Fatalf("ADTS %+v %v, payload of %d bytes", a, err, len(payload))
				}
				c, _ := ParseAudioSpecificConfig(tt.asc)
				if a.SampleRate != c.SampleRate || a.ChannelConfig != c.ChannelConfig || a.ObjectType != c.ObjectType {
					t.Fatalf("ADTS %+v for config %+v", a, c)
				}
			} else if !bytes.Equal(payload, tt.data) {
				t.Fatalf("payload %x, want %x", payload, tt.data)
			}
		})
	}
}

func TestMuxErrors(t *testing.T) {
	video, _ := NewMuxer(Config{Video: CodecH264})
	aac, _ := NewMuxer(Config{Audio: CodecAAC})
	tests := []struct {
		name string
		call func(dst []byte) ([]byte, error)
		err  error
	}{
		{"audio on video-only", func(d []byte) ([]byte, error) { return video.AppendAudio(d, 0, []byte{1}) }, ErrNoStream},
		{"video on audio-only", func(d []byte) ([]byte, error) { return aac.AppendVideo(d, 0, 0, true, lengthPrefixed(testP)) }, ErrNoStream},
		{"AAC before config", func(d []byte) ([]byte, error) { return aac.AppendAudio(d, 0, []byte{0x21, 0x1B}) }, ErrNoAACConfig},
		{"empty audio", func(d []byte) ([]byte, error) { return aac.AppendAudio(d, 0, nil) }, ErrEmptyFrame},
		{"empty video", func(d []byte) ([]byte, error) { return video.AppendVideo(d, 0, 0, false, nil) }, ErrEmptyFrame},
		{"only empty NAL units", func(d []byte) ([]byte, error) { return video.AppendVideo(d, 0, 0, false, make([]byte, 8)) }, ErrEmptyFrame},
		{"NAL unit length past end", func(d []byte) ([]byte, error) {
			return video.AppendVideo(d, 0, 0, false, []byte{0, 0, 1, 0, 0x65})
		}, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte{1, 2, 3}
			got, err := tt.call(dst)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if !bytes.Equal(got, dst) {
				t.Fatalf("dst changed on error")
			}
		})
	}

	for _, cfg := range []Config{{}, {Video: CodecAAC}, {Audio: CodecH264}, {Video: CodecH264, NALULengthSize: 3}} {
		if _, err := NewMuxer(cfg); err == nil {
			t.Errorf("NewMuxer(%+v) succeeded", cfg)
		}
	}
	if err := aac.SetAACConfig([]byte{0x12}); !errors.Is(err, ErrAudioSpecificConfig) {
		t.Errorf("SetAACConfig(short) = %v", err)
	}
	if err := video.SetAACConfig([]byte{0x12, 0x10}); !errors.Is(err, ErrNoStream) {
		t.Errorf("SetAACConfig on video-only = %v", err)
	}
	if err := video.SetH264Params([][]byte{{}}, nil); !errors.Is(err, ErrEmptyFrame) {
		t.Errorf("SetH264Params(empty SPS) = %v", err)
	}
	if err := video.SetNALULengthSize(3); !errors.Is(err, ErrLengthSize) {
		t.Errorf("SetNALULengthSize(3) = %v", err)
	}
}

func TestMuxNALULengthSize(t *testing.T) {
	m, _ := NewMuxer(Config{Video: CodecH264, NALULengthSize: 2})
	out, err := m.AppendVideo(nil, 0, 0, false, []byte{0, 4, 0x41, 0x9A, 0x02, 0x03})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetNALULengthSize(1); err != nil || m.Config().NALULengthSize != 1 {
		t.Fatal(err)
	}
	out, err = m.AppendVideo(out, 3000, 3000, false, []byte{4, 0x41, 0x9A, 0x02, 0x03})
	if err != nil {
		t.Fatal(err)
	}
	for _, pes := range pesPayloads(t, splitPackets(t, out), PIDVideo) {
		h, _ := parsePESHeader(pes)
		if got, want := pes[h.headerSize:], annexB([]byte{0x09, 0xF0}, testP); !bytes.Equal(got, want) {
			t.Fatalf("payload %x, want %x", got, want)
		}
	}
}

// TestMuxPacketization checks framing, stuffing and continuity over PES
// sizes around packet boundaries, where the adaptation field is 1 byte
// (length only), 2 bytes or longer.
func TestMuxPacketization(t *testing.T) {
	m, _ := NewMuxer(Config{Video: CodecH264, Audio: CodecMP3})
	var out []byte
	var want [][]byte
	for n := 1; n <= 3*PacketSize; n++ {
		data := bytes.Repeat([]byte{byte(n)}, n)
		var err error
		if n%2 == 0 {
			out, err = m.AppendAudio(out, int64(n), data)
		} else {
			data[0] = 0x41 // a non-IDR slice
			out, err = m.AppendVideo(out, int64(n), int64(n), n%3 == 0, lengthPrefixed(data))
		}
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, data)
	}
	packets := splitPackets(t, out)
	checkContinuity(t, packets)
	video, audio := pesPayloads(t, packets, PIDVideo), pesPayloads(t, packets, PIDAudio)
	for n := 1; n <= len(want); n++ {
		var pes []byte
		if n%2 == 0 {
			pes, audio = audio[0], audio[1:]
		} else {
			pes, video = video[0], video[1:]
		}
		h, err := parsePESHeader(pes)
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		payload := pes[h.headerSize:]
		if n%2 == 1 {
			payload = payload[len(h264AUD)+len(startCode):]
		}
		if !bytes.Equal(payload, want[n-1]) || h.pts != int64(n) {
			t.Fatalf("size %d: payload of %d bytes, pts %d", n, len(payload), h.pts)
		}
	}
}

func TestMuxTimestampWrap(t *testing.T) {
	m, _ := NewMuxer(Config{Video: CodecH264})
	out, err := m.AppendVideo(nil, 1<<33+100, 1<<33+50, true, lengthPrefixed(testIDR))
	if err != nil {
		t.Fatal(err)
	}
	packets := splitPackets(t, out)
	h, _ := parsePESHeader(pesPayloads(t, packets, PIDVideo)[0])
	if h.pts != 100 || h.dts != 50 || packets[0].pcr != 50 {
		t.Fatalf("pts %d dts %d pcr %d, want 100 50 50", h.pts, h.dts, packets[0].pcr)
	}
}

func TestMuxPSIBeforeKeyframes(t *testing.T) {
	m, _ := NewMuxer(Config{Video: CodecH264, PSIBeforeKeyframes: true})
	out, _ := m.AppendVideo(nil, 0, 0, true, lengthPrefixed(testIDR))
	out, _ = m.AppendVideo(out, 3000, 3000, false, lengthPrefixed(testP))
	out, _ = m.AppendVideo(out, 6000, 6000, true, lengthPrefixed(testIDR))
	var pids []uint16
	for _, p := range splitPackets(t, out) {
		if p.start {
			pids = append(pids, p.pid)
		}
	}
	want := []uint16{PIDPAT, PIDPMT, PIDVideo, PIDVideo, PIDPAT, PIDPMT, PIDVideo}
	if !bytes.Equal(u16bytes(pids), u16bytes(want)) {
		t.Fatalf("unit starts on PIDs %x, want %x", pids, want)
	}
}

func u16bytes(v []uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.BigEndian.AppendUint16(b, x)
	}
	return b
}

func TestMuxWriteBuffer(t *testing.T) {
	m, _ := NewMuxer(Config{Video: CodecH264, Audio: CodecAAC})
	if err := m.SetAACConfig([]byte{0x12, 0x10}); err != nil {
		t.Fatal(err)
	}
	b := buffer.Get()
	defer b.Release()
	m.WritePATPMT(b)
	if err := m.WriteVideo(b, 0, 0, true, lengthPrefixed(testIDR)); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteAudio(b, 0, []byte{0x21, 0x1B}); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteAudio(b, 0, nil); !errors.Is(err, ErrEmptyFrame) {
		t.Fatalf("WriteAudio(nil) = %v", err)
	}
	packets := splitPackets(t, b.B)
	// PAT, PMT; 14-byte PES header, AUD and IDR (1023 bytes) in 6 packets;
	// one AAC frame.
	if len(packets) != 2+6+1 {
		t.Fatalf("%d packets", len(packets))
	}
}

// TestMuxAllocs checks that steady-state muxing allocates nothing.
func TestMuxAllocs(t *testing.T) {
	m, _ := NewMuxer(Config{Video: CodecH264, Audio: CodecAAC})
	_ = m.SetH264Params([][]byte{testSPS}, [][]byte{testPPS})
	_ = m.SetAACConfig([]byte{0x12, 0x10})
	key := lengthPrefixed(testSEI, testIDR)
	aac := bytes.Repeat([]byte{0x21}, 300)
	dst := make([]byte, 0, 64*PacketSize)
	allocs := testing.AllocsPerRun(100, func() {
		out := m.AppendPATPMT(dst[:0])
		out, _ = m.AppendVideo(out, 0, 0, true, key)
		_, _ = m.AppendAudio(out, 0, aac)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}
