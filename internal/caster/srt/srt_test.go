package srt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"testing"
	"time"

	gosrt "github.com/datarhei/gosrt"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/testpeer"
)

func startServer(t *testing.T, host session.Host) *Server {
	t.Helper()
	log := castertest.Log(t)
	cfg := config.DefaultSRTServer()
	// gosrt drops what its receive buffer holds (the latency) when the
	// peer closes: keep that short for streams sent 4x real time.
	cfg.RecvLatency, cfg.PeerLatency = 20*time.Millisecond, 20*time.Millisecond
	s, err := Listen("127.0.0.1:0", cfg, host, log)
	if err != nil {
		t.Fatal(err)
	}
	s.FirstTagTimeout, s.IdleTimeout = time.Second, time.Second
	s.Start()
	t.Cleanup(func() { s.Close() })
	return s
}

// pushSRT has ffmpeg publish media over SRT with streamid, 4x faster than
// real time, and returns its exit error.
func pushSRT(t *testing.T, s *Server, media, streamid string) error {
	t.Helper()
	return castertest.Push(t, media, "mpegts", fmt.Sprintf("srt://%s?streamid=%s&pkt_size=1316&latency=20000", s.Addr(), streamid))
}

// TestPublish: ffmpeg publishes both test streams with SRS streamids; the
// stream is published under r= with the other keys as the query, and
// ffprobe reads it with the source's codecs and length.
func TestPublish(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	for _, tc := range castertest.Streams {
		t.Run(tc.Media, func(t *testing.T) {
			host := castertest.NewHost()
			s := startServer(t, host)
			if err := pushSRT(t, s, tc.Media, "#!::r=live/srt,m=publish,token=abc"); err != nil {
				t.Fatalf("ffmpeg: %v", err)
			}
			p := host.WaitClosed(t, 5*time.Second, 100)
			if r := p.Req; r.Proto != "srt" || r.App != "live" || r.Stream != "srt" || r.Param != "?token=abc" {
				t.Errorf("request %+v", r)
			}
			// gosrt drops what its receive buffer holds when the peer
			// closes, and on a loaded machine a packet later than the
			// 20 ms latency is dropped too: allow a second.
			castertest.ProbeWithin(t, p.Save(t), tc, tc.Duration, 1.0)
		})
	}
}

// TestLoss: with 2 % of the publisher's datagrams lost on the way, gosrt
// finds them missing (and has them sent again): the publisher is told of
// the loss, and the stream still plays.
func TestLoss(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	host := castertest.NewHost()
	s := startServer(t, host)
	relay, dropped := castertest.LossyRelay(t, s.Addr().String(), 0.02)
	err := castertest.Push(t, castertest.Streams[0].Media, "mpegts",
		fmt.Sprintf("srt://%s?streamid=#!::r=live/lossy,m=publish&pkt_size=1316&latency=50000", relay))
	if err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	p := host.WaitClosed(t, 5*time.Second, 100)
	if dropped.Load() == 0 {
		t.Fatal("relay dropped nothing")
	}
	if p.Lost() == 0 {
		t.Errorf("%d datagrams dropped, none counted lost", dropped.Load())
	}
	t.Logf("dropped %d datagrams, %d packets counted lost", dropped.Load(), p.Lost())
	castertest.ProbeWithin(t, p.Save(t), castertest.Streams[0], castertest.Streams[0].Duration, 1.0)
}

// TestRefused: a publish on_publish refuses is rejected in the handshake.
func TestRefused(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	host := castertest.NewHost()
	host.Reject = func(session.Request) error { return errors.New("no") }
	s := startServer(t, host)
	if err := pushSRT(t, s, "h264_mp3_360p30.flv", "#!::r=live/srt,m=publish"); err == nil {
		t.Error("ffmpeg published through a refusal")
	}
	if reqs := host.Requests(); len(reqs) != 1 || reqs[0].Proto != "srt" {
		t.Errorf("requests %+v", reqs)
	}
}

