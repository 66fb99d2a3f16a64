package rtsp

import (
	"context"
	"testing"
	"time"

	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/testpeer"
)

// TestPull: a camera's stream is pulled natively over TCP and published
// with the source's codecs.
func TestPull(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	st := castertest.Streams[0]
	url := castertest.StartCamera(t, st)

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

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"rtsp://cam/1":              "rtsp://cam/1",
		"rtsp://admin:s3cret@cam/1": "rtsp://admin:xxxxx@cam/1",
		"rtsp://admin@cam:554/1":    "rtsp://admin@cam:554/1",
		"rtsp://%zz":                "(bad URL)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
