package rtsp

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/headers"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/testpeer"
)

func startCaster(t *testing.T, host session.Host) *Caster {
	t.Helper()
	c, err := Listen(Config{Listen: "127.0.0.1:0", Output: "rtmp://127.0.0.1/[app]/[stream]", RTPPort: castertest.FreeUDPPair(t),
		FirstTagTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second}, host, castertest.Log(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func pushRTSP(t *testing.T, c *Caster, media, transport, userinfo, path string) error {
	return castertest.Push(t, media, "rtsp", fmt.Sprintf("rtsp://%s%s/%s", userinfo, c.Addr(), path), "-rtsp_transport", transport)
}

// TestPublish: ffmpeg pushes both test streams over RTSP with RTP over TCP
// and over UDP; ffprobe reads what was published.
func TestPublish(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	for _, transport := range []string{"tcp", "udp"} {
		for _, st := range castertest.Streams {
			t.Run(transport+"/"+st.Media, func(t *testing.T) {
				host := castertest.NewHost()
				c := startCaster(t, host)
				if err := pushRTSP(t, c, st.Media, transport, "", "live/cam.sdp?token=abc"); err != nil {
					t.Fatalf("ffmpeg: %v", err)
				}
				p := host.WaitClosed(t, 5*time.Second, 100)
				if r := p.Req; r.Proto != "rtsp" || r.App != "live" || r.Stream != "cam" || r.Param != "?token=abc" {
					t.Errorf("request %+v", r)
				}
				castertest.Probe(t, p.Save(t), st, st.Duration)
			})
		}
	}
}

// digestOK checks, as an on_publish service knowing the password would,
// the Digest credentials the caster passes in the param.
func digestOK(param, user, pass string) bool {
	q, err := url.ParseQuery(param[min(1, len(param)):])
	if err != nil || q.Get("rtsp_user") != user {
		return false
	}
	var h headers.Authorization
	if err := h.Unmarshal(base.HeaderValue{q.Get("rtsp_authorization")}); err != nil || h.Method != headers.AuthMethodDigest {
		return false
	}
	md := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	want := md(md(user+":"+h.Realm+":"+pass) + ":" + h.Nonce + ":" + md("ANNOUNCE:"+h.URI))
	return h.Response == want
}

// TestAuth: on_publish decides on credentials: without any the client is
// challenged, ffmpeg answers with Digest, and only the right password
// publishes.
func TestAuth(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	host := castertest.NewHost()
	host.Reject = func(r session.Request) error {
		if !digestOK(r.Param, "alice", "secret") {
			return errors.New("bad credentials")
		}
		return nil
	}
	c := startCaster(t, host)
	if err := pushRTSP(t, c, castertest.Streams[1].Media, "tcp", "alice:wrong@", "live/a"); err == nil {
		t.Error("published with a wrong password")
	}
	if err := pushRTSP(t, c, castertest.Streams[1].Media, "tcp", "", "live/a"); err == nil {
		t.Error("published without credentials")
	}
	if err := pushRTSP(t, c, castertest.Streams[1].Media, "tcp", "alice:secret@", "live/a"); err != nil {
		t.Fatalf("ffmpeg with the right password: %v", err)
	}
	p := host.WaitClosed(t, 5*time.Second, 100)
	if p.Req.Stream != "a" {
		t.Errorf("published %+v", p.Req)
	}
}

// TestBadRequests: a broken request line and a DESCRIBE get an error for
// that connection only; a publish works afterwards.
func TestBadRequests(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	host := castertest.NewHost()
	c := startCaster(t, host)
	for _, req := range []string{
		"GARBAGE WITHOUT A PROTOCOL\r\n\r\n",
		"\x00\x01\x02 \xff\xfe RTSP/1.0\r\n\r\n",
		"ANNOUNCE rtsp://x/live/s RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999999\r\n\r\n",
		"DESCRIBE rtsp://x/live/s RTSP/1.0\r\nCSeq: 1\r\n\r\n",
	} {
		conn, err := net.Dial("tcp", c.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(conn, req)
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		b, err := io.ReadAll(io.LimitReader(conn, 4096))
		conn.Close()
		t.Logf("%q → %q", req, b)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("%q: connection still open", req)
		}
	}
	if len(host.Requests()) != 0 {
		t.Errorf("requests %+v", host.Requests())
	}
	st := castertest.Streams[1]
	if err := pushRTSP(t, c, st.Media, "tcp", "", "live/after"); err != nil {
		t.Fatal(err)
	}
	castertest.Probe(t, host.WaitClosed(t, 5*time.Second, 100).Save(t), st, st.Duration)
}

// TestPublishH265: H.265 pushed over RTSP becomes Enhanced RTMP hvc1 tags:
// the sequence start with the stream's parameter sets, then 100 frames,
// the first a keyframe.
func TestPublishH265(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	// The raw stream has no timestamps: give it some in MP4 first.
	mp4 := filepath.Join(t.TempDir(), "h265.mp4")
	if err := testpeer.Start(t, "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-framerate", "25",
		"-i", testpeer.Media(t, "h265_360p25.hevc"), "-c", "copy", "-y", mp4).Wait(); err != nil {
		t.Fatal(err)
	}
	host := castertest.NewHost()
	c := startCaster(t, host)
	if err := testpeer.Start(t, "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-readrate", "4",
		"-i", mp4, "-c", "copy", "-f", "rtsp", "-rtsp_transport", "tcp", fmt.Sprintf("rtsp://%s/live/hevc", c.Addr())).Wait(); err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	p := host.WaitClosed(t, 5*time.Second, 50)
	f, err := os.Open(p.Save(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := flv.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	frames := 0
	var last uint32
	for i := 0; ; i++ {
		tag, err := r.ReadTag()
		if err != nil {
			break
		}
		if tag.Timestamp < last {
			t.Fatalf("tag %d: timestamp %d after %d", i, tag.Timestamp, last)
		}
		last = tag.Timestamp
		h, err := flv.ParseVideoTagHeader(tag.Data)
		if err != nil || h.Codec != flv.VideoCodecHEVC || !h.Enhanced {
			t.Fatalf("tag %d: %+v %v", i, h, err)
		}
		switch {
		case i == 0:
			cfg, err := flv.ParseHEVCConfig(tag.Data[h.HeaderLen:])
			if !h.IsSequenceHeader() || err != nil || len(cfg.VPS) != 1 || len(cfg.SPS) != 1 || len(cfg.PPS) != 1 {
				t.Fatalf("first tag is not the sequence start: %+v %v", h, err)
			}
		case i == 1 && h.FrameType != flv.FrameTypeKey:
			t.Fatal("the first frame is not a keyframe")
		case h.IsSequenceHeader():
		default:
			frames++
		}
	}
	if frames < 95 {
		t.Errorf("%d frames of 100", frames)
	}
}
