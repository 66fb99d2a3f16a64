package ts

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// demuxed is a Frame with its data copied.
type demuxed struct {
	Frame
	data []byte
}

// demuxAll feeds b to a new demuxer in chunks of chunk bytes (all at once
// if chunk <= 0) and returns the frames and stats.
func demuxAll(t testing.TB, d *Demuxer, b []byte, chunk int) ([]demuxed, Stats) {
	t.Helper()
	var frames []demuxed
	fn := func(f *Frame) error {
		frames = append(frames, demuxed{*f, bytes.Clone(f.Data)})
		return nil
	}
	if chunk <= 0 {
		chunk = len(b)
	}
	for len(b) > 0 {
		n := min(chunk, len(b))
		if err := d.Feed(b[:n], fn); err != nil {
			t.Fatal(err)
		}
		b = b[n:]
	}
	if err := d.Flush(fn); err != nil {
		t.Fatal(err)
	}
	return frames, d.Stats()
}

func byPID(frames []demuxed, pid uint16) []demuxed {
	var out []demuxed
	for _, f := range frames {
		if f.PID == pid {
			out = append(out, f)
		}
	}
	return out
}

// essentialNALUs drops access unit delimiters and parameter sets, which
// the muxer adds.
func essentialNALUs(codec Codec, nalus [][]byte) [][]byte {
	var out [][]byte
	for _, n := range nalus {
		if codec == CodecH265 {
			switch H265NALType(n) {
			case H265NALAUD, H265NALVPS, H265NALSPS, H265NALPPS:
				continue
			}
		} else {
			switch H264NALType(n) {
			case H264NALAUD, H264NALSPS, H264NALPPS:
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

// TestDemuxRoundTrip muxes each test file, demuxes the result in various
// chunk sizes and compares the frames with the input.
func TestDemuxRoundTrip(t *testing.T) {
	for _, file := range []string{"h264_aac_720p25.flv", "h264_mp3_360p30.flv", "h264_only.flv", "aac_only.flv", "h265_360p25.hevc"} {
		t.Run(file, func(t *testing.T) {
			m := loadMedia(t, file)
			ts := muxMedia(t, m, 0)
			var video, audio []mediaFrame
			for _, f := range m.frames {
				if f.video {
					video = append(video, f)
				} else {
					audio = append(audio, f)
				}
			}
			for _, chunk := range []int{0, 1, 7 * PacketSize, 1000} {
				if chunk == 1 && testing.Short() {
					continue
				}
				frames, stats := demuxAll(t, &Demuxer{}, ts, chunk)
				if stats.SyncLosses+stats.ContinuityErrors+stats.CRCErrors+stats.SectionErrors+stats.PESErrors+stats.TransportErrors != 0 {
					t.Fatalf("chunk %d: errors in %+v", chunk, stats)
				}
				if stats.Packets != uint64(len(ts)/PacketSize) || stats.Frames != uint64(len(frames)) {
					t.Fatalf("chunk %d: stats %+v", chunk, stats)
				}
				checkVideoFrames(t, m, video, byPID(frames, PIDVideo))
				checkAudioFrames(t, m, audio, byPID(frames, PIDAudio))
			}
		})
	}
}

func checkVideoFrames(t *testing.T, m *media, want []mediaFrame, got []demuxed) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d video frames, want %d", len(got), len(want))
	}
	for i, f := range got {
		w := want[i]
		if f.StreamType != m.video.StreamType() || f.StreamID != StreamIDVideo || f.Program != ProgramNumber {
			t.Fatalf("video frame %d: %+v", i, f.Frame)
		}
		if f.PTS != w.pts || f.DTS != w.dts || f.PCR != w.dts || f.RandomAccess != w.key {
			t.Fatalf("video frame %d: pts %d dts %d pcr %d rai %v, want %d %d %d %v",
				i, f.PTS, f.DTS, f.PCR, f.RandomAccess, w.pts, w.dts, w.dts, w.key)
		}
		nalus := slices.Collect(SplitAnnexB(f.data))
		aud, sps := H264NALAUD, H264NALSPS
		nalType := H264NALType
		if m.video == CodecH265 {
			aud, sps, nalType = H265NALAUD, H265NALSPS, H265NALType
		}
		if nalType(nalus[0]) != aud {
			t.Fatalf("video frame %d starts with NAL type %d", i, nalType(nalus[0]))
		}
		if w.key && !slices.ContainsFunc(nalus, func(n []byte) bool { return nalType(n) == sps }) {
			t.Fatalf("keyframe %d without SPS", i)
		}
		var in [][]byte
		for rest := w.data; len(rest) > 0; {
			n, r, err := nextNALU(rest, m.lengthSize)
			if err != nil {
				t.Fatal(err)
			}
			in, rest = append(in, n), r
		}
		g, e := essentialNALUs(m.video, nalus), essentialNALUs(m.video, in)
		if !slices.EqualFunc(g, e, bytes.Equal) {
			t.Fatalf("video frame %d: %d NAL units, want %d", i, len(g), len(e))
		}
	}
}

func checkAudioFrames(t *testing.T, m *media, want []mediaFrame, got []demuxed) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d audio frames, want %d", len(got), len(want))
	}
	for i, f := range got {
		w := want[i]
		wantPCR := NoTimestamp
		if m.video == CodecNone {
			wantPCR = w.pts
		}
		if f.StreamType != m.audio.StreamType() || f.StreamID != StreamIDAudio || f.PTS != w.pts ||
			f.DTS != w.pts || f.PCR != wantPCR || !f.RandomAccess {
			t.Fatalf("audio frame %d: %+v, want pts %d", i, f.Frame, w.pts)
		}
		data := f.data
		if m.audio == CodecAAC {
			h, err := ParseADTS(data)
			if err != nil || h.FrameLength != len(data) {
				t.Fatalf("audio frame %d: ADTS %+v %v", i, h, err)
			}
			data = data[h.HeaderLength():]
		}
		if !bytes.Equal(data, w.data) {
			t.Fatalf("audio frame %d differs", i)
		}
	}
}

