package server

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// mediaCase is what ffprobe finds in each test file.
type mediaCase struct {
	file       string
	duration   float64
	video      string
	width      int
	height     int
	audio      string
	sampleRate int
	channels   int
}

var mediaCases = []mediaCase{
	{"h264_aac_720p25.flv", 10.08, "h264", 1280, 720, "aac", 44100, 2},
	{"h264_mp3_360p30.flv", 6.03, "h264", 640, 360, "mp3", 44100, 1},
	{"h264_only.flv", 6.08, "h264", 640, 360, "", 0, 0},
	{"aac_only.flv", 6.02, "", 0, 0, "aac", 48000, 1},
}

func checkStreams(t *testing.T, what string, mc mediaCase, r *testpeer.ProbeResult) {
	t.Helper()
	if mc.video != "" {
		v := r.Video()
		if assert.NotNil(t, v, "%s: video stream", what) {
			assert.Equal(t, mc.video, v.CodecName, what)
			assert.Equal(t, mc.width, v.Width, what)
			assert.Equal(t, mc.height, v.Height, what)
		}
	} else {
		assert.Nil(t, r.Video(), "%s: no video", what)
	}
	if mc.audio != "" {
		a := r.Audio()
		if assert.NotNil(t, a, "%s: audio stream", what) {
			assert.Equal(t, mc.audio, a.CodecName, what)
			assert.Equal(t, mc.sampleRate, a.SampleRate, what)
			assert.Equal(t, mc.channels, a.Channels, what)
		}
	} else {
		assert.Nil(t, r.Audio(), "%s: no audio", what)
	}
}

// TestPublishAndPlayEveryMediaFile publishes each test file with ffmpeg
// while an RTMP and an HTTP-FLV player record it from the first byte; the
// recordings hold the same streams and (nearly) the whole duration, and
// live probes over both protocols see the same streams.
func TestPublishAndPlayEveryMediaFile(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	ts := startServer(t, nil)
	for _, mc := range mediaCases {
		mc := mc
		t.Run(mc.file, func(t *testing.T) {
			t.Parallel()
			stream := strings.TrimSuffix(mc.file, ".flv")
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			limit := time.Duration(mc.duration*float64(time.Second)) + 6*time.Second

			// The RTMP player arrives before the publisher; the HTTP-FLV
			// player as soon as the stream exists.
			rtmpOut := make(chan error, 1)
			go func() {
				_, err := testpeer.Record(ctx, ts.rtmpURL(stream), filepath.Join(dir, "rtmp.flv"), limit)
				rtmpOut <- err
			}()
			ts.source(stream, false)
			flvOut := make(chan error, 1)
			go func() {
				_, err := testpeer.Record(ctx, ts.flvURL(stream), filepath.Join(dir, "http.flv"), limit)
				flvOut <- err
			}()
			time.Sleep(500 * time.Millisecond) // let both players settle before the first frame
			pub := testpeer.Publish(t, testpeer.Media(t, mc.file), ts.rtmpURL(stream), testpeer.PublishOptions{})

			// Live probes while it plays, side by side: over RTMP, with no
			// FLV header flags, ffprobe waits a while for a missing track.
			ts.source(stream, true)
			urls := []string{ts.rtmpURL(stream), ts.flvURL(stream)}
			probes := make(chan error, len(urls))
			for _, url := range urls {
				go func() {
					r, err := testpeer.Probe(ctx, url)
					if err == nil {
						checkStreams(t, "live "+url, mc, r)
					}
					probes <- err
				}()
			}
			for range urls {
				require.NoError(t, <-probes)
			}
			require.NoError(t, pub.Wait())
			require.NoError(t, <-rtmpOut, "rtmp recording")
			require.NoError(t, <-flvOut, "http-flv recording")

			for _, name := range []string{"rtmp.flv", "http.flv"} {
				r, err := testpeer.Probe(ctx, filepath.Join(dir, name))
				require.NoError(t, err, name)
				checkStreams(t, name, mc, r)
				assert.InDelta(t, mc.duration, r.Format.Duration, 0.6,
					"%s: recorded duration %.2f s of %.2f s published", name, r.Format.Duration, mc.duration)
			}
		})
	}
}

// TestRtmpdumpComplexHandshake plays with rtmpdump into a file ffprobe
// reads. With a SWF hash librtmp uses the Flash Player 9 (complex)
// handshake and checks the server's S1 digest.
func TestRtmpdumpComplexHandshake(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe", "rtmpdump")
	ts := startServer(t, nil)
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("dump"), testpeer.PublishOptions{Loop: true})
	ts.source("dump", true)
	out := filepath.Join(t.TempDir(), "dump.flv")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	swfHash := strings.Repeat("ab", 32)
	require.NoError(t, testpeer.RtmpDump(ctx, ts.rtmpURL("dump"), out, 3*time.Second, "-w", swfHash, "-x", "1"))
	r, err := testpeer.Probe(ctx, out)
	require.NoError(t, err)
	checkStreams(t, "rtmpdump", mediaCases[0], r)
	assert.Greater(t, r.Format.Duration, 1.5)
	assert.NotEmpty(t, ts.logs.Lines("rtmp play", "dump"))
	assert.Len(t, ts.logs.Lines("rtmp connect", "handshake=complex"), 2, "ffmpeg and rtmpdump both used the complex handshake")
}

