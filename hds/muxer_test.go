package hds

import (
	"context"
	"encoding/base64"
	"github.com/cascade-live/cascade/internal/testmedia"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testStream = StreamID{Vhost: "__defaultVhost__", App: "live", Stream: "livestream"}

func startMuxer(t *testing.T, dir string, fragment, window time.Duration) (*Muxer, *Store) {
	t.Helper()
	store := NewStore()
	m := NewMuxer(Config{Enabled: true, Fragment: fragment, Window: window, Path: dir}, testStream, store)
	t.Cleanup(func() {
		m.Close()
		<-m.Done()
	})
	return m, store
}

// bootstrapFrom waits until the store's bootstrap satisfies ok.
func bootstrapFrom(t *testing.T, store *Store, ok func(*Bootstrap) bool) *Bootstrap {
	t.Helper()
	var b *Bootstrap
	require.Eventually(t, func() bool {
		buf, ct, found := store.Get("/live/livestream.abst")
		if !found {
			return false
		}
		defer buf.Release()
		assert.Equal(t, ContentTypeBootstrap, ct)
		var err error
		b, err = ParseBootstrap(buf.B)
		require.NoError(t, err)
		return ok(b)
	}, 20*time.Second, 10*time.Millisecond)
	return b
}

func finished(b *Bootstrap) bool { return !b.Live }

// storeHandler serves a Store the way the server's HTTP layer would.
func storeHandler(store *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf, ct, ok := store.Get(r.URL.RequestURI())
		if !ok {
			http.NotFound(w, r)
			return
		}
		defer buf.Release()
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(buf.B)))
		w.Write(buf.B)
	})
}

// download runs yt-dlp on the stream's manifest served by h and returns
// the FLV it writes.
func download(t *testing.T, h http.Handler) string {
	t.Helper()
	testpeer.Require(t, "yt-dlp")
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	out := filepath.Join(t.TempDir(), "out.flv")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "yt-dlp", "--no-part", "--no-cache-dir", "--ignore-config", "-o", out, srv.URL+"/live/livestream.f4m")
	log, err := cmd.CombinedOutput()
	require.NoError(t, err, "yt-dlp:\n%s", log)
	require.Contains(t, string(log), "f4m", "yt-dlp did not use its f4m downloader:\n%s", log)
	return out
}

