package hls

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/stretchr/testify/require"
)

// tag is one FLV tag of a test file.
type tag struct {
	typ  uint8
	ts   uint32
	data []byte
}

var (
	mediaMu    sync.Mutex
	mediaCache = map[string][]tag{}
)

// loadTags reads the audio and video tags of a shared test file.
func loadTags(t testing.TB, name string) []tag {
	t.Helper()
	mediaMu.Lock()
	defer mediaMu.Unlock()
	if tags, ok := mediaCache[name]; ok {
		return tags
	}
	f, err := os.Open(testpeer.Media(t, name))
	require.NoError(t, err)
	defer f.Close()
	r, err := flv.NewReader(bufio.NewReader(f))
	require.NoError(t, err)
	var tags []tag
	for {
		tg, err := r.ReadTag()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if tg.Type == flv.TagAudio || tg.Type == flv.TagVideo {
			tags = append(tags, tag{typ: tg.Type, ts: tg.Timestamp, data: tg.Data})
		}
	}
	mediaCache[name] = tags
	return tags
}

// packet makes a live.Packet of a tag as a source does, its timestamp
// moved by offset milliseconds.
func (tg tag) packet(offset uint32) *live.Packet {
	p := live.NewPacket()
	p.Timestamp = tg.ts + offset
	p.Payload = buffer.GetSize(len(tg.data))
	copy(p.Payload.B, tg.data)
	if tg.typ == flv.TagVideo {
		p.Kind = live.KindVideo
		p.SeqHeader = flv.IsVideoSequenceHeader(tg.data)
		p.Keyframe = !p.SeqHeader && flv.IsVideoKeyframe(tg.data)
	} else {
		p.Kind = live.KindAudio
		p.SeqHeader = flv.IsAudioSequenceHeader(tg.data)
	}
	return p
}

// feed writes the tags to m as fast as the muxer takes them: it waits
// while the queue is more than half full, so that nothing is dropped.
func feed(m *Muxer, tags []tag, offset uint32) {
	for _, tg := range tags {
		for len(m.queue) > queueLength/2 {
			time.Sleep(time.Millisecond)
		}
		p := tg.packet(offset)
		m.WritePacket(p)
		p.Release()
	}
}

// lastTS is the timestamp of the last tag.
func lastTS(tags []tag) uint32 { return tags[len(tags)-1].ts }

// recorder is an Events that keeps what it is told.
type recorder struct {
	mu       sync.Mutex
	segments []SegmentInfo
	errs     []error
}

func (r *recorder) OnHLS(info SegmentInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.segments = append(r.segments, info)
}

func (r *recorder) OnHLSError(_ StreamID, _ string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *recorder) infos() []SegmentInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]SegmentInfo(nil), r.segments...)
}

// testConfig is the default configuration, enabled, writing under dir.
func testConfig(dir string) Config {
	c := DefaultConfig()
	c.Enabled = true
	c.Path = dir
	c.KeyFilePath = dir
	return c
}

var liveID = StreamID{Vhost: "__defaultVhost__", App: "live", Stream: "livestream"}

// readPlaylist reads and parses a playlist file.
func readPlaylist(t testing.TB, file string) (*Playlist, []byte) {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	p, err := ParsePlaylist(b)
	require.NoError(t, err, "%s:\n%s", file, b)
	return p, b
}

// vodCopy writes the playlist beside the original with EXT-X-ENDLIST, so
// that ffmpeg reads it from the first segment to the last and stops, and
// returns its path. The live playlist, without it, would be read from its
// third segment from the end and polled for more.
func vodCopy(t testing.TB, file string) string {
	t.Helper()
	p, _ := readPlaylist(t, file)
	p.EndList = true
	out := strings.TrimSuffix(file, ".m3u8") + "-vod.m3u8"
	require.NoError(t, os.WriteFile(out, p.Append(nil), 0o644))
	return out
}

// ffmpegErrors decodes every stream of target and returns what ffmpeg
// reports at level error.
func ffmpegErrors(t testing.TB, target string, inputArgs ...string) string {
	t.Helper()
	testpeer.Require(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"-nostdin", "-hide_banner", "-v", "error"}, inputArgs...)
	args = append(args, "-i", target, "-f", "null", "-")
	out, err := exec.CommandContext(ctx, "ffmpeg", args...).CombinedOutput()
	require.NoError(t, err, "ffmpeg %s: %s", target, out)
	return string(out)
}

// segmentFiles returns the files of a playlist's segments, resolved
// against the playlist's directory.
func segmentFiles(file string, p *Playlist) []string {
	var files []string
	for _, s := range p.Segments {
		files = append(files, filepath.Join(filepath.Dir(file), filepath.FromSlash(s.URI)))
	}
	return files
}
