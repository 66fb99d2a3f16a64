package rtsp

import (
	"context"
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

	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/testpeer"
)

// camera is an RTSP server standing in for a camera: what ffmpeg pushes to
// it (ANNOUNCE/RECORD) it serves to readers (DESCRIBE/PLAY).
type camera struct {
	srv    *gortsplib.Server
	ln     net.Listener
	mu     sync.Mutex
	stream *gortsplib.ServerStream
}

func startCamera(t *testing.T) *camera {
	t.Helper()
	c := &camera{}
	c.srv = &gortsplib.Server{Handler: c, RTSPAddress: "127.0.0.1:0",
		Listen: func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			c.ln = ln
			return ln, err
		}}
	if err := c.srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.srv.Close)
	return c
}

func (c *camera) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
}

func (c *camera) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stream = gortsplib.NewServerStream(c.srv, ctx.Description)
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (c *camera) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
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

func (c *camera) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (c *camera) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	c.mu.Lock()
	st := c.stream
	c.mu.Unlock()
	ctx.Session.OnPacketRTPAny(func(m *description.Media, _ format.Format, pkt *rtp.Packet) {
		_ = st.WritePacketRTP(m, pkt)
	})
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// TestPull: a camera's stream is pulled natively over TCP and published
// with the source's codecs.
func TestPull(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	cam := startCamera(t)
	st := castertest.Streams[0]
	url := fmt.Sprintf("rtsp://%s/cam", cam.ln.Addr())
	// The camera streams in real time, looping, until the test ends.
	testpeer.Start(t, "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1",
		"-i", testpeer.Media(t, st.Media), "-c", "copy", "-f", "rtsp", "-rtsp_transport", "tcp", url)
	deadline := time.Now().Add(5 * time.Second)
	for {
		cam.mu.Lock()
		ready := cam.stream != nil
		cam.mu.Unlock()
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ffmpeg did not publish to the camera")
		}
		time.Sleep(20 * time.Millisecond)
	}

	host := castertest.NewHost()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Pull(ctx, url, host, session.Request{App: "live", Stream: "cam", Internal: true}, PullOptions{TCP: true}, castertest.Log(t))
	}()
	ps := host.Wait(t, 10*time.Second, "3 s of pulled media", func(ps []*castertest.Publisher) bool {
		return len(ps) == 1 && ps[0].Tags() > 3*(25+43)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if r := ps[0].Req; r.Proto != "rtsp-pull" || r.Stream != "cam" {
		t.Errorf("request %+v", r)
	}
	castertest.Probe(t, ps[0].Save(t), st, 0)
}