// syntheticStream muxes n frames of video and audio with recognisable
// payloads.
func syntheticStream(t testing.TB, n int) []byte {
	t.Helper()
	m, err := NewMuxer(Config{Video: CodecH264, Audio: CodecAAC})
	if err != nil {
		t.Fatal(err)
	}
	_ = m.SetH264Params([][]byte{testSPS}, [][]byte{testPPS})
	_ = m.SetAACConfig([]byte{0x12, 0x10})
	out := m.AppendPATPMT(nil)
	for i := range n {
		slice := bytes.Repeat([]byte{byte(i)}, 300+i*50)
		slice[0] = 0x41
		key := i%5 == 0
		if key {
			slice[0] = 0x65
		}
		out, err = m.AppendVideo(out, int64(i)*3600+3600, int64(i)*3600, key, lengthPrefixed(slice))
		if err != nil {
			t.Fatal(err)
		}
		out, err = m.AppendAudio(out, int64(i)*3600, bytes.Repeat([]byte{byte(i)}, 200))
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestDemuxDamage checks that the demuxer reports damage, drops only what
// it must and carries on.
func TestDemuxDamage(t *testing.T) {
	clean := syntheticStream(t, 10)
	cleanFrames, _ := demuxAll(t, &Demuxer{}, clean, 0)
	packetAt := func(pid uint16, nth int) int { // offset of the nth packet of pid
		for off := 0; off < len(clean); off += PacketSize {
			if clean[off+1]&0x1F == byte(pid>>8) && clean[off+2] == byte(pid) {
				if nth == 0 {
					return off
				}
				nth--
			}
		}
		t.Fatalf("no packet %d on PID 0x%X", nth, pid)
		return 0
	}
	tests := []struct {
		name       string
		damage     func([]byte) []byte
		wantFrames int // frames lost
		check      func(Stats) bool
	}{
		{"packet lost inside video frame", func(b []byte) []byte {
			off := packetAt(PIDVideo, 6) // video frame 2 is in packets 5, 6 and 7
			return slices.Delete(b, off, off+PacketSize)
		}, 1, func(s Stats) bool { return s.ContinuityErrors == 1 && s.PESErrors == 1 }},
		{"duplicate packet ignored", func(b []byte) []byte {
			off := packetAt(PIDVideo, 5)
			return slices.Insert(b, off, b[off:off+PacketSize]...)
		}, 0, func(s Stats) bool { return s.ContinuityErrors == 0 }},
		{"garbage between packets", func(b []byte) []byte {
			off := packetAt(PIDAudio, 3)
			return slices.Insert(b, off, []byte("garbage\x47with a sync byte")...)
		}, 0, func(s Stats) bool { return s.SyncLosses == 1 && s.SkippedBytes == 24 }},
		{"transport error flagged", func(b []byte) []byte {
			b[packetAt(PIDAudio, 4)+1] |= 0x80
			return b
		}, 1, func(s Stats) bool { return s.TransportErrors == 1 && s.ContinuityErrors == 1 }},
		{"bad PMT CRC: nothing until the next good PMT", func(b []byte) []byte {
			b[packetAt(PIDPMT, 0)+10] ^= 0xFF
			return b
		}, len(cleanFrames), func(s Stats) bool { return s.CRCErrors == 1 }},
		{"bytes lost: resync", func(b []byte) []byte {
			off := packetAt(PIDVideo, 8)
			return slices.Delete(b, off+100, off+PacketSize+50)
		}, 1, func(s Stats) bool { return s.SyncLosses >= 1 && s.ContinuityErrors >= 1 }},
		{"bounded audio PES cut short", func(b []byte) []byte {
			off := packetAt(PIDAudio, 2)
			b[off+3] = b[off+3]&0xF0 | (b[off+3]+1)&0xF // CC jump inside a 2-packet audio PES
			return b
		}, 1, func(s Stats) bool { return s.ContinuityErrors >= 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs []error
			d := &Demuxer{OnError: func(err error) { errs = append(errs, err) }}
			frames, stats := demuxAll(t, d, tt.damage(bytes.Clone(clean)), 0)
			if lost := len(cleanFrames) - len(frames); lost != tt.wantFrames {
				t.Errorf("lost %d frames, want %d", lost, tt.wantFrames)
			}
			if !tt.check(stats) {
				t.Errorf("stats %+v", stats)
			}
			total := stats.SyncLosses + stats.TransportErrors + stats.ContinuityErrors + stats.CRCErrors + stats.SectionErrors
			if uint64(len(errs)) < total {
				t.Errorf("%d errors reported, stats count %d", len(errs), total)
			}
			// Whatever came through is intact.
			for _, f := range frames {
				i := slices.IndexFunc(cleanFrames, func(c demuxed) bool { return c.PID == f.PID && c.PTS == f.PTS })
				if i < 0 || !bytes.Equal(cleanFrames[i].data, f.data) {
					t.Fatalf("frame PID 0x%X pts %d damaged", f.PID, f.PTS)
				}
			}
		})
	}
}

func TestDemuxCallbackError(t *testing.T) {
	stop := errors.New("stop")
	d := &Demuxer{}
	n := 0
	err := d.Feed(syntheticStream(t, 5), func(*Frame) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("err %v after %d frames", err, n)
	}
}

func TestDemuxMaxPESSize(t *testing.T) {
	d := &Demuxer{MaxPESSize: 500}
	frames, stats := demuxAll(t, d, syntheticStream(t, 10), 0)
	for _, f := range frames {
		if len(f.data) > 500 {
			t.Fatalf("frame of %d bytes", len(f.data))
		}
	}
	if stats.PESErrors == 0 || len(frames) == 0 {
		t.Fatalf("stats %+v, %d frames", stats, len(frames))
	}
}

// TestDemuxPMTUpdate checks that a new PMT version replaces the streams.
func TestDemuxPMTUpdate(t *testing.T) {
	a, _ := NewMuxer(Config{Video: CodecH264, Audio: CodecAAC})
	_ = a.SetAACConfig([]byte{0x12, 0x10})
	b, _ := NewMuxer(Config{Audio: CodecMP3})
	b.pmtCC = 1 // continue a's PMT counter
	b.patCC = 1
	out := a.AppendPATPMT(nil)
	out, _ = a.AppendVideo(out, 0, 0, true, lengthPrefixed(testIDR))
	out, _ = a.AppendAudio(out, 0, []byte{1, 2, 3})
	b.audioCC = a.audioCC
	out = b.AppendPATPMT(out)
	out, _ = b.AppendAudio(out, 3000, []byte{4, 5, 6})
	out, _ = b.AppendAudio(out, 6000, []byte{7, 8, 9})
	frames, stats := demuxAll(t, &Demuxer{}, out, 0)
	var got []string
	for _, f := range frames {
		got = append(got, fmt.Sprintf("%X:%v", f.PID, f.StreamType))
	}
	// The pending video PES is dropped with its PID when the new PMT no
	// longer lists it.
	want := []string{"101:AAC (ADTS)", "101:MPEG-1 audio", "101:MPEG-1 audio"}
	if !slices.Equal(got, want) {
		t.Fatalf("frames %q, want %q (stats %+v)", got, want, stats)
	}
}

// TestDemuxRandomChunks feeds random chunk sizes, including random garbage
// before the stream.
func TestDemuxRandomChunks(t *testing.T) {
	stream := syntheticStream(t, 20)
	want, _ := demuxAll(t, &Demuxer{}, stream, 0)
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		garbage := make([]byte, r.IntN(300))
		for i := range garbage {
			garbage[i] = byte(r.IntN(256)) &^ 0x40 // never 0x47
		}
		d := &Demuxer{}
		var got []demuxed
		fn := func(f *Frame) error { got = append(got, demuxed{*f, bytes.Clone(f.Data)}); return nil }
		b := append(garbage, stream...)
		for len(b) > 0 {
			n := min(1+r.IntN(500), len(b))
			if err := d.Feed(b[:n], fn); err != nil {
				t.Fatal(err)
			}
			b = b[n:]
		}
		_ = d.Flush(fn)
		if len(got) != len(want) {
			t.Fatalf("%d frames, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i].PTS != want[i].PTS || !bytes.Equal(got[i].data, want[i].data) {
				t.Fatalf("frame %d differs", i)
			}
		}
	}
}

// TestDemuxFFmpegOutput demuxes transport streams written by ffmpeg and
// compares frame counts with ffprobe's.
func TestDemuxFFmpegOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ffmpeg")
	}
	needFFmpeg(t)
	// (ffmpeg 5.1 cannot stream-copy the raw .hevc file: it has no timestamps.)
	for _, file := range []string{"h264_aac_720p25.flv", "h264_mp3_360p30.flv", "aac_only.flv"} {
		t.Run(file, func(t *testing.T) {
			path := writeTemp(t, "ffmpeg.ts", nil)
			if out, err := runFFmpeg("-nostdin", "-v", "error", "-y", "-i", mediaDir(t)+"/"+file,
				"-c", "copy", "-f", "mpegts", path); err != nil {
				t.Fatalf("ffmpeg: %v: %s", err, out)
			}
			b := readFile(t, path)
			frames, stats := demuxAll(t, &Demuxer{}, b, 4096)
			if stats.ContinuityErrors+stats.CRCErrors+stats.PESErrors+stats.SyncLosses != 0 {
				t.Fatalf("stats %+v", stats)
			}
			p := ffprobe(t, path)
			for _, s := range p.Streams {
				var n int
				var pid uint16
				fmt.Sscanf(s.ID, "0x%x", &pid)
				for _, f := range frames {
					if f.PID == pid {
						n++
					}
				}
				// ffmpeg may put several audio frames in one PES packet.
				if fmt.Sprint(n) != s.ReadPackets && s.CodecType == "video" {
					t.Errorf("PID 0x%X: %d frames, ffprobe counts %s", pid, n, s.ReadPackets)
				}
				if n == 0 {
					t.Errorf("PID 0x%X: no frames", pid)
				}
			}
		})
	}
}