// TestPlayersStartOnKeyframe: players that join just after a keyframe get
// that keyframe from the GOP cache at once, well under the 2 s GOP, over
// RTMP and HTTP-FLV. With gop_cache off the same players wait for the next
// keyframe, which shows that the measure proves the cache.
func TestPlayersStartOnKeyframe(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	for _, tc := range []struct {
		gopCache bool
		check    func(t *testing.T, d time.Duration, proto string)
	}{
		{true, func(t *testing.T, d time.Duration, proto string) {
			assert.Less(t, d, 300*time.Millisecond, "%s: the first frame comes from the GOP cache", proto)
		}},
		{false, func(t *testing.T, d time.Duration, proto string) {
			assert.Greater(t, d, time.Second, "%s: without the cache, the next keyframe", proto)
		}},
	} {
		t.Run(fmt.Sprintf("gop_cache=%v", tc.gopCache), func(t *testing.T) {
			ts := startServer(t, func(c *config.Config) { c.Vhost(DefaultVhost).Play.GopCache = tc.gopCache })
			testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("gop"), testpeer.PublishOptions{Loop: true})
			ts.source("gop", true)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			watcher, err := client.Dial(ctx, ts.rtmpURL("gop"))
			require.NoError(t, err)
			defer watcher.Close()
			require.NoError(t, watcher.Play(ctx, "gop"))
			// Join just after the second keyframe the watcher sees.
			require.NoError(t, watcher.SetReadDeadline(time.Now().Add(15*time.Second)))
			for keyframes := 0; keyframes < 2; {
				m, err := watcher.ReadMessage()
				require.NoError(t, err)
				if m.Type == rtmp.MsgVideo && flv.IsVideoKeyframe(m.Payload()) && !flv.IsVideoSequenceHeader(m.Payload()) {
					keyframes++
				}
				m.Body.Release()
			}
			type first struct {
				after time.Duration
				key   bool
				err   error
			}
			rtmpFirst, flvFirst := make(chan first, 1), make(chan first, 1)
			start := time.Now()
			go func() {
				c, err := client.Dial(ctx, ts.rtmpURL("gop"))
				if err != nil {
					rtmpFirst <- first{err: err}
					return
				}
				defer c.Close()
				if err := c.Play(ctx, "gop"); err != nil {
					rtmpFirst <- first{err: err}
					return
				}
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				for {
					m, err := c.ReadMessage()
					if err != nil {
						rtmpFirst <- first{err: err}
						return
					}
					p := m.Payload()
					if m.Type == rtmp.MsgVideo && !flv.IsVideoSequenceHeader(p) {
						rtmpFirst <- first{after: time.Since(start), key: flv.IsVideoKeyframe(p)}
						m.Body.Release()
						return
					}
					m.Body.Release()
				}
			}()
			go func() {
				req, _ := http.NewRequestWithContext(ctx, "GET", ts.flvURL("gop"), nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					flvFirst <- first{err: err}
					return
				}
				defer resp.Body.Close()
				r, err := flv.NewReader(bufio.NewReader(resp.Body))
				for err == nil {
					var tag *flv.Tag
					if tag, err = r.ReadTag(); err == nil && tag.Type == flv.TagVideo && !flv.IsVideoSequenceHeader(tag.Data) {
						flvFirst <- first{after: time.Since(start), key: flv.IsVideoKeyframe(tag.Data)}
						return
					}
				}
				flvFirst <- first{err: err}
			}()
			for proto, ch := range map[string]chan first{"rtmp": rtmpFirst, "http-flv": flvFirst} {
				f := <-ch
				require.NoError(t, f.err, proto)
				t.Logf("%s: first video frame after %v", proto, f.after)
				assert.True(t, f.key, "%s: the first frame is a keyframe", proto)
				tc.check(t, f.after, proto)
			}
			if tc.gopCache {
				// ffprobe agrees: its first video packet is a keyframe.
				pkts, err := testpeer.Packets(ctx, ts.flvURL("gop"), "-read_intervals", "%+#30")
				require.NoError(t, err)
				for _, p := range pkts {
					if p.CodecType == "video" {
						assert.True(t, p.Keyframe(), "ffprobe starts on a keyframe (flags %q)", p.Flags)
						break
					}
				}
			}
		})
	}
}

func closeTo(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
