package hls

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMuxMedia segments each test file and checks the result with ffprobe
// and ffmpeg: both streams present, the playlist as long as the file,
// every segment decodable and starting with a keyframe, EXTINF within
// TARGETDURATION, the Store serving what the disk holds, on_hls for every
// segment.
func TestMuxMedia(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	tests := []struct {
		file         string
		video, audio string // codec names as ffprobe gives them
		segments     int    // cuts at the first keyframe past 2 s (4.2 s audio-only)
	}{
		{"h264_aac_720p25.flv", "h264", "aac", 5},
		{"h264_mp3_360p30.flv", "h264", "mp3", 3},
		{"h264_only.flv", "h264", "", 3},
		{"aac_only.flv", "", "aac", 2},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			cfg.Fragment = 2 * time.Second
			store := NewStore()
			defer store.Close()
			rec := &recorder{}
			m, err := NewMuxer(cfg, liveID, store, rec)
			require.NoError(t, err)
			feed(m, loadTags(t, tt.file), 0)
			m.Unpublish()
			require.NoError(t, m.Close())
			require.Empty(t, rec.errs)

			m3u8 := filepath.Join(dir, "live", "livestream.m3u8")
			pl, raw := readPlaylist(t, m3u8)
			require.Len(t, pl.Segments, tt.segments, "%s", raw)
			golden(t, "media/"+strings.TrimSuffix(tt.file, ".flv")+".m3u8", raw)
			assert.Equal(t, 3, pl.Version)
			assert.Equal(t, 0, pl.MediaSequence)

			// The Store serves the bytes on disk.
			b, ct, ok := store.Get("/live/livestream.m3u8")
			require.True(t, ok)
			assert.Equal(t, ContentTypePlaylist, ct)
			assert.Equal(t, string(raw), string(b.B))
			b.Release()

			infos := rec.infos()
			require.Len(t, infos, len(pl.Segments))
			source, err := testpeer.Probe(context.Background(), testpeer.Media(t, tt.file))
			require.NoError(t, err)
			for i, seg := range pl.Segments {
				assert.LessOrEqual(t, seg.Duration, time.Duration(pl.TargetDuration)*time.Second, "EXTINF %d", i)
				assert.Equal(t, "livestream-"+itoa(i)+".ts", seg.URI)
				assert.False(t, seg.Discontinuity)
				file := filepath.Join(dir, "live", seg.URI)
				disk, err := os.ReadFile(file)
				require.NoError(t, err)
				f, ct, ok := store.GetFile("/live/" + seg.URI)
				require.True(t, ok, "segment %s in the store", seg.URI)
				assert.Equal(t, ContentTypeSegment, ct)
				stored, err := f.ReadAll()
				require.NoError(t, err)
				assert.True(t, bytes.Equal(disk, stored), "store and disk differ for %s", seg.URI)
				f.Release()

				want := SegmentInfo{
					Stream: liveID, SeqNo: i, Duration: seg.Duration,
					File: dir + "/live/" + seg.URI, URL: "live/" + seg.URI, URI: seg.URI,
					M3U8: dir + "/live/livestream.m3u8", M3U8URL: "live/livestream.m3u8",
				}
				assert.Equal(t, want, infos[i])

				assert.Empty(t, ffmpegErrors(t, file), "decoding %s", seg.URI)
				packets, err := testpeer.Packets(context.Background(), file)
				require.NoError(t, err)
				require.NotEmpty(t, packets)
				for _, p := range packets {
					if p.CodecType == "video" {
						assert.True(t, p.Keyframe(), "%s starts with a video %s packet", seg.URI, p.Flags)
						break
					}
				}
				if tt.video == "" {
					continue
				}
				if i < len(pl.Segments)-1 { // cut at the first keyframe past hls_fragment
					assert.GreaterOrEqual(t, seg.Duration, cfg.Fragment)
				}
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, "live", "*.tmp"))
			assert.Empty(t, leftovers)

			vod := vodCopy(t, m3u8)
			probe, err := testpeer.Probe(context.Background(), vod)
			require.NoError(t, err)
			if tt.video != "" {
				require.NotNil(t, probe.Video(), "video stream")
				assert.Equal(t, tt.video, probe.Video().CodecName)
			} else {
				assert.Nil(t, probe.Video())
			}
			if tt.audio != "" {
				require.NotNil(t, probe.Audio(), "audio stream")
				assert.Equal(t, tt.audio, probe.Audio().CodecName)
			} else {
				assert.Nil(t, probe.Audio())
			}
			assert.InDelta(t, source.Format.Duration, probe.Format.Duration, 0.3)
			assert.InDelta(t, source.Format.Duration, pl.Duration().Seconds(), 0.3)
			assert.Empty(t, ffmpegErrors(t, vod), "playing the playlist")
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
