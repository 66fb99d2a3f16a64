package castertest

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"

	"github.com/cascade-live/cascade/internal/testpeer"
)

// Camera is an RTSP server standing in for a camera: what ffmpeg pushes to
// it (ANNOUNCE/RECORD) it serves to readers (DESCRIBE/PLAY), whatever the
// path they ask for.
type Camera struct {
	// URL is rtsp://127.0.0.1:port/cam; any other path reads the same.
	URL string

	srv     *gortsplib.Server
	mu      sync.Mutex
	stream  *gortsplib.ServerStream
	readers map[*gortsplib.ServerSession]bool // sessions that sent PLAY and are open
	plays   int
}

// StartCamera runs an RTSP camera on the loopback that streams st's media
// in real time, looping, until the test ends, and returns its URL once
// the stream can be read. ffmpeg pushes the media to it over TCP.
func StartCamera(t *testing.T, st Stream) string {
	t.Helper()
	return NewCamera(t, st).URL
}

// Readers is the number of RTSP sessions reading the camera now.
func (c *Camera) Readers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.readers)
}

// Plays is the number of PLAY requests the camera answered.
func (c *Camera) Plays() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.plays
}

// NewCamera is StartCamera, returning the camera.
func NewCamera(t *testing.T, st Stream) *Camera {
	t.Helper()
	testpeer.Require(t, "ffmpeg")
	c := &Camera{readers: map[*gortsplib.ServerSession]bool{}}
	var ln net.Listener
	c.srv = &gortsplib.Server{Handler: c, RTSPAddress: "127.0.0.1:0",
		Listen: func(network, address string) (net.Listener, error) {
			l, err := net.Listen(network, address)
			ln = l
			return l, err
		}}
	if err := c.srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.srv.Close)
	c.URL = fmt.Sprintf("rtsp://%s/cam", ln.Addr())
	url := c.URL
	testpeer.Start(t, "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1",
		"-i", testpeer.Media(t, st.Media), "-c", "copy", "-f", "rtsp", "-rtsp_transport", "tcp", url)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		ready := c.stream != nil
		c.mu.Unlock()
		if ready {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatal("ffmpeg did not publish to the camera")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *Camera) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *Camera) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stream = gortsplib.NewServerStream(c.srv, ctx.Description)
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (c *Camera) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx.Session.AnnouncedDescription() == nil { // a reader
		if c.stream == nil {
			return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
		}
		return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, nil, nil
}

func (c *Camera) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	c.mu.Lock()
	c.readers[ctx.Session] = true
	c.plays++
	c.mu.Unlock()
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (c *Camera) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	c.mu.Lock()
	delete(c.readers, ctx.Session)
	c.mu.Unlock()
}

func (c *Camera) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	c.mu.Lock()
	st := c.stream
	c.mu.Unlock()
	ctx.Session.OnPacketRTPAny(func(m *description.Media, _ format.Format, pkt *rtp.Packet) {
		_ = st.WritePacketRTP(m, pkt)
	})
	return &base.Response{StatusCode: base.StatusOK}, nil
}
