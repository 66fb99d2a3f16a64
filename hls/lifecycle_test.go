package hls

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/ts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// publish runs one publish of the tags (looped n times) through a new
// Muxer and closes it.
func publish(t testing.TB, cfg Config, store *Store, events Events, tags []tag, loops int) *Muxer {
	t.Helper()
	m, err := NewMuxer(cfg, liveID, store, events)
	require.NoError(t, err)
	var offset uint32
	for range loops {
		feed(m, tags, offset)
		offset += lastTS(tags) + 40
	}
	m.Unpublish()
	require.NoError(t, m.Close())
	return m
}

func exists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}

// TestWindowCleanup checks the sliding window: segments leave the
// playlist once the newer ones fill hls_window, leave the Store with it,
// and leave the disk with hls_cleanup on only.
func TestWindowCleanup(t *testing.T) {
	for _, cleanup := range []bool{true, false} {
		t.Run("cleanup="+map[bool]string{true: "on", false: "off"}[cleanup], func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			cfg.Fragment = time.Second
			cfg.Window = 3 * time.Second
			cfg.Cleanup = cleanup
			store := NewStore()
			defer store.Close()
			rec := &recorder{}
			publish(t, cfg, store, rec, loadTags(t, "h264_only.flv"), 2) // 12 s, GOP 1 s

			written := rec.infos()
			require.Len(t, written, 12)
			pl, raw := readPlaylist(t, filepath.Join(dir, "live", "livestream.m3u8"))
			// Counting back from the newest, the segment that passes 3 s is
			// the oldest kept, as in SRS.
			require.Len(t, pl.Segments, 4, "%s", raw)
			assert.Equal(t, 8, pl.MediaSequence)
			for _, info := range written {
				inWindow := info.SeqNo >= pl.MediaSequence
				f, ct, ok := store.GetFile("/" + info.URL)
				if ok {
					got, err := f.ReadAll()
					require.NoError(t, err)
					if disk, err := os.ReadFile(info.File); err == nil {
						assert.True(t, bytes.Equal(disk, got), "segment %d: the store's file holds what is on disk", info.SeqNo)
					}
					assert.Equal(t, ContentTypeSegment, ct)
					f.Release()
				}
				assert.Equal(t, inWindow, ok, "segment %d in the store", info.SeqNo)
				assert.Equal(t, inWindow || !cleanup, exists(info.File), "segment %d on disk", info.SeqNo)
			}
			assert.Empty(t, ffmpegErrors(t, vodCopy(t, filepath.Join(dir, "live", "livestream.m3u8"))))
		})
	}
}

// TestDispose checks that hls_dispose removes every file of the stream
// that long after unpublish, and that a republish in between keeps them.
func TestDispose(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Fragment = time.Second
	cfg.Dispose = time.Second
	store := NewStore()
	defer store.Close()
	rec := &recorder{}
	tags := loadTags(t, "h264_only.flv")
	m3u8 := filepath.Join(dir, "live", "livestream.m3u8")

	publish(t, cfg, store, rec, tags, 1)
	require.True(t, exists(m3u8))
	// A republish within hls_dispose cancels it.
	m, err := NewMuxer(cfg, liveID, store, rec)
	require.NoError(t, err)
	time.Sleep(1500 * time.Millisecond)
	require.True(t, exists(m3u8), "disposed while publishing")
	feed(m, tags, 10000)
	m.Unpublish()
	require.NoError(t, m.Close())
	infos := rec.infos()
	require.NotEmpty(t, infos)
	for _, info := range infos {
		require.True(t, exists(info.File), "%s", info.File)
	}

	deadline := time.Now().Add(10 * time.Second)
	for exists(m3u8) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	assert.False(t, exists(m3u8), "playlist disposed")
	for _, info := range infos {
		assert.False(t, exists(info.File), "%s disposed", info.File)
		_, _, ok := store.GetFile("/" + info.URL)
		assert.False(t, ok, "%s still in the store", info.URL)
	}
	_, _, ok := store.Get("/live/livestream.m3u8")
	assert.False(t, ok)
	left, err := os.ReadDir(filepath.Join(dir, "live"))
	require.NoError(t, err)
	assert.Empty(t, left)
}

// TestRepublish checks that a new Muxer for the same stream continues the
// sequence numbers after an EXT-X-DISCONTINUITY, and that ffmpeg plays
// across it.
func TestRepublish(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Fragment = 2 * time.Second
	store := NewStore()
	defer store.Close()
	rec := &recorder{}
	tags := loadTags(t, "h264_aac_720p25.flv")
	publish(t, cfg, store, rec, tags, 1)
	first := len(rec.infos())
	publish(t, cfg, store, rec, tags, 1) // timestamps start over

	m3u8 := filepath.Join(dir, "live", "livestream.m3u8")
	pl, raw := readPlaylist(t, m3u8)
	require.Len(t, pl.Segments, 2*first, "%s", raw)
	for i, s := range pl.Segments {
		assert.Equal(t, i == first, s.Discontinuity, "discontinuity before segment %d", i)
		assert.Equal(t, "livestream-"+itoa(i)+".ts", s.URI)
	}
	assert.True(t, rec.infos()[first].Discontinuity)
	assert.InDelta(t, 2*10.08, pl.Duration().Seconds(), 0.6)
	assert.Empty(t, ffmpegErrors(t, vodCopy(t, m3u8)))
}