func TestMuxerWindowDownloadsWithYtDlp(t *testing.T) {
	testpeer.Require(t, "yt-dlp", "ffprobe")
	dir := t.TempDir()
	base := live.LivePackets()
	packets := testmedia.Packets(t, "h264_aac_720p25.flv")
	m, store := startMuxer(t, dir, 2*time.Second, 6*time.Second)
	testmedia.Feed(m, packets, 0, math.MaxUint32)
	m.Unpublish()
	b := bootstrapFrom(t, store, finished)

	// Keyframes every 2 s: five fragments, the last three in a 6 s window.
	require.Len(t, b.SegmentRuns, 1)
	assert.Equal(t, []SegmentRun{{FirstSegment: 1, FragmentsPerSegment: 3}}, b.SegmentRuns[0].Entries)
	require.Len(t, b.FragmentRuns, 1)
	frt := b.FragmentRuns[0]
	assert.Equal(t, uint32(1000), frt.TimeScale)
	require.Len(t, frt.Entries, 4)
	assert.Equal(t, FragmentRun{FirstFragment: 3, FirstTimestamp: 4000, Duration: 2000}, frt.Entries[0])
	assert.Equal(t, FragmentRun{FirstFragment: 4, FirstTimestamp: 6000, Duration: 2000}, frt.Entries[1])
	assert.Equal(t, uint32(5), frt.Entries[2].FirstFragment)
	assert.Equal(t, uint64(8000), frt.Entries[2].FirstTimestamp)
	assert.InDelta(t, 2080, frt.Entries[2].Duration, 10)
	end := frt.Entries[2].FirstTimestamp + uint64(frt.Entries[2].Duration)
	assert.Equal(t, FragmentRun{FirstFragment: 6, FirstTimestamp: end, Discontinuity: EndOfPresentation}, frt.Entries[3])
	assert.Equal(t, end, b.CurrentMediaTime)
	assert.Equal(t, ProfileNamed, int(b.Profile))

	for n := 3; n <= 5; n++ {
		checkFragment(t, store, dir, n, frt.Entries[n-3].FirstTimestamp)
	}
	checkManifest(t, store, dir)
	// Fragments 1 and 2 left the window but are kept a little longer.
	_, err := os.Stat(filepath.Join(dir, "live", "livestreamSeg1-Frag1"))
	assert.NoError(t, err)

	for name, h := range map[string]http.Handler{
		"files": http.FileServer(http.Dir(dir)),
		"store": storeHandler(store),
	} {
		t.Run(name, func(t *testing.T) {
			out := download(t, h)
			res, err := testpeer.Probe(context.Background(), out)
			require.NoError(t, err)
			require.NotNil(t, res.Video(), "no video in %+v", res.Streams)
			require.NotNil(t, res.Audio(), "no audio in %+v", res.Streams)
			assert.Equal(t, "h264", res.Video().CodecName)
			assert.Equal(t, "aac", res.Audio().CodecName)
			pkts, err := testpeer.Packets(context.Background(), out)
			require.NoError(t, err)
			first, last := math.Inf(1), math.Inf(-1)
			for _, p := range pkts {
				first, last = math.Min(first, p.DtsTime), math.Max(last, p.DtsTime)
			}
			assert.InDelta(t, 4.0, first, 0.05, "the window starts at 4 s")
			assert.InDelta(t, 6.0, last-first, 0.2, "the window holds 6 s")
		})
	}
	m.Close()
	<-m.Done()
	_, _, ok := store.Get("/live/livestream.f4m")
	assert.False(t, ok, "Close removes the stream from the store")
	assert.Equal(t, base+int64(len(packets)), live.LivePackets(), "packets leaked")
}

// checkFragment parses fragment n: an afra box whose entries point at the
// keyframes, then an mdat box of FLV tags starting with the sequence
// headers at the fragment's start time. No fragment holds onMetaData: it
// is in the manifest, and a script tag in the middle of the stream is
// taken by ffmpeg for a data stream of its own.
func checkFragment(t *testing.T, store *Store, dir string, n int, start uint64) {
	t.Helper()
	name := "livestreamSeg1-Frag" + strconv.Itoa(n)
	buf, ct, ok := store.Get("/live/livestreamSeg7-Frag" + strconv.Itoa(n) + "?x=1")
	require.True(t, ok, "fragment %d not in the store", n)
	defer buf.Release()
	assert.Equal(t, ContentTypeFragment, ct)
	onDisk, err := os.ReadFile(filepath.Join(dir, "live", name))
	require.NoError(t, err)
	require.Equal(t, onDisk, buf.B, "disk and store differ")

	typ, _, rest, err := NextBox(buf.B)
	require.NoError(t, err)
	require.Equal(t, TypeRandomAccess, typ)
	afra, err := ParseRandomAccess(buf.B[:len(buf.B)-len(rest)])
	require.NoError(t, err)
	typ, mdat, rest, err := NextBox(rest)
	require.NoError(t, err)
	require.Equal(t, TypeMediaData, typ)
	require.Empty(t, rest)
	mdatStart := len(buf.B) - len(mdat)

	r, err := flv.NewReader(io.MultiReader(strings.NewReader("FLV\x01\x05\x00\x00\x00\x09"), strings.NewReader(string(append([]byte{0, 0, 0, 0}, mdat...)))))
	require.NoError(t, err)
	r.CheckPreviousTagSize = true
	var kinds []uint8
	offsets := map[uint64]*flv.Tag{}
	var keyframes []uint64
	for {
		off := uint64(mdatStart) + uint64(r.Offset()) - flv.HeaderLen
		tag, err := r.ReadTag()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		offsets[off] = tag
		require.NotEqual(t, uint8(flv.TagScript), tag.Type, "script data in fragment %d at %d", n, tag.Timestamp)
		if len(kinds) < 2 {
			kinds = append(kinds, tag.Type)
			assert.Equal(t, uint32(start), tag.Timestamp, "header tag %d of fragment %d", len(kinds), n)
		}
		if tag.Type == flv.TagVideo && flv.IsVideoKeyframe(tag.Data) && !flv.IsVideoSequenceHeader(tag.Data) && tag.Data[1] == 1 {
			keyframes = append(keyframes, uint64(tag.Timestamp))
		}
	}
	assert.Equal(t, []uint8{flv.TagVideo, flv.TagAudio}, kinds)
	require.Len(t, afra.Entries, len(keyframes))
	for i, e := range afra.Entries {
		assert.Equal(t, keyframes[i], e.Time)
		tag := offsets[e.Offset]
		require.NotNil(t, tag, "afra offset %d is not a tag", e.Offset)
		assert.Equal(t, uint8(flv.TagVideo), tag.Type)
		assert.Equal(t, uint32(e.Time), tag.Timestamp)
	}
	assert.Equal(t, start, keyframes[0], "fragment %d starts with a keyframe", n)
}

