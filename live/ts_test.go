package live

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/ts"
)

// tsSink records the slices a TS consumer is handed, by where they are.
type tsSink struct {
	sink
	at map[*byte]bool // first byte of each slice written
}

func newTSSink() *tsSink { return &tsSink{sink: sink{keep: true, accept: -1}, at: map[*byte]bool{}} }

func (s *tsSink) Writev(bufs [][]byte) (int, error) {
	for _, b := range bufs {
		if len(b) > 0 {
			s.at[&b[0]] = true
		}
	}
	return s.sink.Writev(bufs)
}

// tsOutput sees every packet with its TS form.
type tsOutput struct{ withTS, without int }

func (o *tsOutput) WritePacket(p *Packet) {
	if (p.Kind == KindAudio || p.Kind == KindVideo) && !p.SeqHeader {
		if p.TS != nil {
			o.withTS++
		} else {
			o.without++
		}
	}
}
func (o *tsOutput) Unpublish() {}

// tsStarts lists the PIDs of the TS packets that start a PES or a
// section, and whether the first video PES has the random access flag.
func tsStarts(t *testing.T, b []byte) (pids []uint16, firstVideoKey bool) {
	require.Zero(t, len(b)%ts.PacketSize, "whole TS packets")
	seenVideo := false
	for ; len(b) > 0; b = b[ts.PacketSize:] {
		require.Equal(t, byte(0x47), b[0])
		if b[1]&0x40 == 0 {
			continue
		}
		pid := uint16(b[1]&0x1f)<<8 | uint16(b[2])
		pids = append(pids, pid)
		if pid == ts.PIDVideo && !seenVideo {
			seenVideo = true
			firstVideoKey = b[3]&0x20 != 0 && b[4] > 0 && b[5]&0x40 != 0
		}
	}
	return pids, firstVideoKey
}

// TestTSFormIsSharedAndOnDemand: without a .ts mount the TS form is made
// only while TS players exist; a player joining before it starts gets PAT,
// PMT and a keyframe first, a later one the GOP at once; every TS player
// is handed the same bytes (the packet's TS buffer), never a copy.
func TestTSFormIsSharedAndOnDemand(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	cfg := testConfig()
	p := startPublish(t, reg, l, cfg)
	out := &tsOutput{}
	p.src.AddOutput(out)
	flvPlayer := reg.Play(l, "v", "live", "s", cfg, &sink{accept: -1}, JoinOptions{Form: FormFLV})
	p.gop(5)
	assert.Zero(t, out.withTS, "no TS form without TS players")

	// Mid-GOP: no TS form yet, so the player waits for the next keyframe.
	p.write(9, avcInter)
	first := newTSSink()
	c1 := reg.Play(l, "v", "live", "s", cfg, first, JoinOptions{Form: FormTS})
	p.ts += 40
	p.write(8, aacRaw)
	p.write(9, avcInter)
	assert.Zero(t, first.got.Len(), "nothing before a keyframe")
	p.ts += 40
	p.gop(5)
	pids, key := tsStarts(t, first.got.Bytes())
	require.NotEmpty(t, pids)
	assert.Equal(t, []uint16{ts.PIDPAT, ts.PIDPMT}, pids[:2], "PAT and PMT first")
	assert.True(t, key, "the first picture is a keyframe")

	// A later joiner gets PAT, PMT and the cached GOP at once.
	second := newTSSink()
	c2 := reg.Play(l, "v", "live", "s", cfg, second, JoinOptions{Form: FormTS})
	pids, key = tsStarts(t, second.got.Bytes())
	assert.Equal(t, []uint16{ts.PIDPAT, ts.PIDPMT, ts.PIDPAT, ts.PIDPMT, ts.PIDVideo}, pids[:5])
	assert.True(t, key)
	gopLen := second.got.Len()
	assert.Equal(t, first.got.Bytes()[first.got.Len()-gopLen+2*ts.PacketSize:], second.got.Bytes()[2*ts.PacketSize:],
		"the GOP is the bytes the first player got")

	// Live packets: both are handed the same slices.
	clear(first.at)
	clear(second.at)
	p.gop(3)
	assert.Equal(t, first.at, second.at, "the same buffers, not copies")
	assert.Len(t, first.at, 5)

	c1.Close()
	c2.Close()
	withTS := out.withTS
	p.gop(3)
	assert.Equal(t, withTS, out.withTS, "the TS form stops with its last player")
	flvPlayer.Close()
	p.src.RemoveOutput(out)
	p.pub.Unpublish()
	assert.Zero(t, LivePackets())
}

