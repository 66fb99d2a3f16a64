package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gosrt "github.com/datarhei/gosrt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/ts"
)

// srtPlayServer runs a server with SRT on and the default vhost's
// http_remux mount ending in ext.
func srtPlayServer(t *testing.T, ext string) *testServer {
	t.Helper()
	srv, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %s; }
srt_server { enabled on; listen 127.0.0.1:0; latency 20; }
vhost __defaultVhost__ {
    http_remux { enabled on; mount [vhost]/[app]/[stream]%s; }
}
`, t.TempDir(), ext))
	require.Len(t, srv.CasterAddrs("srt"), 1)
	return srv
}

// streamRecorder collects what a raw player reads.
type streamRecorder struct {
	mu  sync.Mutex
	b   []byte
	err error
}

func (r *streamRecorder) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.b)
}

// record reads from rd until it fails, with no copy kept by rd.
func (r *streamRecorder) record(rd io.Reader) {
	buf := make([]byte, 64<<10)
	for {
		n, err := rd.Read(buf)
		r.mu.Lock()
		r.b = append(r.b, buf[:n]...)
		if err != nil {
			r.err = err
		}
		r.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// rawSRTPlayer plays stream over SRT and records the bytes as they come.
func rawSRTPlayer(t *testing.T, srv *testServer, stream string) *streamRecorder {
	t.Helper()
	cfg := gosrt.DefaultConfig()
	cfg.StreamId = "#!::r=live/" + stream + ",m=request"
	// Generous latency: a packet late on a busy machine is waited for,
	// not dropped, so the bytes can be compared.
	cfg.ReceiverLatency, cfg.PeerLatency = time.Second, time.Second
	conn, err := gosrt.Dial("srt", srv.CasterAddrs("srt")[0].String(), cfg)
	require.NoError(t, err)
	r := &streamRecorder{}
	done := make(chan struct{})
	go func() { defer close(done); r.record(conn) }()
	t.Cleanup(func() { conn.Close(); <-done })
	return r
}

// rawHTTPPlayer plays url and records the body as it comes.
func rawHTTPPlayer(t *testing.T, url string) *streamRecorder {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	r := &streamRecorder{}
	done := make(chan struct{})
	go func() { defer close(done); r.record(resp.Body) }()
	t.Cleanup(func() { resp.Body.Close(); <-done })
	return r
}

// patOffsets lists where the PAT packets of a transport stream are.
func patOffsets(t *testing.T, b []byte) []int {
	t.Helper()
	var at []int
	for off := 0; off+ts.PacketSize <= len(b); off += ts.PacketSize {
		require.Equal(t, byte(0x47), b[off], "sync byte at %d", off)
		if b[off+1]&0x1f == 0 && b[off+2] == 0 {
			at = append(at, off)
		}
	}
	return at
}

// TestSRTPlayersShareTSBytes: two SRT players and an HTTP-TS player
// joining at different keyframes get the same bytes where their streams
// overlap, continuity counters included: the TS is muxed once for all of
// them (a player's own muxer would count from zero at its join). Each
// starts with PAT and PMT.
func TestSRTPlayersShareTSBytes(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	srv := srtPlayServer(t, ".ts")
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), srv.rtmpURL("share"), testpeer.PublishOptions{Loop: true})
	srv.source("share", true)

	first := rawSRTPlayer(t, srv, "share")
	// Two more keyframes (GOPs of 2 s), so the others join later ones.
	waitFor(t, 20*time.Second, "the first player's third keyframe", func() bool {
		return len(patOffsets(t, first.bytes())) >= 4 // the join's PAT, then one per keyframe
	})
	second := rawSRTPlayer(t, srv, "share")
	web := rawHTTPPlayer(t, fmt.Sprintf("http://%s/live/share.ts", srv.HTTPAddr()))
	const span = 128 << 10 // about a second of the stream
	waitFor(t, 20*time.Second, "a second of the stream to the later players", func() bool {
		return len(second.bytes()) > span+64<<10 && len(web.bytes()) > span+64<<10
	})
	time.Sleep(time.Second) // the first player gets that second too

	whole := first.bytes()
	firstPATs := patOffsets(t, whole)
	for _, p := range []struct {
		name string
		r    *streamRecorder
	}{{"second SRT player", second}, {"HTTP-TS player", web}} {
		b := p.r.bytes()
		pats := patOffsets(t, b)
		require.GreaterOrEqual(t, len(pats), 2, p.name)
		assert.Zero(t, pats[0], "%s starts with PAT", p.name)
		// After the joiner's PAT and PMT, its stream is the shared one
		// from a keyframe on.
		key := pats[1]
		at := bytes.Index(whole, b[key:key+span])
		require.GreaterOrEqual(t, at, 0, "%s: its bytes are in the first player's stream", p.name)
		assert.Zero(t, at%ts.PacketSize, p.name)
		assert.Greater(t, at, firstPATs[1], "%s joined at a later keyframe than the first player", p.name)
	}
}

// TestSRTPlayWithAudioRemux: a vhost whose http_remux serves .aac still
// serves SRT players MPEG-TS (with video), while an HTTP player gets AAC.
func TestSRTPlayWithAudioRemux(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	srv := srtPlayServer(t, ".aac")
	mc := mediaCases[0]
	testpeer.Publish(t, testpeer.Media(t, mc.file), srv.rtmpURL("aac"), testpeer.PublishOptions{Loop: true})
	srv.source("aac", true)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	dir := t.TempDir()
	var wg sync.WaitGroup
	var srtOut, aacOut string
	var srtErr, aacErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		srtOut, srtErr = testpeer.Record(ctx, fmt.Sprintf("srt://%s?streamid=live/aac", srv.CasterAddrs("srt")[0]), filepath.Join(dir, "srt.ts"), 3*time.Second)
	}()
	go func() {
		defer wg.Done()
		aacOut, aacErr = testpeer.Record(ctx, fmt.Sprintf("http://%s/live/aac.aac", srv.HTTPAddr()), filepath.Join(dir, "http.aac"), 3*time.Second)
	}()
	wg.Wait()
	require.NoError(t, srtErr, "srt player")
	require.NoError(t, aacErr, "http .aac player")

	r, err := testpeer.Probe(ctx, srtOut)
	require.NoError(t, err)
	assert.Contains(t, strings.Split(r.Format.Name, ","), "mpegts")
	checkStreams(t, "srt play", mc, r)
	assert.InDelta(t, 3, mediaSpan(t, ctx, srtOut), 0.5)

	r, err = testpeer.Probe(ctx, aacOut)
	require.NoError(t, err)
	assert.Contains(t, strings.Split(r.Format.Name, ","), "aac")
	require.Len(t, r.Streams, 1)
	assert.Equal(t, "aac", r.Streams[0].CodecName)
}