// TestCodecChange checks that a change of configuration within a publish
// (a new resolution, audio appearing) starts a segment after a
// discontinuity, at a keyframe, in a program that has the new stream.
func TestCodecChange(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Fragment = 2 * time.Second
	cfg.ACodec = "an" // decide on the video alone
	store := NewStore()
	defer store.Close()
	m, err := NewMuxer(cfg, liveID, store, nil)
	require.NoError(t, err)
	only := loadTags(t, "h264_only.flv")
	feed(m, only, 0)
	feed(m, loadTags(t, "h264_aac_720p25.flv"), lastTS(only)+40)
	m.Unpublish()
	require.NoError(t, m.Close())

	m3u8 := filepath.Join(dir, "live", "livestream.m3u8")
	pl, raw := readPlaylist(t, m3u8)
	var changes []int
	for i, s := range pl.Segments {
		if s.Discontinuity {
			changes = append(changes, i)
		}
	}
	require.Len(t, changes, 1, "%s", raw)
	files := segmentFiles(m3u8, pl)
	for i, file := range files {
		assert.Empty(t, ffmpegErrors(t, file), "segment %d", i)
	}
	before := probeStreams(t, files[changes[0]-1])
	after := probeStreams(t, files[changes[0]])
	assert.Equal(t, []string{"video 640x360"}, before)
	assert.Equal(t, []string{"video 1280x720", "audio aac"}, after)
	assert.InDelta(t, 6.08+10.08, pl.Duration().Seconds(), 0.3)
}

// probeStreams describes the streams of a file.
func probeStreams(t testing.TB, file string) []string {
	t.Helper()
	p, err := testpeer.Probe(t.Context(), file)
	require.NoError(t, err)
	var out []string
	for _, s := range p.Streams {
		if s.CodecType == "video" {
			out = append(out, "video "+itoa(s.Width)+"x"+itoa(s.Height))
		} else {
			out = append(out, s.CodecType+" "+s.CodecName)
		}
	}
	return out
}

// TestAES128 checks hls_keys: a new key every hls_fragments_per_key
// segments, key files on disk and in the Store, EXT-X-KEY with the key
// URL and IV, segments encrypted with AES-128-CBC and PKCS#7, and ffmpeg
// playing the encrypted playlist.
func TestAES128(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Fragment = 2 * time.Second
	cfg.Keys = true
	cfg.FragmentsPerKey = 2
	store := NewStore()
	defer store.Close()
	rec := &recorder{}
	publish(t, cfg, store, rec, loadTags(t, "h264_aac_720p25.flv"), 1)

	m3u8 := filepath.Join(dir, "live", "livestream.m3u8")
	pl, raw := readPlaylist(t, m3u8)
	require.Len(t, pl.Segments, 5, "%s", raw)
	assert.Equal(t, 3, strings.Count(string(raw), "#EXT-X-KEY:"), "%s", raw)
	for i, s := range pl.Segments {
		require.NotNil(t, s.Key)
		keySeq := i / 2 * 2
		assert.Equal(t, MethodAES128, s.Key.Method)
		assert.Equal(t, "livestream-"+itoa(keySeq)+".key", s.Key.URI)
		assert.True(t, s.Key.HasIV)

		key, err := os.ReadFile(filepath.Join(dir, "live", s.Key.URI))
		require.NoError(t, err)
		require.Len(t, key, 16)
		b, ct, ok := store.Get("/live/" + s.Key.URI)
		require.True(t, ok)
		assert.Equal(t, ContentTypeKey, ct)
		assert.Equal(t, key, b.B)
		b.Release()

		enc, err := os.ReadFile(filepath.Join(dir, "live", s.URI))
		require.NoError(t, err)
		require.Zero(t, len(enc)%aes.BlockSize)
		assert.False(t, looksLikeTS(enc), "segment %d is plain TS", i)
		block, err := aes.NewCipher(key)
		require.NoError(t, err)
		plain := make([]byte, len(enc))
		cipher.NewCBCDecrypter(block, s.Key.IV[:]).CryptBlocks(plain, enc)
		pad := int(plain[len(plain)-1])
		require.True(t, pad >= 1 && pad <= 16)
		assert.Equal(t, bytes.Repeat([]byte{byte(pad)}, pad), plain[len(plain)-pad:])
		plain = plain[:len(plain)-pad]
		require.Zero(t, len(plain)%ts.PacketSize)
		for off := 0; off < len(plain); off += ts.PacketSize {
			require.Equal(t, byte(ts.SyncByte), plain[off], "segment %d packet %d", i, off/ts.PacketSize)
		}
		assert.Equal(t, filepath.Join(dir, "live", s.Key.URI), filepath.Clean(rec.infos()[i].KeyFile))
	}
	assert.NotEqual(t, pl.Segments[0].Key.IV, pl.Segments[2].Key.IV)
	assert.Empty(t, ffmpegErrors(t, vodCopy(t, m3u8), "-allowed_extensions", "ALL"))
}

