package udpts

import (
	"errors"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/testpeer"
)

func startCaster(t *testing.T, host session.Host) *Caster {
	t.Helper()
	c, err := Listen(Config{Listen: "127.0.0.1:0", Output: "rtmp://127.0.0.1/live/udp?token=t", Timeout: time.Second}, host, castertest.Log(t))
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	t.Cleanup(func() { c.Close() })
	return c
}

// sendTS has ffmpeg send media as MPEG-TS over UDP to addr, 4x faster than
// real time, and waits for it to finish.
func sendTS(t *testing.T, media string, addr string) {
	t.Helper()
	if err := castertest.Push(t, media, "mpegts", "udp://"+addr+"?pkt_size=1316"); err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
}

// TestPublish: ffmpeg's UDP TS of both test streams is published with
// the output's name and the sender's address, unpublished after the
// timeout, and ffprobe reads it with the source's codecs and length.
func TestPublish(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	for _, tc := range castertest.Streams {
		t.Run(tc.Media, func(t *testing.T) {
			host := castertest.NewHost()
			c := startCaster(t, host)
			sendTS(t, tc.Media, c.Addr().String())
			p := host.WaitClosed(t, 15*time.Second, 100)
			if p.Req.Proto != "mpegts-udp" || p.Req.App != "live" || p.Req.Stream != "udp" || p.Req.Param != "?token=t" {
				t.Errorf("request %+v", p.Req)
			}
			if host, _, _ := net.SplitHostPort(p.Req.RemoteAddr); host != "127.0.0.1" {
				t.Errorf("RemoteAddr %q", p.Req.RemoteAddr)
			}
			castertest.Probe(t, p.Save(t), tc, tc.Duration)
			if st := c.Stats(); st.Lost != 0 || st.Publishes != 1 || p.Lost() != 0 {
				t.Errorf("stats %+v, publisher told of %d lost", st, p.Lost())
			}
		})
	}
}

// TestLoss: with 1 % of the datagrams lost on the way, the stream still
// publishes and plays, and the loss is counted.
func TestLoss(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	host := castertest.NewHost()
	c := startCaster(t, host)
	relay, dropped := castertest.LossyRelay(t, c.Addr().String(), 0.01)
	sendTS(t, "h264_aac_720p25.flv", relay)
	p := host.WaitClosed(t, 15*time.Second, 100)
	if dropped.Load() == 0 {
		t.Fatal("relay dropped nothing")
	}
	st := c.Stats()
	if st.Lost == 0 {
		t.Errorf("%d datagrams dropped, none counted lost: %+v", dropped.Load(), st)
	}
	if p.Lost() != st.Lost {
		t.Errorf("the publisher was told of %d lost, the caster counted %d", p.Lost(), st.Lost)
	}
	t.Logf("dropped %d datagrams, counted %d TS packets lost, %d malformed", dropped.Load(), st.Lost, st.Malformed)
	castertest.Probe(t, p.Save(t), castertest.Streams[0], castertest.Streams[0].Duration)
}

// TestGarbageAndForeignSenders: random datagrams publish nothing and
// break nothing; while a sender publishes, another one's packets are
// dropped; a refused sender is held off.
func TestGarbageAndForeignSenders(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	host := castertest.NewHost()
	c := startCaster(t, host)
	garbage, err := net.Dial("udp", c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer garbage.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 1316)
	for range 500 {
		castertest.Garbage(rng, b, 0x47)
		_, _ = garbage.Write(b)
	}
	// A real stream publishes while the garbage goes on.
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				_, _ = garbage.Write(b)
			}
		}
	}()
	sendTS(t, "h264_mp3_360p30.flv", c.Addr().String())
	close(stop)
	p := host.WaitClosed(t, 15*time.Second, 100)
	castertest.Probe(t, p.Save(t), castertest.Streams[1], castertest.Streams[1].Duration)
	if st := c.Stats(); st.Publishes != 1 || st.Foreign == 0 {
		t.Errorf("stats %+v: want one publish and foreign datagrams dropped", st)
	}
}

// TestRefused: a publish on_publish refuses is not retried at once, and
// no stream is published.
func TestRefused(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	host := castertest.NewHost()
	var asked atomic.Int32
	host.Reject = func(session.Request) error { asked.Add(1); return errors.New("no") }
	c := startCaster(t, host)
	sendTS(t, "h264_mp3_360p30.flv", c.Addr().String())
	if n := asked.Load(); n != 1 {
		t.Errorf("asked %d times, want once (held off %v)", n, refusedHold)
	}
	if st := c.Stats(); st.Publishes != 0 || st.Foreign == 0 {
		t.Errorf("stats %+v", st)
	}
}
