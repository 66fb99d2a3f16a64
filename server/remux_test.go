package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/testpeer"
)

// TestHTTPRemuxByExtension: as in SRS, an http_remux mount ending in .ts,
// .aac or .mp3 serves the live stream as MPEG-TS, ADTS AAC or MP3; ffprobe
// reads each as that format, from a player that joins mid-stream.
func TestHTTPRemuxByExtension(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	for _, tc := range []struct {
		ext, file, format, codec string
	}{
		{".ts", "h264_aac_720p25.flv", "mpegts", "h264"},
		{".aac", "h264_aac_720p25.flv", "aac", "aac"},
		{".mp3", "h264_mp3_360p30.flv", "mp3", "mp3"},
	} {
		t.Run(tc.ext, func(t *testing.T) {
			ts := startServer(t, func(c *config.Config) {
				c.Vhost(DefaultVhost).HTTPRemux.Mount = "[vhost]/[app]/[stream]" + tc.ext
			})
			testpeer.Publish(t, testpeer.Media(t, tc.file), ts.rtmpURL("r"), testpeer.PublishOptions{Loop: true})
			ts.source("r", true)
			time.Sleep(1500 * time.Millisecond) // join mid-GOP
			url := fmt.Sprintf("http://%s/live/r%s", ts.HTTPAddr(), tc.ext)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out := filepath.Join(t.TempDir(), "out"+tc.ext)
			_, err := testpeer.Record(ctx, url, out, 4*time.Second)
			require.NoError(t, err)
			r, err := testpeer.Probe(ctx, out)
			require.NoError(t, err)
			assert.Contains(t, strings.Split(r.Format.Name, ","), tc.format)
			var codecs []string
			for _, s := range r.Streams {
				codecs = append(codecs, s.CodecName)
			}
			assert.Contains(t, codecs, tc.codec)
			if tc.ext == ".ts" {
				assert.Contains(t, codecs, "aac")
				v := r.Video()
				require.NotNil(t, v)
				assert.Equal(t, 1280, v.Width)
				pkts, err := testpeer.Packets(ctx, out)
				require.NoError(t, err)
				for _, p := range pkts {
					if p.CodecType == "video" {
						assert.True(t, p.Keyframe(), "a TS player starts on a keyframe")
						break
					}
				}
			}
			assert.Greater(t, r.Format.Duration, 2.0, "seconds of media recorded")
		})
	}
}
