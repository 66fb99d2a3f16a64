package castertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"sync/atomic"
	"testing"

	"github.com/cascade-live/cascade/internal/testpeer"
)

// Stream is a test stream and what ffprobe must find in what carried it.
type Stream struct {
	Media    string // file in the test media folder
	VCodec   string
	ACodec   string
	Width    int
	Height   int
	Duration float64 // seconds
}

// Streams are the two stream kinds every caster takes: H.264/AAC 720p and
// H.264/MP3 360p.
var Streams = []Stream{
	{"h264_aac_720p25.flv", "h264", "aac", 1280, 720, 10.08},
	{"h264_mp3_360p30.flv", "h264", "mp3", 640, 360, 6.03},
}

// Probe has ffprobe read target (a file or URL) and fails t unless it has
// the stream's codecs and size and, when duration is positive, a length
// within 0.6 s of it.
func Probe(t testing.TB, target string, want Stream, duration float64, args ...string) {
	t.Helper()
	ProbeWithin(t, target, want, duration, 0.6, args...)
}

// ProbeWithin is Probe with the duration allowed to differ by tolerance
// seconds.
func ProbeWithin(t testing.TB, target string, want Stream, duration, tolerance float64, args ...string) {
	t.Helper()
	r, err := testpeer.Probe(context.Background(), target, args...)
	if err != nil {
		t.Fatal(err)
	}
	v, a := r.Video(), r.Audio()
	if v == nil || a == nil || v.CodecName != want.VCodec || a.CodecName != want.ACodec || v.Width != want.Width || v.Height != want.Height {
		t.Fatalf("ffprobe %s: %+v; want %+v", target, r.Streams, want)
	}
	t.Logf("ffprobe %s: duration %.2f s (want %.2f)", target, r.Format.Duration, duration)
	if duration > 0 && math.Abs(r.Format.Duration-duration) > tolerance {
		t.Errorf("duration %.2f s, want %.2f", r.Format.Duration, duration)
	}
}

// Log is a logger for a caster under test: quiet unless -v.
func Log(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Garbage fills b with random bytes from rng, now and then with a first
// byte that looks like the start of a packet.
func Garbage(rng *rand.Rand, b []byte, first byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	if len(b) > 0 && rng.IntN(4) == 0 {
		b[0] = first
	}
}

// Push has ffmpeg send media, unchanged, 4x faster than real time, in
// format to url, with extra output options, and returns its exit error.
func Push(t testing.TB, media, format, url string, extra ...string) error {
	t.Helper()
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-readrate", "4",
		"-i", testpeer.Media(t, media), "-c", "copy", "-f", format}
	args = append(append(args, extra...), url)
	return testpeer.Start(t, "ffmpeg", args...).Wait()
}

// FreeUDPPair finds an even loopback UDP port whose next port is free too,
// for RTP and RTCP.
func FreeUDPPair(t testing.TB) int {
	t.Helper()
	for range 50 {
		a, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := a.LocalAddr().(*net.UDPAddr).Port &^ 1
		a.Close()
		c1, err1 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		c2, err2 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port+1))
		for _, c := range []net.PacketConn{c1, c2} {
			if c != nil {
				c.Close()
			}
		}
		if err1 == nil && err2 == nil {
			return port
		}
	}
	t.Fatal("no free UDP port pair")
	return 0
}

// LossyRelay forwards datagrams from its address to dst, dropping about
// rate of them (deterministically), and counts the drops. What dst answers
// goes back to the last sender, untouched (SRT's handshake and ACKs).
func LossyRelay(t testing.TB, dst string, rate float64) (string, *atomic.Int64) {
	t.Helper()
	in, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := net.Dial("udp", dst)
	if err != nil {
		t.Fatal(err)
	}
	_ = in.SetReadBuffer(8 << 20)
	t.Cleanup(func() { in.Close(); out.Close() })
	var dropped atomic.Int64
	var sender atomic.Pointer[net.UDPAddr]
	rng := rand.New(rand.NewPCG(1, 2))
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := in.ReadFromUDP(buf)
			if err != nil {
				return
			}
			sender.Store(from)
			if rng.Float64() < rate {
				dropped.Add(1)
				continue
			}
			_, _ = out.Write(buf[:n])
		}
	}()
	go func() {
		buf := make([]byte, 65536)
		for {
			n, err := out.Read(buf)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue // ICMP refusals while dst is not listening
			}
			if to := sender.Load(); to != nil {
				_, _ = in.WriteToUDP(buf[:n], to)
			}
		}
	}()
	return in.LocalAddr().String(), &dropped
}
