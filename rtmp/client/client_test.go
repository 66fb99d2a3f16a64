package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/rtmp"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		raw  string
		want URL
		bad  bool
	}{
		{raw: "rtmp://example.com/live/stream", want: URL{Host: "example.com:1935", App: "live", Stream: "stream", TcURL: "rtmp://example.com/live"}},
		{raw: "rtmp://127.0.0.1:1936/live/stream?token=abc", want: URL{Host: "127.0.0.1:1936", App: "live", Stream: "stream?token=abc", TcURL: "rtmp://127.0.0.1:1936/live"}},
		{raw: "rtmp://127.0.0.1/live?key=k1", want: URL{Host: "127.0.0.1:1935", App: "live", TcURL: "rtmp://127.0.0.1/live?key=k1"}},
		{raw: "rtmp://h/app/inst/stream", want: URL{Host: "h:1935", App: "app/inst", Stream: "stream", TcURL: "rtmp://h/app/inst"}},
		{raw: "rtmp://h/live", want: URL{Host: "h:1935", App: "live", TcURL: "rtmp://h/live"}},
		{raw: "rtmp://[::1]/live/s", want: URL{Host: "[::1]:1935", App: "live", Stream: "s", TcURL: "rtmp://[::1]/live"}},
		{raw: "http://h/live/s", bad: true},
		{raw: "rtmp:///live/s", bad: true},
		{raw: "rtmp://h/", bad: true},
		{raw: "rtmp://h", bad: true},
		{raw: "rtmp://%zz/live", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := ParseURL(tt.raw)
			if tt.bad {
				if err == nil {
					t.Fatalf("got %+v, want an error", u)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *u != tt.want {
				t.Fatalf("got %+v, want %+v", *u, tt.want)
			}
		})
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, ctx context.Context, url string, opts ...Option) *Conn {
	t.Helper()
	c, err := Dial(ctx, url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type media struct {
	typ     uint8
	ts      uint32
	payload []byte
}

func testMedia(n int) []media {
	var ms []media
	for i := 0; i < n; i++ {
		ms = append(ms,
			media{rtmp.MsgVideo, uint32(i * 40), bytes.Repeat([]byte{byte(i)}, 1000+i*997%20000)},
			media{rtmp.MsgAudio, uint32(i*40 + 3), bytes.Repeat([]byte{0xaf, byte(i)}, 100+i%50)},
		)
	}
	return ms
}

// A publisher and a player through the in-test server: handshake, connect,
// publish, play, metadata, media order and timestamps, pings and the end
// of the stream.
func TestPublishPlay(t *testing.T) {
	for _, simple := range []bool{false, true} {
		t.Run(fmt.Sprintf("simple=%v", simple), func(t *testing.T) {
			s := newTestServer(t)
			ctx := testContext(t)
			var opts []Option
			want := "complex"
			if simple {
				opts = append(opts, WithSimpleHandshake())
				want = "simple"
			}
			pub := dial(t, ctx, s.url("live/cam"), opts...)
			if got := s.handshake.Load(); got != want {
				t.Fatalf("server saw a %v handshake, want %s", got, want)
			}
			if err := pub.Publish(ctx, ""); err != nil {
				t.Fatal(err)
			}
			if pub.StreamID() != 1 {
				t.Fatalf("stream ID %d", pub.StreamID())
			}
			if err := pub.WriteMetadata(testMeta); err != nil {
				t.Fatal(err)
			}
			// Sequence headers before any player.
			if err := pub.WritePayload(rtmp.MsgVideo, 0, []byte{0x17, 0, 0, 0, 0}); err != nil {
				t.Fatal(err)
			}
			if err := pub.WritePayload(rtmp.MsgAudio, 0, []byte{0xaf, 0}); err != nil {
				t.Fatal(err)
			}

			player := dial(t, ctx, s.url("live/cam"), opts...)
			if err := player.Play(ctx, ""); err != nil {
				t.Fatal(err)
			}
			expect := func(typ uint8, ts uint32, payload []byte) {
				t.Helper()
				m, err := player.ReadMessage()
				if err != nil {
					t.Fatal(err)
				}
				defer m.Body.Release()
				if m.Type != typ || m.Timestamp != ts || !bytes.Equal(m.Payload(), payload) || m.StreamID != player.StreamID() {
					t.Fatalf("got type %d ts %d sid %d payload %.20x; want type %d ts %d payload %.20x",
						m.Type, m.Timestamp, m.StreamID, m.Payload(), typ, ts, payload)
				}
			}
			sampleAccess, _ := amf.AppendAll0(nil, "|RtmpSampleAccess", true, true)
			expect(rtmp.MsgAMF0Data, 0, sampleAccess)
			onMeta, _ := amf.AppendAll0(nil, "onMetaData", testMeta)
			expect(rtmp.MsgAMF0Data, 0, onMeta)
			expect(rtmp.MsgVideo, 0, []byte{0x17, 0, 0, 0, 0})
			expect(rtmp.MsgAudio, 0, []byte{0xaf, 0})

			// Read the publisher's side (pings) in the background.
			go func() {
				for {
					m, err := pub.ReadMessage()
					if err != nil {
						return
					}
					m.Body.Release()
				}
			}()
			ms := testMedia(100)
			go func() {
				for _, m := range ms {
					if err := pub.WritePayload(m.typ, m.ts, m.payload); err != nil {
						t.Error(err)
						return
					}
				}
			}()
			for _, m := range ms {
				expect(m.typ, m.ts, m.payload)
			}
			pub.Close()
			m, err := player.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			cmd, err := rtmp.ParseCommand(m.Type, m.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if code, _ := rtmp.StatusInfo(cmd).GetString("code"); code != rtmp.CodePlayUnpublishNotify {
				t.Fatalf("got %+v, want UnpublishNotify", cmd)
			}
			if deadline := time.Now().Add(5 * time.Second); s.pongs.Load() < 2 {
				for s.pongs.Load() < 2 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
			}
			if s.pongs.Load() < 2 {
				t.Fatalf("%d ping responses, want 2", s.pongs.Load())
			}
		})
	}
}

// The client acknowledges a window's worth of bytes.
func TestAcknowledgements(t *testing.T) {
	s := newTestServer(t)
	ctx := testContext(t)
	pub := dial(t, ctx, s.url("live/ack"))
	if err := pub.Publish(ctx, ""); err != nil {
		t.Fatal(err)
	}
	player := dial(t, ctx, s.url("live/ack"))
	if err := player.Play(ctx, ""); err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 100000)
	const n = 60 // 6 MB: two 2.5 MB windows
	go func() {
		for i := 0; i < n; i++ {
			if err := pub.WritePayload(rtmp.MsgVideo, uint32(i), payload); err != nil {
				return
			}
		}
	}()
	for i := 0; i < n; {
		m, err := player.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == rtmp.MsgVideo {
			i++
		}
		m.Body.Release()
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.acks.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.acks.Load(); got != 2 {
		t.Fatalf("%d acknowledgements, want 2", got)
	}
}

func TestStatusErrors(t *testing.T) {
	s := newTestServer(t)
	ctx := testContext(t)

	_, err := Dial(ctx, s.url("reject/x"))
	var se *StatusError
	if !errors.As(err, &se) || se.Code != rtmp.CodeConnectRejected || se.Command != "connect" || se.Description != "go away" {
		t.Fatalf("connect: err = %v", err)
	}

	c := dial(t, ctx, s.url("live/missing"))
	err = c.Play(ctx, "")
	if !errors.As(err, &se) || se.Code != rtmp.CodePlayStreamNotFound || se.Command != "play" {
		t.Fatalf("play: err = %v", err)
	}

	pub := dial(t, ctx, s.url("live/busy"))
	if err := pub.Publish(ctx, ""); err != nil {
		t.Fatal(err)
	}
	pub2 := dial(t, ctx, s.url("live/busy"))
	err = pub2.Publish(ctx, "")
	if !errors.As(err, &se) || se.Code != rtmp.CodePublishBadName || se.Level != rtmp.LevelError {
		t.Fatalf("publish: err = %v", err)
	}
	if err.Error() != "rtmp client: publish: NetStream.Publish.BadName: Already publishing" {
		t.Fatalf("message %q", err.Error())
	}

	if err := c.Publish(ctx, "?"); err == nil {
		// "?" is a valid if odd name: publishing it must work.
	} else {
		t.Fatal(err)
	}
}

// The commands the client sends are what servers expect.
func TestClientCommands(t *testing.T) {
	s := newTestServer(t)
	ctx := testContext(t)
	pub := dial(t, ctx, s.url("app/inst/name?k=v"), WithFlashVer("test/1.0"))
	if err := pub.Publish(ctx, ""); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(s.commands) > 0 {
		cmd := <-s.commands
		got = append(got, fmt.Sprintf("%s %v %v", cmd.Name, cmd.TransactionID, cmd.Args))
		if cmd.Name == rtmp.CmdConnect {
			p, _ := rtmp.ParseConnect(cmd)
			if p.App != "app/inst" || p.TcURL != "rtmp://"+s.ln.Addr().String()+"/app/inst" || p.FlashVer != "test/1.0" || p.Type != "nonprivate" {
				t.Errorf("connect %+v", p)
			}
		}
	}
	want := []string{
		"connect 1 []",
		"releaseStream 2 [name?k=v]",
		"FCPublish 3 [name?k=v]",
		"createStream 4 []",
		"publish 5 [name?k=v live]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestDialTimeout(t *testing.T) {
	// A server that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Dial(ctx, "rtmp://"+ln.Addr().String()+"/live/x")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("Dial did not honour the context")
	}

	// Cancellation without a deadline.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err = Dial(ctx, "rtmp://"+ln.Addr().String()+"/live/x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want Canceled", err)
	}
}

func TestOptions(t *testing.T) {
	ctx := testContext(t)
	if _, err := Dial(ctx, "rtmp://127.0.0.1:1/live/x", WithChunkSize(0)); err == nil {
		t.Fatal("chunk size 0 accepted")
	}
	if _, err := Dial(ctx, "http://x/y"); err == nil {
		t.Fatal("bad URL accepted")
	}
	dialed := false
	s := newTestServer(t)
	c := dial(t, ctx, s.url("live/x"), WithChunkSize(60000), WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = true
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}))
	if !dialed {
		t.Fatal("custom dialer not used")
	}
	if err := c.SetChunkSize(0); err == nil {
		t.Fatal("SetChunkSize(0) accepted")
	}
	if err := c.Publish(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.WritePayload(rtmp.MsgVideo, 0, make([]byte, 1<<24)); !errors.Is(err, rtmp.ErrMessageTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if err := c.WriteMessage(&rtmp.Message{Type: rtmp.MsgVideo, CSID: 1}); err == nil {
		t.Fatal("csid 1 accepted")
	}
}

// NewConn works over any net.Conn.
func TestNewConnPipe(t *testing.T) {
	s := newTestServer(t)
	ctx := testContext(t)
	nc, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewConn(ctx, nc, "rtmp://cascade.test/live/p")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.URL().Stream != "p" || c.NetConn() != nc {
		t.Fatal("URL or NetConn")
	}
	if err := c.Publish(ctx, ""); err != nil {
		t.Fatal(err)
	}
}