// TestTSJoinAfterRestart: a GOP cached while the TS form stopped (its last
// player left) and restarted is not served to TS joiners, whose decoders
// would miss frames: they wait for the next keyframe.
func TestTSJoinAfterRestart(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	cfg := testConfig()
	p := startPublish(t, reg, l, cfg)
	c1 := reg.Play(l, "v", "live", "s", cfg, newTSSink(), JoinOptions{Form: FormTS})
	p.gop(3)
	c1.Close()
	p.write(9, avcInter) // the form stops
	stopped := newTSSink()
	c2 := reg.Play(l, "v", "live", "s", cfg, stopped, JoinOptions{Form: FormTS})
	p.write(9, avcInter) // and starts again
	restarted := newTSSink()
	c3 := reg.Play(l, "v", "live", "s", cfg, restarted, JoinOptions{Form: FormTS})
	p.write(9, avcInter)
	for _, s := range []*tsSink{stopped, restarted} {
		if pids, _ := tsStarts(t, s.got.Bytes()); len(pids) > 2 {
			t.Fatalf("a joiner got %v before a keyframe", pids)
		}
	}
	p.ts += 40
	p.gop(2)
	for _, s := range []*tsSink{stopped, restarted} {
		pids, key := tsStarts(t, s.got.Bytes())
		require.Greater(t, len(pids), 2)
		assert.Equal(t, []uint16{ts.PIDPAT, ts.PIDPMT}, pids[:2])
		assert.True(t, key)
	}
	c2.Close()
	c3.Close()
	p.pub.Unpublish()
	assert.Zero(t, LivePackets())
}

// TestTSFormWithAudioRemux: a vhost serving .aac gives its audio players
// ADTS and TS players MPEG-TS from the same packets.
func TestTSFormWithAudioRemux(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	cfg := testConfig()
	cfg.Remux = RemuxAAC
	p := startPublish(t, reg, l, cfg)
	aac := &sink{keep: true, accept: -1}
	ca := reg.Play(l, "v", "live", "s", cfg, aac, JoinOptions{Form: FormRemux})
	tsp := newTSSink()
	ct := reg.Play(l, "v", "live", "s", cfg, tsp, JoinOptions{Form: FormTS})
	p.gop(4)
	pids, key := tsStarts(t, tsp.got.Bytes())
	assert.Equal(t, []uint16{ts.PIDPAT, ts.PIDPMT}, pids[:2])
	assert.Contains(t, pids, uint16(ts.PIDAudio))
	assert.True(t, key)
	adts := aac.got.Bytes()
	require.Equal(t, 3*(ts.ADTSHeaderSize+len(aacRaw)-2), len(adts), "three ADTS frames")
	assert.Equal(t, byte(0xff), adts[0])
	ca.Close()
	ct.Close()
	p.pub.Unpublish()
	assert.Zero(t, LivePackets())
}