// looksLikeTS reports whether most 188-byte packets of b start with the
// sync byte, as no encrypted segment does.
func looksLikeTS(b []byte) bool {
	n, sync := 0, 0
	for off := 0; off < len(b); off += ts.PacketSize {
		n++
		if b[off] == ts.SyncByte {
			sync++
		}
	}
	return sync > n/2
}

// TestEndedStreamsLeaveMemory: without hls_dispose, the files of streams
// that ended leave the Store once their window has expired, and the Store
// forgets the streams, so memory does not grow with every stream name that
// ever lived; the files stay on disk. A stream publishing meanwhile keeps
// its files.
func TestEndedStreamsLeaveMemory(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Fragment = time.Second
	cfg.Window = 2 * time.Second
	cfg.Dispose = 0
	store := NewStore()
	defer store.Close()
	tags := loadTags(t, "h264_only.flv")

	running, err := NewMuxer(cfg, StreamID{Vhost: liveID.Vhost, App: "live", Stream: "running"}, store, nil)
	require.NoError(t, err)
	defer running.Close()
	feed(running, tags, 0)

	const streams = 40
	for i := range streams {
		id := StreamID{Vhost: liveID.Vhost, App: "live", Stream: fmt.Sprintf("s%d", i)}
		m, err := NewMuxer(cfg, id, store, nil)
		require.NoError(t, err)
		feed(m, tags, 0)
		m.Unpublish()
		require.NoError(t, m.Close())
	}
	files, states := store.Len()
	t.Logf("right after: %d files of %d streams in memory", files, states)
	require.Greater(t, states, streams/2, "the ended streams are kept while their window lasts")

	deadline := time.Now().Add(10 * time.Second)
	for {
		files, states = store.Len()
		if states == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	assert.Equal(t, 1, states, "only the running stream is remembered")
	b, _, ok := store.Get("/live/running.m3u8")
	require.True(t, ok, "the running stream is still served from memory")
	b.Release()
	assert.LessOrEqual(t, files, 8, "only the running stream's playlist and window stay")
	_, _, ok = store.Get("/live/s0.m3u8")
	assert.False(t, ok, "an ended stream's playlist left memory")
	assert.True(t, exists(filepath.Join(dir, "live", "s0.m3u8")), "its files stay on disk")

	// A republish after that starts a fresh window and is served again.
	publish(t, cfg, store, nil, tags, 1)
	b, _, ok = store.Get("/live/livestream.m3u8")
	require.True(t, ok)
	b.Release()
}

// holder is an Events that takes the first segment published out of the
// Store, as a player that starts fetching it and reads slowly, with the
// bytes on disk at that moment.
type holder struct {
	recorder
	store *Store
	held  *buffer.File
	disk  []byte
}

func (h *holder) OnHLS(info SegmentInfo) {
	h.recorder.OnHLS(info)
	if h.held == nil {
		h.held, _, _ = h.store.GetFile("/" + info.URL)
		h.disk, _ = os.ReadFile(info.File)
	}
}

// TestHeldSegmentOutlivesWindow: a segment taken from the Store stays
// readable, byte for byte as written, after it left the window and
// hls_cleanup deleted its file, until the last holder releases it.
func TestHeldSegmentOutlivesWindow(t *testing.T) {
	for _, keys := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "hls_keys"}[keys], func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			cfg.Fragment = time.Second
			cfg.Window = 3 * time.Second
			cfg.Cleanup = true
			cfg.Keys = keys
			store := NewStore()
			defer store.Close()
			h := &holder{store: store}
			publish(t, cfg, store, h, loadTags(t, "h264_only.flv"), 1)

			first := h.infos()[0]
			require.NotNil(t, h.held, "the first segment was in the Store when published")
			require.NotEmpty(t, h.disk)
			assert.False(t, exists(first.File), "hls_cleanup deleted it")
			_, _, ok := store.GetFile("/" + first.URL)
			assert.False(t, ok, "it left the Store")
			got, err := h.held.ReadAll()
			require.NoError(t, err)
			assert.True(t, bytes.Equal(h.disk, got), "the held file still has the segment's bytes")
			assert.Equal(t, int64(len(h.disk)), h.held.Size())
			assert.Equal(t, int32(1), h.held.Refs(), "the holder's reference is the last")
			link := fmt.Sprintf("/proc/self/fd/%d", h.held.Fd())
			target, err := os.Readlink(link)
			require.NoError(t, err)
			assert.Contains(t, target, "(deleted)", "open, deleted on disk")
			h.held.Release()
			after, _ := os.Readlink(link)
			assert.NotEqual(t, target, after, "the last Release closed it")
		})
	}
}