// TestDemuxSections covers PSI reassembly: a PMT spanning two packets
// with descriptors, and a PAT followed by stuffing and a second section in
// the same packet.
func TestDemuxSections(t *testing.T) {
	// PMT with a 200-byte ES descriptor loop on the video stream.
	pmt := beginSection(nil, tableIDPMT, 1, 3)
	pmt = append(pmt, 0xE1, 0x00, 0xF0, 0x00, byte(StreamTypeH264), 0xE1, 0x00, 0xF0, 200)
	for range 100 {
		pmt = append(pmt, 0x05, 0x00) // empty registration descriptors
	}
	pmt = append(pmt, byte(StreamTypeAAC), 0xE1, 0x01, 0xF0, 0x00)
	pmt = endSection(pmt, 0)

	var ts []byte
	var patCC, pmtCC uint8
	// PAT, then (pointer 0) a second copy of the PAT in the same packet.
	pat := appendPATSection(nil, 1, 1, PIDPMT)
	ts = appendSectionPacket(ts, PIDPAT, &patCC, append(bytes.Clone(pat), pat...))
	// The PMT cut in two packets; the second begins a new unit with a
	// pointer_field pointing past the PMT's tail, then stuffing.
	first, rest := pmt[:PacketSize-5], pmt[PacketSize-5:]
	ts = appendSectionPacket(ts, PIDPMT, &pmtCC, first)
	var pkt []byte
	ts, pkt = growPacket(ts)
	copy(pkt, []byte{SyncByte, 0x40 | byte(PIDPMT>>8), byte(PIDPMT & 0xFF), 0x10 | pmtCC, byte(len(rest))})
	copy(pkt[5:], rest)
	for i := 5 + len(rest); i < PacketSize; i++ {
		pkt[i] = 0xFF
	}

	m, _ := NewMuxer(Config{Video: CodecH264, Audio: CodecAAC})
	_ = m.SetAACConfig([]byte{0x12, 0x10})
	ts, _ = m.AppendVideo(ts, 0, 0, true, lengthPrefixed(testIDR))
	ts, _ = m.AppendAudio(ts, 0, []byte{1, 2, 3})

	frames, stats := demuxAll(t, &Demuxer{OnError: func(err error) { t.Error(err) }}, ts, 0)
	if len(frames) != 2 || stats.SectionErrors+stats.CRCErrors != 0 {
		t.Fatalf("%d frames, stats %+v", len(frames), stats)
	}
	if frames[0].StreamType != StreamTypeAAC || frames[1].StreamType != StreamTypeH264 {
		t.Fatalf("stream types %v %v", frames[0].StreamType, frames[1].StreamType)
	}
}

