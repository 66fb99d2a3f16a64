package testmedia

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/ts"
	"github.com/stretchr/testify/require"
)

// Tag is an FLV tag of generated media.
type Tag struct {
	Type      uint8
	Timestamp uint32
	Data      []byte
}

// HEVCTags encodes 4 s of H.265 with ffmpeg (libx265, B-frames, a keyframe
// every second) and turns it into FLV video tags, Enhanced RTMP ("hvc1")
// or legacy (CodecID 12), as an SRT or RTSP ingest relays it.
func HEVCTags(t testing.TB, enhanced bool) []Tag {
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
	var tags []Tag
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
			tags = append(tags, Tag{Type: flv.TagVideo, Data: c.Append(header(flv.FrameTypeKey, seqStart, 0))})
		}
		frameType := uint8(flv.FrameTypeInter)
		if key {
			frameType = flv.FrameTypeKey
		}
		coded := uint8(flv.VideoPacketCodedFrames) // = AVCPacketNALU
		tags = append(tags, Tag{Type: flv.TagVideo, Timestamp: ms,
			Data: append(header(frameType, coded, int32((f.PTS-f.DTS)/90)), au...)})
	}
	return tags
}