func checkManifest(t *testing.T, store *Store, dir string) {
	t.Helper()
	buf, ct, ok := store.Get("/live/livestream.f4m")
	require.True(t, ok)
	defer buf.Release()
	assert.Equal(t, ContentTypeManifest, ct)
	onDisk, err := os.ReadFile(filepath.Join(dir, "live", "livestream.f4m"))
	require.NoError(t, err)
	assert.Equal(t, string(onDisk), string(buf.B))
	s := string(buf.B)
	for _, want := range []string{`xmlns="http://ns.adobe.com/f4m/1.0"`, "<streamType>live</streamType>", "<deliveryType>streaming</deliveryType>",
		`url="livestream.abst"`, `url="livestream"`, `bootstrapInfoId="bootstrap0"`, "<metadata>"} {
		assert.Contains(t, s, want)
	}
	_, meta, ok := strings.Cut(s, "<metadata>")
	require.True(t, ok)
	meta, _, _ = strings.Cut(meta, "</metadata>")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(meta))
	require.NoError(t, err)
	vs, err := amf.DecodeAll0(raw)
	require.NoError(t, err)
	require.Equal(t, "onMetaData", vs[0])
	arr := vs[1].(amf.ECMAArray)
	_, hasDuration := arr.Get("duration")
	assert.False(t, hasDuration, "a live stream has no duration")
	w, _ := arr.GetNumber("width")
	assert.Equal(t, 1280.0, w)
}