// TestDemuxMalformed feeds single bad packets after a valid PAT and PMT.
func TestDemuxMalformed(t *testing.T) {
	m, _ := NewMuxer(Config{Video: CodecH264})
	head := m.AppendPATPMT(nil)
	packet := func(pid uint16, flags, afc byte, payload ...byte) []byte {
		p := append([]byte{SyncByte, flags | byte(pid>>8), byte(pid & 0xFF), afc<<4 | 1}, payload...)
		return append(p, bytes.Repeat([]byte{0xFF}, PacketSize-len(p))...)
	}
	tests := []struct {
		name   string
		packet []byte
		check  func(Stats) bool
	}{
		{"reserved adaptation_field_control", packet(PIDVideo, 0x40, 0),
			func(s Stats) bool { return s.SectionErrors == 1 }},
		{"adaptation field too long", packet(PIDVideo, 0x40, 3, 183),
			func(s Stats) bool { return s.SectionErrors == 1 }},
		{"pointer_field beyond packet", packet(PIDPMT, 0x40, 1, 200),
			func(s Stats) bool { return s.SectionErrors == 1 }},
		{"section_length too large", packet(PIDPMT, 0x40, 1, 0, 2, 0xB3, 0xFF),
			func(s Stats) bool { return s.SectionErrors == 1 }},
		{"section_length too small", packet(PIDPMT, 0x40, 1, 0, 2, 0xB0, 0x02),
			func(s Stats) bool { return s.SectionErrors == 1 }},
		{"PES without start code", packet(PIDVideo, 0x40, 1, 0, 0, 2, 0xE0, 0, 0),
			func(s Stats) bool { return s.PESErrors == 1 }},
		{"PES with bad header", packet(PIDVideo, 0x40, 1, 0, 0, 1, 0xE0, 0, 0, 0x40),
			func(s Stats) bool { return s.PESErrors == 1 }},
		{"unknown PID ignored", packet(0x1234, 0x40, 1, 0, 0, 1),
			func(s Stats) bool { return s == Stats{Packets: 3} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Demuxer{}
			frames, stats := demuxAll(t, d, append(bytes.Clone(head), tt.packet...), 0)
			if len(frames) != 0 || !tt.check(stats) {
				t.Fatalf("%d frames, stats %+v", len(frames), stats)
			}
		})
	}

	// A section cut short by the next unit start.
	pmt := appendPMTSection(nil, ProgramNumber, PIDVideo, []pmtStream{{StreamTypeH264, PIDVideo}})
	var cc uint8
	b := appendSectionPacket(head[:PacketSize:PacketSize], PIDPMT, &cc, pmt[:10])
	b[PacketSize+5+10] = 0 // not stuffing: the section goes on
	// Fill so the section seems to continue past the packet.
	copy(b[PacketSize+5:], append(pmt[:3:3], bytes.Repeat([]byte{0}, PacketSize-8)...))
	b[PacketSize+6], b[PacketSize+7] = 0xB1, 0x00 // section_length 256
	b = appendSectionPacket(b, PIDPMT, &cc, pmt)
	_, stats := demuxAll(t, &Demuxer{}, b, 0)
	if stats.SectionErrors != 1 {
		t.Fatalf("section cut short: stats %+v", stats)
	}
}
