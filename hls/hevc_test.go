package hls

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cascade-live/cascade/internal/testmedia"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hevcTags is 4 s of H.265 as FLV video tags (see testmedia.HEVCTags).
func hevcTags(t *testing.T, enhanced bool) []tag {
	var tags []tag
	for _, x := range testmedia.HEVCTags(t, enhanced) {
		tags = append(tags, tag{typ: x.Type, ts: x.Timestamp, data: x.Data})
	}
	return tags
}

// TestHEVC segments H.265 in both FLV forms and checks the playlist with
// ffprobe and ffmpeg.
func TestHEVC(t *testing.T) {
	for _, enhanced := range []bool{true, false} {
		t.Run(map[bool]string{true: "hvc1", false: "codec 12"}[enhanced], func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			cfg.Fragment = time.Second
			store := NewStore()
			defer store.Close()
			publish(t, cfg, store, nil, hevcTags(t, enhanced), 1)

			m3u8 := filepath.Join(dir, "live", "livestream.m3u8")
			pl, raw := readPlaylist(t, m3u8)
			require.GreaterOrEqual(t, len(pl.Segments), 3, "%s", raw) // keyframes every second, in DTS order
			for i, file := range segmentFiles(m3u8, pl) {
				assert.Empty(t, ffmpegErrors(t, file), "segment %d", i)
				packets, err := testpeer.Packets(context.Background(), file)
				require.NoError(t, err)
				require.NotEmpty(t, packets)
				assert.True(t, packets[0].Keyframe(), "segment %d starts with a keyframe", i)
			}
			vod := vodCopy(t, m3u8)
			probe, err := testpeer.Probe(context.Background(), vod)
			require.NoError(t, err)
			require.NotNil(t, probe.Video())
			assert.Equal(t, "hevc", probe.Video().CodecName)
			assert.Equal(t, 320, probe.Video().Width)
			assert.InDelta(t, 4.0, probe.Format.Duration, 0.3)
			assert.Empty(t, ffmpegErrors(t, vod))
		})
	}
}
