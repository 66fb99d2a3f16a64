package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

// TestHDSLiveWithYtDlp: yt-dlp follows a live HDS stream of 2 s fragments
// for 20 s without missing a fragment (it reads only the last two
// fragments of a live bootstrap, then sleeps 5 s: the bootstrap lists the
// fragment being cut, and the server holds the request for it until it is
// complete), and ffprobe finds exactly the video and audio streams in what
// it wrote (no data stream from onMetaData repeated in the fragments).
func TestHDSLiveWithYtDlp(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe", "yt-dlp")
	dir := t.TempDir()
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; dir %[1]s; }
vhost __defaultVhost__ { hds { enabled on; hds_fragment 2; hds_window 6; hds_path %[1]s/hds; } }
`, dir))
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("hl"), testpeer.PublishOptions{Loop: true})
	waitFor(t, 15*time.Second, "three fragments", func() bool {
		_, err := os.Stat(filepath.Join(dir, "hds", "live", "hlSeg1-Frag3"))
		return err == nil
	})

	out := filepath.Join(t.TempDir(), "hds.flv")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "yt-dlp", "--no-part", "--no-cache-dir", "--ignore-config", "--newline", "-o", out,
		fmt.Sprintf("http://%s/live/hl.f4m", ts.HTTPAddr()))
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) } // a live stream never ends
	cmd.WaitDelay = 10 * time.Second
	log, _ := cmd.CombinedOutput()
	require.Contains(t, string(log), "[f4m]", "yt-dlp used its f4m downloader:\n%s", log)
	for _, bad := range []string{"Missed", "unavailable", "ERROR: [f4m]", "Traceback"} {
		assert.NotContains(t, string(log), bad, "yt-dlp:\n%s", log)
	}
	pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer pcancel()
	r, err := testpeer.Probe(pctx, out)
	require.NoError(t, err)
	var kinds []string
	for _, s := range r.Streams {
		kinds = append(kinds, s.CodecType)
	}
	assert.ElementsMatch(t, []string{"video", "audio"}, kinds, "streams in the download")
	assert.Greater(t, r.Format.Duration, 12.0, "yt-dlp followed the stream:\n%s", strings.TrimSpace(string(log)))
}
