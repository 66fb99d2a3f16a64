package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/rtmp"
)

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// staysUnder watches the heap for d and fails as soon as it grew more than
// limit over base.
func staysUnder(t *testing.T, base, limit uint64, d time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	var peak uint64
	for time.Now().Before(deadline) {
		h := heapInUse()
		if h > base+limit {
			t.Fatalf("%s: the heap grew by %d MiB (limit %d MiB)", what, (h-base)>>20, limit>>20)
		}
		peak = max(peak, h)
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%s: the heap grew by %d KiB at most", what, (max(peak, base)-base)>>10)
}

// TestPipelinedRequestsAreBounded: a client with a small receive buffer
// pipelines hundreds of GETs for an in-memory HLS segment and never reads.
// The server answers one at a time as the socket drains, so its heap does
// not grow with the requests (each answer used to be copied whole); the
// answers it does send are intact and in order; and a client that sends
// too much ahead is closed with one log line.
func TestPipelinedRequestsAreBounded(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	dir := t.TempDir()
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ {
    hls { enabled on; hls_fragment 4; hls_window 60; hls_path %s; hls_dispose 0; }
}
`, dir))
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("p"), testpeer.PublishOptions{Loop: true})
	base := "http://" + ts.HTTPAddr().String()
	var segPath string
	waitFor(t, 20*time.Second, "a segment in the playlist", func() bool {
		resp, err := http.Get(base + "/live/p.m3u8")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return false
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line != "" && !strings.HasPrefix(line, "#") {
				segPath = "/live/" + strings.TrimSpace(line)
				return true
			}
		}
		return false
	})
	resp, err := http.Get(base + segPath)
	require.NoError(t, err)
	segment, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Greater(t, len(segment), 256<<10, "a segment larger than a socket takes at once")

	const requests = 400 // about 200 MB of answers if each were copied
	heapBefore := heapInUse()
	c := dialRaw(t, ts.HTTPAddr(), 4096)
	req := "GET " + segPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
	_, err = c.Write([]byte(strings.Repeat(req, requests)))
	require.NoError(t, err)
	staysUnder(t, heapBefore, 48<<20, 3*time.Second, "pipelined requests of a client that does not read")

	// The answers are whole and in order.
	r := bufio.NewReader(c)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Second)))
	for i := range 3 {
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err, "response %d", i)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.True(t, bytes.Equal(segment, b), "response %d is the segment", i)
	}

	// Too much sent ahead of a response: closed, one line says why.
	const maxPipelined = 64 << 10 // internal/httpconn's bound on what a client sends ahead
	greedy := dialRaw(t, ts.HTTPAddr(), 4096)
	local := greedy.LocalAddr().String()
	_, _ = greedy.Write([]byte(strings.Repeat(req, 2*maxPipelined/len(req))))
	waitFor(t, 10*time.Second, "the greedy client closed", func() bool {
		return len(ts.logs.Lines("connection closed", "remote="+local)) > 0
	})
	lines := ts.logs.Lines("connection closed", "remote="+local)
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "too many pipelined requests")
	assert.Contains(t, lines[0], "level=WARN")
}

// TestPingFloodIsBounded: an RTMP client that sends pings, or commands,
// and never reads the answers has its connection closed once the answers
// queued for it pass the bound, with one warning; a parallel player keeps
// receiving.
func TestPingFloodIsBounded(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	ts := startServer(t, nil)
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("good"), testpeer.PublishOptions{Loop: true})
	ts.source("good", true)
	player := dialRaw(t, ts.RTMPAddr(), 0)
	player.play("good")
	got := player.count()

	checkbw, err := rtmp.AppendCommand(nil, rtmp.CSIDCommand, 0, &rtmp.Command{Name: "_checkbw", TransactionID: 3}, rtmp.DefaultChunkSize)
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		connect bool
		message func(i int, dst []byte) []byte
	}{
		{"pings", false, func(i int, dst []byte) []byte {
			return rtmp.AppendUserControl(dst, rtmp.EventPingRequest, uint32(i))
		}},
		{"commands", true, func(_ int, dst []byte) []byte { return append(dst, checkbw...) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			heapBefore := heapInUse()
			flood := dialRaw(t, ts.RTMPAddr(), 4096)
			flood.handshake()
			if tc.connect {
				flood.command(0, &rtmp.Command{Name: "connect", TransactionID: 1, Object: amf.Object{
					{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://127.0.0.1/live"}}})
			}
			local := flood.LocalAddr().String()
			var batch []byte
			for i := range 4096 {
				batch = tc.message(i, batch)
			}
			go func() {
				// Far more answers than the bound.
				for range 1000 {
					if _, err := flood.Write(batch); err != nil {
						return
					}
				}
			}()
			waitFor(t, 20*time.Second, "the flooding client closed", func() bool {
				return len(ts.logs.Lines("connection closed", "remote="+local)) > 0
			})
			assert.Less(t, heapInUse(), heapBefore+16<<20, "memory stayed bounded")
			lines := ts.logs.Lines("remote=" + local)
			require.Len(t, ts.logs.Lines("connection closed", "remote="+local), 1, "%v", lines)
			assert.Len(t, ts.logs.Lines("level=WARN", "remote="+local), 1, "%v", lines)
			assert.NotEmpty(t, ts.logs.Lines("outbound buffer over its limit", "remote="+local))
			assert.True(t, closedByServer(flood, 5*time.Second))

			before := got.Load()
			time.Sleep(time.Second)
			assert.Greater(t, got.Load()-before, int64(50_000), "the player kept receiving")
		})
	}
}

// TestEndedHLSLeavesMemory: once an ended stream's window expired, its HLS
// files leave memory (hls_dispose 0) and are served from disk.
func TestEndedHLSLeavesMemory(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	dir := t.TempDir()
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ {
    hls { enabled on; hls_fragment 1; hls_window 2; hls_path %s; hls_dispose 0; }
}
`, dir))
	pub := testpeer.Publish(t, testpeer.Media(t, "h264_only.flv"), ts.rtmpURL("ended"), testpeer.PublishOptions{})
	require.NoError(t, pub.Wait())
	url := "http://" + ts.HTTPAddr().String() + "/live/ended.m3u8"
	waitFor(t, 15*time.Second, "the stream forgotten by the store", func() bool {
		files, streams := ts.hlsStore.Len()
		return files == 0 && streams == 0
	})
	resp, err := http.Get(url)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "the playlist from disk")
	assert.NotEmpty(t, resp.Header.Get("Last-Modified"), "served as a file")
	seg := ""
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "ended-") {
			seg = line
		}
	}
	require.NotEmpty(t, seg, "%s", body)
	resp, err = http.Get("http://" + ts.HTTPAddr().String() + "/live/" + seg)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, byte(0x47), b[0], "a TS segment from disk")
}
