package hls

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/ts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hevcTags encodes 4 s of H.265 with ffmpeg (libx265, B-frames, a keyframe
// every second) and turns it into FLV video tags, Enhanced RTMP ("hvc1")
// or legacy (CodecID 12), as an SRT or RTSP ingest relays it.
func hevcTags(t *testing.T, enhanced bool) []tag {
	t.Helper()
	testpeer.Require(t, "ffmpeg")
	out := filepath.Join(t.TempDir(), "hevc.ts")
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-t", "4", "-c:v", "libx265", "-x265-params", "keyint=25:min-keyint=25:open-gop=0:bframes=3:log-level=error", "-f", "mpegts", out)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	data, err := os.ReadFile(out)
	require.NoError(t, err)

	var frames []ts.Frame
	var d ts.Demuxer
	collect := func(f *ts.Frame) error {
		if f.StreamType == ts.StreamTypeH265 {
			c := *f
			c.Data = append([]byte(nil), f.Data...)
			frames = append(frames, c)
		}
		return nil
	}
	require.NoError(t, d.Feed(data, collect))
	require.NoError(t, d.Flush(collect))
	require.NotEmpty(t, frames)

	header := func(frameType, packetType uint8, cts int32) []byte {
		if enhanced {
			return flv.AppendEnhancedVideoHeader(nil, frameType, packetType, flv.FourCCHEVC, cts)
		}
		return flv.AppendVideoHeader(nil, frameType, flv.VideoCodecHEVC, packetType, cts)
	}
	var tags []tag
	var vps, sps, pps [][]byte
	for _, f := range frames {
		var au []byte
		key := false
		for nalu := range ts.SplitAnnexB(f.Data) {
			switch typ := ts.H265NALType(nalu); {
			case typ == ts.H265NALVPS:
				vps = [][]byte{nalu}
			case typ == ts.H265NALSPS:
				sps = [][]byte{nalu}
			case typ == ts.H265NALPPS:
				pps = [][]byte{nalu}
			case typ == ts.H265NALAUD:
			default:
				key = key || ts.H265IsKeyframeNAL(typ)
				au, err = ts.AppendLengthPrefixed(au, append([]byte{0, 0, 0, 1}, nalu...), 4)
				require.NoError(t, err)
			}
		}
		ms := uint32((f.DTS - frames[0].DTS) / 90)
		if len(tags) == 0 {
			c, err := flv.NewHEVCConfig(vps, sps, pps)
			require.NoError(t, err)
			seqStart := uint8(flv.VideoPacketSequenceStart)
			tags = append(tags, tag{typ: flv.TagVideo, data: c.Append(header(flv.FrameTypeKey, seqStart, 0))})
		}
		frameType := uint8(flv.FrameTypeInter)
		if key {
			frameType = flv.FrameTypeKey
		}
		coded := uint8(flv.VideoPacketCodedFrames) // = AVCPacketNALU
		tags = append(tags, tag{typ: flv.TagVideo, ts: ms,
			data: append(header(frameType, coded, int32((f.PTS-f.DTS)/90)), au...)})
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
