package bench

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// playOne runs one player against url until it has counted want media
// bytes or failed, then stops it and returns its counters.
func playOne(t *testing.T, url string, want uint64) playerStats {
	t.Helper()
	target, err := ResolveTarget(context.Background(), url)
	require.NoError(t, err)
	cfg := Config{Timeout: 2 * time.Second}.withDefaults()
	start := time.Now()
	p := newPlayer(func() time.Duration { return time.Since(start) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, cfg.ReadBufferSize)
		if target.Proto == ProtoRTMP {
			playRTMP(ctx, p, target, &cfg, buf)
		} else {
			playFLV(ctx, p, target, &cfg, flvRequest(target), buf)
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		st := p.Stats()
		if st.Failed || (want > 0 && st.Media >= want) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Anything more than want would arrive now.
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("player did not stop")
	}
	return p.Stats()
}

func TestPlayerCountsExactly(t *testing.T) {
	msgs := syntheticStream(30, true)
	want := mediaBytes(msgs)
	for _, tc := range []struct {
		name string
		rtmp bool
		opts fakeOptions
	}{
		{"rtmp", true, fakeOptions{}},
		{"rtmp chunk size 4096, window, ping", true, fakeOptions{chunkSize: 4096, windowAck: 20000, ping: true}},
		{"rtmp extended timestamps, wide chunk stream IDs", true, fakeOptions{chunkSize: 300, baseTS: 0xFFFFFF, highCSID: true}},
		{"http-flv", false, fakeOptions{}},
		{"http-flv chunked", false, fakeOptions{chunked: true, bodyPiece: 777}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.msgs = msgs
			srv := newFakeServer(t, tc.rtmp, tc.opts)
			st := playOne(t, srv.URL(), want)
			assert.False(t, st.Failed, st.Failure)
			assert.True(t, st.Playing)
			assert.Equal(t, want, st.Media)
			assert.Greater(t, st.Wire, st.Media)
			assert.Positive(t, st.FirstMedia)
			assert.Positive(t, st.FirstVideo)
			assert.GreaterOrEqual(t, st.FirstVideo, st.FirstMedia)
			assert.Equal(t, 1, st.FirstVideoKey)
			assert.Positive(t, st.LastMedia)
			if tc.opts.ping {
				assert.Equal(t, int32(1), srv.pongs.Load(), "ping responses")
			}
			if tc.opts.windowAck > 0 {
				// About 32 KB arrive, in one read or several: at least one
				// acknowledgement.
				assert.Positive(t, srv.acks.Load(), "acknowledgements")
			}
		})
	}
}

func TestPlayerFirstVideoNotKeyframe(t *testing.T) {
	msgs := syntheticStream(5, false)
	for _, isRTMP := range []bool{true, false} {
		srv := newFakeServer(t, isRTMP, fakeOptions{msgs: msgs})
		st := playOne(t, srv.URL(), mediaBytes(msgs))
		assert.Equal(t, -1, st.FirstVideoKey, srv.URL())
		assert.Equal(t, mediaBytes(msgs), st.Media)
	}
}

func TestPlayerFailures(t *testing.T) {
	msgs := syntheticStream(3, true)
	for _, tc := range []struct {
		name   string
		rtmp   bool
		opts   fakeOptions
		reason string
	}{
		{"rtmp play refused", true, fakeOptions{rejectPlay: true}, "play: rejected: NetStream.Play.StreamNotFound"},
		{"rtmp server closes", true, fakeOptions{msgs: msgs, closeAfter: true}, "stream: closed by server"},
		{"http 404", false, fakeOptions{status: 404}, "response: http status 404"},
		{"http not flv", false, fakeOptions{contentType: "text/html"}, `response: content-type "text/html"`},
		{"http server closes", false, fakeOptions{msgs: msgs, closeAfter: true}, "stream: closed by server"},
		{"http chunked body ends", false, fakeOptions{msgs: msgs, closeAfter: true, chunked: true}, "stream: end of response body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeServer(t, tc.rtmp, tc.opts)
			st := playOne(t, srv.URL(), 0)
			require.True(t, st.Failed)
			assert.Equal(t, tc.reason, st.Failure)
			if tc.opts.closeAfter {
				assert.Equal(t, mediaBytes(msgs), st.Media, "media before the end")
			}
		})
	}
}

func TestPlayerSetupTimeout(t *testing.T) {
	for _, isRTMP := range []bool{true, false} {
		srv := newFakeServer(t, isRTMP, fakeOptions{silent: true})
		target, err := ResolveTarget(context.Background(), srv.URL())
		require.NoError(t, err)
		cfg := Config{Timeout: 200 * time.Millisecond}.withDefaults()
		p := newPlayer(func() time.Duration { return 0 })
		start := time.Now()
		buf := make([]byte, cfg.ReadBufferSize)
		if isRTMP {
			playRTMP(context.Background(), p, target, &cfg, buf)
		} else {
			playFLV(context.Background(), p, target, &cfg, flvRequest(target), buf)
		}
		assert.Less(t, time.Since(start), 2*time.Second)
		st := p.Stats()
		require.True(t, st.Failed)
		if isRTMP {
			assert.Equal(t, "handshake: timeout", st.Failure)
		} else {
			assert.Equal(t, "response: timeout", st.Failure)
		}
	}
}

// A bulk reader's socket does not wake it for a small write, only once
// its low-water mark of bytes waits.
func TestReadInBulkWakesOnlyAtLowat(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	srv, err := ln.Accept()
	require.NoError(t, err)
	defer srv.Close()

	p := &player{lowat: 32 << 10}
	require.NoError(t, p.readInBulk(client))
	buf := make([]byte, 64<<10)
	got := make(chan int, 1)
	go func() {
		n, _ := io.ReadAtLeast(client, buf, 1) // parks: nothing waits yet
		got <- n
	}()
	time.Sleep(50 * time.Millisecond)
	_, err = srv.Write(make([]byte, 1000))
	require.NoError(t, err)
	select {
	case n := <-got:
		t.Fatalf("woken for %d bytes, under the mark", n)
	case <-time.After(300 * time.Millisecond):
	}
	_, err = srv.Write(make([]byte, 40<<10))
	require.NoError(t, err)
	select {
	case n := <-got:
		assert.GreaterOrEqual(t, n, 32<<10, "one read takes what waited")
	case <-time.After(5 * time.Second):
		t.Fatal("not woken once the mark was reached")
	}
}