// TestPlay: ffmpeg plays a stream over SRT (plain streamid: a request, as
// in SRS) and gets it as MPEG-TS with the source's codecs and length.
func TestPlay(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	for _, tc := range castertest.Streams {
		t.Run(tc.Media, func(t *testing.T) {
			host := castertest.NewHost()
			host.PlayFile = testpeer.Media(t, tc.Media)
			s := startServer(t, host)
			out, err := testpeer.Record(context.Background(), fmt.Sprintf("srt://%s?streamid=live/play", s.Addr()),
				filepath.Join(t.TempDir(), "play.ts"), 4*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			castertest.Probe(t, out, tc, 4)
			if r := host.Requests(); len(r) != 1 || r[0].Proto != "srt-play" || r[0].Stream != "play" {
				t.Errorf("requests %+v", r)
			}
		})
	}
}

// TestBadInput: random datagrams on the port, a streamid naming no stream
// and a publisher that never sends media are dropped; a real publish still
// works afterwards.
func TestBadInput(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	host := castertest.NewHost()
	s := startServer(t, host)
	conn, err := net.Dial("udp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	b := make([]byte, 1500)
	for range 2000 {
		n := 16 + rng.IntN(len(b)-16)
		castertest.Garbage(rng, b[:n], 0x80) // a control packet now and then
		if rng.IntN(2) == 0 {
			copy(b[12:16], []byte{0, 0, 0, 0}) // to socket 0: a handshake
		}
		_, _ = conn.Write(b[:n])
	}
	conn.Close()

	cfg := gosrt.DefaultConfig()
	cfg.StreamId = "#!::m=publish"
	if c, err := gosrt.Dial("srt", s.Addr().String(), cfg); err == nil {
		c.Close()
		t.Error("a streamid without r= was accepted")
	}

	cfg.StreamId = "#!::r=live/silent,m=publish"
	c, err := gosrt.Dial("srt", s.Addr().String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := host.WaitClosed(t, 3*time.Second, 0)
	if p.Req.Stream != "silent" || p.Tags() != 0 {
		t.Errorf("closed publisher %+v with %d tags", p.Req, p.Tags())
	}

	if err := pushSRT(t, s, "h264_mp3_360p30.flv", "#!::r=live/after,m=publish"); err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	after := host.Wait(t, 5*time.Second, "the publish after garbage", func(ps []*castertest.Publisher) bool {
		return len(ps) == 2 && ps[1].Closed()
	})
	castertest.Probe(t, after[1].Save(t), castertest.Streams[1], castertest.Streams[1].Duration)
}

// chunkRecorder keeps each write.
type chunkRecorder struct{ writes [][]byte }

func (r *chunkRecorder) Write(b []byte) (int, error) {
	r.writes = append(r.writes, bytes.Clone(b))
	return len(b), nil
}

// TestChunkWriter: whatever sizes the player's reads come in, the SRT
// payloads are 1316 bytes of the stream in order, the rest held.
func TestChunkWriter(t *testing.T) {
	for _, sizes := range [][]int{
		{188, 188, 188},
		{chunk},
		{3 * chunk},
		{188 * 9, 188 * 5, 188 * 30, 188},
		{chunk - 188, 376, chunk * 2},
	} {
		rec := &chunkRecorder{}
		w := chunkWriter{w: rec}
		var in []byte
		for i, n := range sizes {
			b := bytes.Repeat([]byte{byte(i + 1)}, n)
			for j := range b {
				b[j] += byte(j)
			}
			in = append(in, b...)
			if err := w.write(b); err != nil {
				t.Fatal(err)
			}
		}
		var out []byte
		for _, b := range rec.writes {
			if len(b) != chunk {
				t.Fatalf("%v: a write of %d bytes", sizes, len(b))
			}
			out = append(out, b...)
		}
		if held := len(in) % chunk; !bytes.Equal(out, in[:len(in)-held]) || w.held != held || w.n != int64(len(out)) {
			t.Errorf("%v: wrote %d bytes (n %d), held %d, of %d", sizes, len(out), w.n, w.held, len(in))
		}
	}
}
