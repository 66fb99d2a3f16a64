package client

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-live/cascade/rtmp"
)

// Interoperability with ffmpeg and rtmpdump, when installed: ffmpeg
// publishes H.264/AAC to the in-test server, the client plays it and
// publishes it again, and ffmpeg and rtmpdump (simple and FP9 complex
// handshakes) play it back. ffmpeg checks the server's complex handshake
// (S1 digest and S2 signature) when it plays.

func needTool(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("interop test skipped in -short mode")
	}
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: run `make deps` (scripts/install-test-deps.sh)", name)
	}
	return path
}

func waitStream(t *testing.T, s *testServer, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		st := s.streams[name]
		ready := st != nil && len(st.headers) == 2
		s.mu.Unlock()
		if ready {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("stream %s never started", name)
}

func TestInteropFFmpeg(t *testing.T) {
	ffmpeg := needTool(t, "ffmpeg")
	s := newTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// ffmpeg publishes.
	var pubErr bytes.Buffer
	pub := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
		"-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
		"-t", "15", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
		"-c:a", "aac", "-f", "flv", s.url("live/ff"))
	pub.Stderr = &pubErr
	if err := pub.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		pub.Process.Kill()
		pub.Wait()
	}()
	waitStream(t, s, "ff")

	// The client plays it and publishes it again as "relay".
	player := dial(t, ctx, s.url("live/ff"))
	if err := player.Play(ctx, ""); err != nil {
		t.Fatal(err)
	}
	relay := dial(t, ctx, s.url("live/relay"))
	if err := relay.Publish(ctx, ""); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			m, err := relay.ReadMessage()
			if err != nil {
				return
			}
			m.Body.Release()
		}
	}()
	counts := map[uint8]int{}
	relayed := make(chan error, 1)
	go func() {
		var last = map[uint8]uint32{}
		for {
			m, err := player.ReadMessage()
			if err != nil {
				relayed <- err
				return
			}
			counts[m.Type]++
			switch m.Type {
			case rtmp.MsgAudio, rtmp.MsgVideo:
				if m.Timestamp < last[m.Type] {
					t.Errorf("type %d: timestamp %d after %d", m.Type, m.Timestamp, last[m.Type])
				}
				last[m.Type] = m.Timestamp
				err = relay.WriteMessage(&rtmp.Message{Type: m.Type, Timestamp: m.Timestamp, Body: m.Body})
			case rtmp.MsgAMF0Data:
				if name, values, perr := rtmp.ParseData(m.Type, m.Payload()); perr == nil && name == rtmp.DataOnMetaData && len(values) > 0 {
					err = relay.WriteMetadata(values[0])
				}
			}
			m.Body.Release()
			if err != nil {
				relayed <- err
				return
			}
		}
	}()
	waitStream(t, s, "relay")

	// ffmpeg plays the relay: this checks the server's complex handshake
	// and that the client's chunks make a decodable stream.
	out, err := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
		"-i", s.url("live/relay"), "-t", "1", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg play: %v\n%s\npublisher: %s", err, out, pubErr.String())
	}
	if s.handshake.Load() != "complex" {
		t.Errorf("ffmpeg's handshake was %v", s.handshake.Load())
	}

	// rtmpdump plays, with the simple and with the FP9 (complex) handshake.
	if rtmpdump, err := exec.LookPath("rtmpdump"); err == nil {
		for _, tc := range []struct {
			name, handshake string
			args            []string
		}{
			{"simple", "simple", nil},
			{"fp9", "complex", []string{"-x", "1000", "-w", strings.Repeat("00", 32)}},
		} {
			t.Run("rtmpdump "+tc.name, func(t *testing.T) {
				flv := filepath.Join(t.TempDir(), "out.flv")
				// rtmpdump does not stop a live stream by itself (-B is
				// ignored with -v): give it two seconds.
				args := append([]string{"-v", "-r", s.url("live/relay"), "-o", flv, "-m", "10"}, tc.args...)
				dumpCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				out, err := exec.CommandContext(dumpCtx, rtmpdump, args...).CombinedOutput()
				if dumpCtx.Err() == nil {
					t.Fatalf("rtmpdump stopped early: %v\n%s", err, out)
				}
				if got := s.handshake.Load(); got != tc.handshake {
					t.Errorf("handshake %v, want %s", got, tc.handshake)
				}
				b, err := os.ReadFile(flv)
				if err != nil || len(b) < 1000 || string(b[:3]) != "FLV" {
					t.Fatalf("rtmpdump wrote %d bytes (%v)\n%s", len(b), err, out)
				}
			})
		}
	}

	player.Close()
	<-relayed
	if counts[rtmp.MsgVideo] < 10 || counts[rtmp.MsgAudio] < 10 || counts[rtmp.MsgAMF0Data] < 2 {
		t.Fatalf("played %v", counts)
	}
}