// TestTSFormAudioOnly: players of an audio-only stream's TS form, which
// has no keyframes to start at, get PAT and PMT first too, whether they
// joined before the form started or after.
func TestTSFormAudioOnly(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	cfg := testConfig()
	pub, err := reg.Publish(l, "v", "live", "s", cfg)
	require.NoError(t, err)
	p := &publisher{t: t, pub: pub, src: pub.Source(), l: l}
	p.write(8, aacSH)
	early := newTSSink()
	c1 := reg.Play(l, "v", "live", "s", cfg, early, JoinOptions{Form: FormTS})
	for range 20 { // the muxer waits muxerWait for a video track
		p.ts += 40
		p.write(8, aacRaw)
	}
	late := newTSSink()
	c2 := reg.Play(l, "v", "live", "s", cfg, late, JoinOptions{Form: FormTS})
	p.ts += 40
	p.write(8, aacRaw)
	for _, s := range []*tsSink{early, late} {
		pids, _ := tsStarts(t, s.got.Bytes())
		require.Greater(t, len(pids), 2)
		assert.Equal(t, []uint16{ts.PIDPAT, ts.PIDPMT, ts.PIDAudio}, pids[:3])
	}
	c1.Close()
	c2.Close()
	p.pub.Unpublish()
	assert.Zero(t, LivePackets())
}

// TestTSReader: a goroutine reads the TS form: PAT and PMT first, whole
// TS packets, and a keyframe first.
func TestTSReader(t *testing.T) {
	reg := NewRegistry()
	g := newGoLoop(0)
	defer g.stop()
	cfg := testConfig()
	pub, err := reg.Publish(nil, "v", "live", "s", cfg)
	require.NoError(t, err)
	p := &publisher{t: t, pub: pub, src: pub.Source()}
	p.write(9, avcSH)
	p.write(8, aacSH)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rd, err := reg.Read(ctx, g.l, "v", "live", "s", cfg, FormTS)
	require.NoError(t, err)
	p.gop(3)
	var got []byte
	for len(got) == 0 || len(got) < 4*ts.PacketSize {
		b, err := rd.ReadBytes(ctx)
		require.NoError(t, err)
		got = append(got, b...)
	}
	pids, key := tsStarts(t, got)
	assert.Equal(t, []uint16{ts.PIDPAT, ts.PIDPMT}, pids[:2])
	assert.True(t, key)
	require.NoError(t, rd.Close())
	pub.Unpublish()
	g.run(func() {})
	assert.Zero(t, LivePackets())
}

// BenchmarkFanoutTS1000 measures one video message muxed once into TS and
// reaching 1000 TS players (SRT, HTTP-TS).
func BenchmarkFanoutTS1000(b *testing.B) { benchFanout(b, JoinOptions{Form: FormTS}) }

// FuzzTSForm: whatever a publisher sends, the TS form is whole TS packets
// and nothing panics (the remuxer parses sequence headers and frames).
func FuzzTSForm(f *testing.F) {
	f.Add(uint8(9), avcSH, uint8(9), avcKey)
	f.Add(uint8(8), aacSH, uint8(8), aacRaw)
	f.Add(uint8(8), []byte{0x2f, 0xff, 0xfb, 0x70, 0xc4}, uint8(9), []byte{0x27, 1, 0, 0, 0})
	f.Add(uint8(9), []byte{0x1c, 0, 0, 0, 0, 1, 1, 0x60}, uint8(9), []byte{0x1c, 1, 0, 0, 0, 0, 0, 0, 2, 0x26, 1})
	f.Fuzz(func(t *testing.T, t1 uint8, b1 []byte, t2 uint8, b2 []byte) {
		reg := NewRegistry()
		l := NewLoop(0, inline{})
		cfg := testConfig()
		pub, err := reg.Publish(l, "v", "live", "s", cfg)
		require.NoError(t, err)
		s := newTSSink()
		c := reg.Play(l, "v", "live", "s", cfg, s, JoinOptions{Form: FormTS})
		for i := range uint32(60) {
			typ, b := t1, b1
			if i%2 == 1 {
				typ, b = t2, b2
			}
			if typ != 8 && typ != 9 {
				typ = 8 + typ%2
			}
			pub.Write(typ, i*20, body(b))
		}
		if n := s.got.Len(); n%ts.PacketSize != 0 {
			t.Fatalf("%d bytes of TS", n)
		}
		c.Close()
		pub.Unpublish()
	})
}