func TestMuxerWhileLive(t *testing.T) {
	dir := t.TempDir()
	packets := testmedia.Packets(t, "h264_aac_720p25.flv")
	m, store := startMuxer(t, dir, 2*time.Second, 60*time.Second)
	testmedia.Feed(m, packets, 0, 7000)
	b := bootstrapFrom(t, store, func(b *Bootstrap) bool { return len(b.FragmentRuns[0].Entries) == 4 })
	assert.True(t, b.Live)
	assert.Equal(t, uint64(6000), b.CurrentMediaTime, "up to the last complete fragment")
	// Three complete fragments, and the one being cut since 6 s.
	assert.Equal(t, []SegmentRun{{1, 4}}, b.SegmentRuns[0].Entries)
	for i, e := range b.FragmentRuns[0].Entries {
		assert.Equal(t, FragmentRun{FirstFragment: uint32(i + 1), FirstTimestamp: uint64(i) * 2000, Duration: 2000}, e)
	}
	// The bootstrap on disk, for a web server that cannot hold requests,
	// lists only the complete fragments.
	onDisk, err := os.ReadFile(filepath.Join(dir, "live", "livestream.abst"))
	require.NoError(t, err)
	db, err := ParseBootstrap(onDisk)
	require.NoError(t, err)
	assert.Equal(t, []SegmentRun{{1, 3}}, db.SegmentRuns[0].Entries)
	assert.Len(t, db.FragmentRuns[0].Entries, 3)

	// A request for the fragment in progress waits until it is complete.
	pending := store.Pending("/live/livestreamSeg1-Frag4?x=1")
	require.NotNil(t, pending, "the fragment in progress is pending")
	_, _, ok := store.Get("/live/livestreamSeg1-Frag4")
	assert.False(t, ok)
	select {
	case <-pending:
		t.Fatal("the fragment in progress is not complete yet")
	case <-time.After(50 * time.Millisecond):
	}
	assert.Nil(t, store.Pending("/live/livestreamSeg1-Frag3"), "a complete fragment is not pending")

	// A new publish starts a new window; numbers go on.
	m.Unpublish()
	select {
	case <-pending:
	case <-time.After(10 * time.Second):
		t.Fatal("unpublish did not complete the pending fragment")
	}
	buf, _, ok := store.Get("/live/livestreamSeg1-Frag4")
	require.True(t, ok, "fragment 4 is stored when it is complete")
	buf.Release()
	testmedia.Feed(m, packets, 0, 5000)
	b = bootstrapFrom(t, store, func(b *Bootstrap) bool {
		return b.Live && len(b.FragmentRuns[0].Entries) == 3
	})
	assert.Equal(t, uint32(5), b.FragmentRuns[0].Entries[0].FirstFragment, "fragment 4 ended the first publish")
	assert.Equal(t, []SegmentRun{{1, 3}}, b.SegmentRuns[0].Entries)
	assert.Equal(t, uint32(7), b.FragmentRuns[0].Entries[2].FirstFragment, "fragment 7 is being cut")

	// Close gives up the fragment in progress: waiters are woken.
	pending = store.Pending("/live/livestreamSeg1-Frag7")
	require.NotNil(t, pending)
	m.Close()
	<-m.Done()
	select {
	case <-pending:
	case <-time.After(10 * time.Second):
		t.Fatal("close did not wake the waiters of the pending fragment")
	}
}

func TestMuxerDeletesOldFragments(t *testing.T) {
	dir := t.TempDir()
	packets := testmedia.Packets(t, "h264_aac_720p25.flv")
	m, store := startMuxer(t, dir, 2*time.Second, 2*time.Second)
	testmedia.Feed(m, packets, 0, math.MaxUint32)
	m.Unpublish()
	b := bootstrapFrom(t, store, finished)
	assert.Equal(t, uint32(5), b.FragmentRuns[0].Entries[0].FirstFragment)
	for n, kept := range map[int]bool{1: false, 2: false, 3: true, 4: true, 5: true} {
		name := "livestreamSeg1-Frag" + strconv.Itoa(n)
		_, err := os.Stat(filepath.Join(dir, "live", name))
		assert.Equal(t, kept, err == nil, "fragment %d on disk", n)
		buf, _, ok := store.Get("/live/" + name)
		assert.Equal(t, kept, ok, "fragment %d in the store", n)
		if ok {
			buf.Release()
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "live"))
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasSuffix(e.Name(), ".tmp"), e.Name())
	}
}

func TestMuxerAudioOnly(t *testing.T) {
	dir := t.TempDir()
	packets := testmedia.Packets(t, "aac_only.flv")
	m, store := startMuxer(t, dir, 2*time.Second, 60*time.Second)
	testmedia.Feed(m, packets, 0, math.MaxUint32)
	m.Unpublish()
	b := bootstrapFrom(t, store, finished)
	entries := b.FragmentRuns[0].Entries
	require.GreaterOrEqual(t, len(entries), 4)
	for _, e := range entries[:3] {
		assert.InDelta(t, 2000, e.Duration, 30, "cut on audio frames")
	}
	last := entries[len(entries)-1]
	assert.Equal(t, uint32(0), last.Duration)
	assert.Equal(t, uint8(EndOfPresentation), last.Discontinuity)
	assert.InDelta(t, 6020, b.CurrentMediaTime, 30)
}
