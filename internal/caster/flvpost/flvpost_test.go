package flvpost

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/testpeer"
)

func startCaster(t *testing.T, host session.Host) *Caster {
	t.Helper()
	return startCasterMax(t, host, 0)
}

func startCasterMax(t *testing.T, host session.Host, maxConns int) *Caster {
	t.Helper()
	log := castertest.Log(t)
	c, err := Listen(Config{Listen: "127.0.0.1:0", Output: "rtmp://127.0.0.1/[app]/[stream]",
		FirstTagTimeout: 500 * time.Millisecond, IdleTimeout: 500 * time.Millisecond, MaxConnections: maxConns}, host, log)
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	t.Cleanup(func() { c.Close() })
	return c
}

// TestPublish: ffmpeg POSTs both test streams chunked, curl POSTs one with
// a Content-Length; each is published under the path's app and stream with
// the query for on_publish, and ffprobe reads what was published.
func TestPublish(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe", "curl")
	tests := []struct {
		name, client string
		castertest.Stream
	}{
		{"ffmpeg chunked 720p", "ffmpeg", castertest.Streams[0]},
		{"ffmpeg chunked mp3", "ffmpeg", castertest.Streams[1]},
		{"curl plain mp3", "curl", castertest.Streams[1]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := castertest.NewHost()
			c := startCaster(t, host)
			url := fmt.Sprintf("http://%s/live/%s.flv?token=abc", c.Addr(), tc.client)
			var err error
			if tc.client == "ffmpeg" {
				err = castertest.Push(t, tc.Media, "flv", url, "-method", "POST")
			} else {
				err = testpeer.Start(t, "curl", "-sS", "-f", "--data-binary", "@"+testpeer.Media(t, tc.Media),
					"-H", "Content-Type: video/x-flv", url).Wait()
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.client, err)
			}
			pub := host.WaitClosed(t, 5*time.Second, 100)
			if r := pub.Req; r.Proto != "flv-post" || r.App != "live" || r.Stream != tc.client || r.Param != "?token=abc" || !strings.HasPrefix(r.RemoteAddr, "127.0.0.1:") {
				t.Errorf("request %+v", r)
			}
			castertest.Probe(t, pub.Save(t), tc.Stream, tc.Duration)
		})
	}
}

// rawPost opens a connection and sends a chunked POST head.
func rawPost(t *testing.T, c *Caster, path string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", c.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", path)
	return conn
}

func chunk(conn net.Conn, b []byte) {
	fmt.Fprintf(conn, "%x\r\n%s\r\n", len(b), b)
}

// waitEnd waits for the server to end the connection.
func waitEnd(t *testing.T, conn net.Conn, within time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection still open after %v", within)
	}
}

// TestBadInput: a POST that never sends media, one that sends garbage and
// one announcing an oversized tag each end with their publisher, and a
// refused publish gets 403.
func TestBadInput(t *testing.T) {
	big := flv.AppendHeader(nil, true, true)
	big = append(big, flv.TagVideo, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x17)
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"no media", nil},
		{"header only", flv.AppendHeader(nil, true, true)},
		{"garbage", []byte("this is not an FLV stream at all")},
		{"oversized tag", big},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := castertest.NewHost()
			c := startCaster(t, host)
			conn := rawPost(t, c, "/live/bad.flv")
			if tc.body != nil {
				chunk(conn, tc.body)
			}
			waitEnd(t, conn, 3*time.Second)
			host.WaitClosed(t, time.Second, 0)
		})
	}
	t.Run("refused", func(t *testing.T) {
		host := castertest.NewHost()
		host.Reject = func(session.Request) error { return errors.New("no") }
		c := startCaster(t, host)
		resp, err := http.Post("http://"+c.Addr().String()+"/live/s.flv", "video/x-flv", strings.NewReader("FLV"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
}

// TestKick: when the server ends the publisher, the POST ends.
func TestKick(t *testing.T) {
	host := castertest.NewHost()
	c := startCaster(t, host)
	conn := rawPost(t, c, "/live/k.flv")
	b := flv.AppendHeader(nil, false, false)
	b = flv.AppendTag(b, flv.TagScript, 0, []byte{2, 0, 1, 'x'})
	chunk(conn, b)
	pubs := host.Wait(t, 2*time.Second, "a publish with a tag", func(ps []*castertest.Publisher) bool {
		return len(ps) == 1 && ps[0].Tags() == 1
	})
	// Keep the stream alive with tags while it is kicked.
	go func() {
		for i := range 50 {
			chunk(conn, flv.AppendTag(nil, flv.TagScript, uint32(i), []byte{2, 0, 1, 'x'}))
			time.Sleep(20 * time.Millisecond)
		}
	}()
	pubs[0].Kick()
	waitEnd(t, conn, 400*time.Millisecond) // before the tags stop and the idle timeout could end it
}

// TestMaxConnections: a flood of connections past max_connections is
// closed at once; the one publishing goes on.
func TestMaxConnections(t *testing.T) {
	host := castertest.NewHost()
	c := startCasterMax(t, host, 1)
	conn := rawPost(t, c, "/live/one.flv")
	chunk(conn, flv.AppendHeader(nil, false, false))
	host.Wait(t, 2*time.Second, "the publish", func(ps []*castertest.Publisher) bool { return len(ps) == 1 })
	for range 5 {
		extra, err := net.Dial("tcp", c.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		waitEnd(t, extra, 300*time.Millisecond)
		extra.Close()
	}
	if ps := host.Wait(t, time.Second, "", func([]*castertest.Publisher) bool { return true }); ps[0].Closed() {
		t.Error("the publish ended")
	}
}
