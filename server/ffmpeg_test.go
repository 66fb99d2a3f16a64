package server

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/supervise"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
)

// The FFmpeg tests run real ffmpeg children under the server. They keep
// the CPU low: the 360p file, ultrafast, one thread, short runs.

const ffConf = `
listen %s;
ff_log_dir %s;
ff_log_level warning;
http_server { enabled on; listen 127.0.0.1:0; }
http_api { enabled on; listen 127.0.0.1:0; raw_api { enabled on; allow_reload on; } }
vhost __defaultVhost__ {
%s
}
`

// startFF runs a server whose default vhost holds body; its RTMP port is
// fixed (freePort) when ingests need to know it, else picked by the OS.
func startFF(t *testing.T, listen, body string) (ts *testServer, path, logDir string) {
	t.Helper()
	testpeer.Require(t, "ffmpeg", "ffprobe")
	logDir = t.TempDir()
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ts, path = startServerConf(t, fmt.Sprintf(ffConf, listen, logDir, body))
	return ts, path, logDir
}

// ffProcesses reads /api/v1/processes.
func ffProcesses(t *testing.T, ts *testServer) []map[string]any {
	t.Helper()
	code, body := apiGet(t, "http://"+ts.MgmtAddr("api").String()+"/api/v1/processes", false)
	require.Equal(t, 200, code)
	var out []map[string]any
	items, _ := body["processes"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any))
	}
	return out
}

// runningPids waits until the API lists n running processes of kind and
// returns their pids by name.
func runningPids(t *testing.T, ts *testServer, kind string, n int) map[string]int {
	t.Helper()
	var pids map[string]int
	waitFor(t, 20*time.Second, fmt.Sprintf("%d running %s processes", n, kind), func() bool {
		pids = map[string]int{}
		for _, p := range ffProcesses(t, ts) {
			if p["kind"] == kind && p["state"] == "running" {
				pids[p["name"].(string)] = int(p["pid"].(float64))
			}
		}
		return len(pids) == n
	})
	return pids
}

func waitGone(t *testing.T, pids map[string]int) {
	t.Helper()
	for name, pid := range pids {
		waitFor(t, 10*time.Second, "process "+name+" to end", func() bool { return !supervise.Alive(pid) })
	}
}

func publishLoop(t *testing.T, ts *testServer, file, stream string) {
	t.Helper()
	testpeer.Publish(t, testpeer.Media(t, file), ts.rtmpURL(stream), testpeer.PublishOptions{Loop: true})
	ts.source(stream, true)
}

func probe(t *testing.T, url string) *testpeer.ProbeResult {
	t.Helper()
	r, err := testpeer.Probe(context.Background(), url)
	require.NoError(t, err)
	return r
}

// videoKbps measures a live stream's video bitrate over a few seconds of
// media.
func videoKbps(t *testing.T, url string) float64 {
	t.Helper()
	packets, err := testpeer.Packets(context.Background(), url, "-read_intervals", "%+4")
	require.NoError(t, err)
	var bytes int
	first, last := -1.0, 0.0
	for _, p := range packets {
		if p.CodecType != "video" {
			continue
		}
		if first < 0 {
			first = p.PtsTime
		}
		last = p.PtsTime
		bytes += p.Size
	}
	require.Greater(t, last-first, 2.0, "too little video")
	return float64(bytes) * 8 / (last - first) / 1000
}

// TestTranscodeEngines publishes a 720p stream transcoded by two
// engines, 360p at 300 kbps and audio only: each output has the codec,
// size and about the bitrate asked for. libfdk_aac is mapped to aac with
// one warning.
func TestTranscodeEngines(t *testing.T) {
	ts, _, logDir := startFF(t, "", `
    transcode live {
        enabled on;
        ffmpeg ./objs/ffmpeg/bin/ffmpeg;
        engine sd {
            enabled on;
            vcodec libx264; vbitrate 300; vfps 25; vwidth 640; vheight 360; vthreads 1;
            vprofile baseline; vpreset ultrafast;
            acodec libfdk_aac; abitrate 48; asample_rate 44100; achannels 1;
            output rtmp://127.0.0.1:[port]/[app]?vhost=[vhost]/[stream]_[engine];
        }
        engine audio {
            enabled on;
            vcodec vn;
            acodec copy;
            output rtmp://127.0.0.1:[port]/[app]/[stream]_[engine];
        }
        engine off { enabled off; vcodec copy; acodec copy; output rtmp://127.0.0.1:[port]/[app]/[stream]_off; }
    }`)
	require.Len(t, ts.logs.Lines("libfdk_aac", "using aac"), 1)
	publishLoop(t, ts, "h264_aac_720p25.flv", "s")
	pids := runningPids(t, ts, "transcode", 2)
	require.Contains(t, pids, "__defaultVhost__/live/s/sd")
	require.Contains(t, pids, "__defaultVhost__/live/s/audio")

	ts.source("s_sd", true)
	sd := probe(t, ts.rtmpURL("s_sd"))
	require.NotNil(t, sd.Video())
	require.Equal(t, "h264", sd.Video().CodecName)
	require.Equal(t, "Constrained Baseline", sd.Video().Profile)
	require.Equal(t, 640, sd.Video().Width)
	require.Equal(t, 360, sd.Video().Height)
	require.NotNil(t, sd.Audio())
	require.Equal(t, "aac", sd.Audio().CodecName)
	require.Equal(t, 1, sd.Audio().Channels)
	kbps := videoKbps(t, ts.rtmpURL("s_sd"))
	t.Logf("360p engine: %.0f kbps of video", kbps)
	require.InDelta(t, 300, kbps, 150)

	ts.source("s_audio", true)
	audio := probe(t, ts.rtmpURL("s_audio"))
	require.Nil(t, audio.Video())
	require.NotNil(t, audio.Audio())
	require.Equal(t, "aac", audio.Audio().CodecName)
	require.Equal(t, 44100, audio.Audio().SampleRate)

	// Per-process log files, named as SRS names them.
	_, err := os.Stat(filepath.Join(logDir, "ffmpeg-encoder-__defaultVhost__-live-s-sd.log"))
	require.NoError(t, err)
}

// TestTranscodeFilters runs a logo overlay, a crop with drawtext and a
// PNG thumbnail engine on a 360p stream.
func TestTranscodeFilters(t *testing.T) {
	dir := t.TempDir()
	logo := filepath.Join(dir, "logo.png")
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64",
		"-frames:v", "1", "-y", logo).CombinedOutput()
	require.NoError(t, err, "%s", out)
	font := "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	_, err = os.Stat(font)
	require.NoError(t, err, "drawtext needs fonts-dejavu-core (scripts/install-test-deps.sh)")
	ts, _, _ := startFF(t, "", fmt.Sprintf(`
    transcode {
        enabled on;
        ffmpeg ffmpeg;
        engine logo {
            enabled on;
            vfilter { i %s; filter_complex 'overlay=10:10'; }
            vcodec libx264; vbitrate 200; vfps 15; vthreads 1; vprofile baseline; vpreset ultrafast;
            acodec copy;
            output rtmp://127.0.0.1:[port]/[app]/[stream]_[engine];
        }
        engine crop {
            enabled on;
            vfilter { vf 'crop=320:180:0:0,drawtext=fontfile=%s:text=cascade:fontcolor=white:fontsize=24:x=10:y=10'; }
            vcodec libx264; vbitrate 150; vfps 15; vthreads 1; vprofile baseline; vpreset ultrafast;
            acodec an;
            output rtmp://127.0.0.1:[port]/[app]/[stream]_[engine];
        }
        engine snapshot {
            enabled on;
            vfilter { vf fps=1; }
            vcodec png;
            vparams { vframes 3; }
            acodec an;
            oformat image2;
            output %s/[app]/[stream]-%%03d.png;
        }
    }`, logo, font, dir))
	publishLoop(t, ts, "h264_mp3_360p30.flv", "s")
	// The outputs are transcoded too unless the loop guard stops it.
	ts.source("s_logo", true)
	ts.source("s_crop", true)

	// The logo is in the top left corner of the decoded picture.
	rgb, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-rw_timeout", "10000000",
		"-i", ts.rtmpURL("s_logo"), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
	require.NoError(t, err)
	require.Len(t, rgb, 640*360*3)
	px := rgb[(40*640+40)*3:]
	require.True(t, px[0] > 200 && px[1] < 60 && px[2] < 60, "pixel under the logo is %v, not red", px[:3])

	crop := probe(t, ts.rtmpURL("s_crop"))
	require.Equal(t, 320, crop.Video().Width)
	require.Equal(t, 180, crop.Video().Height)
	require.Nil(t, crop.Audio())

	var pngs []string
	waitFor(t, 20*time.Second, "thumbnails", func() bool {
		pngs, _ = filepath.Glob(filepath.Join(dir, "live", "s-*.png"))
		return len(pngs) >= 2
	})
	thumb := probe(t, pngs[0])
	require.Equal(t, "png", thumb.Video().CodecName)
	require.Equal(t, 640, thumb.Video().Width)
	require.Equal(t, 360, thumb.Video().Height)
}

// TestTranscodeLoopGuard transcodes every stream of the vhost back into
// the vhost: the output is not transcoded again (no s_hd_hd…), whatever
// form its URL takes.
func TestTranscodeLoopGuard(t *testing.T) {
	ts, _, _ := startFF(t, "", `
    transcode {
        enabled on;
        ffmpeg ffmpeg;
        engine hd { enabled on; vcodec copy; acodec copy; output rtmp://127.0.0.1:[port]/[app]?vhost=[vhost]/[stream]_[engine]; }
        engine x { enabled on; vcodec copy; acodec copy; output rtmp://localhost:[port]/[app]/[stream]_[engine]?vhost=[vhost]; }
    }`)
	publishLoop(t, ts, "h264_mp3_360p30.flv", "s")
	ts.source("s_hd", true)
	ts.source("s_x", true)
	time.Sleep(10 * time.Second)
	code, body := apiGet(t, "http://"+ts.MgmtAddr("api").String()+"/api/v1/streams", false)
	require.Equal(t, 200, code)
	var names []string
	for _, s := range body["streams"].([]any) {
		names = append(names, s.(map[string]any)["name"].(string))
	}
	require.ElementsMatch(t, []string{"s", "s_hd", "s_x"}, names)
	require.Len(t, runningPids(t, ts, "transcode", 2), 2)
	require.NotEmpty(t, ts.logs.Lines("not transcoding a transcoder's output"))
}

// TestTranscodeLifecycle: a killed child is restarted, unpublish stops
// every child (transcode and exec), nothing is left behind.
func TestTranscodeLifecycle(t *testing.T) {
	ts, _, _ := startFF(t, "", `
    transcode live {
        enabled on;
        ffmpeg ffmpeg;
        engine copy { enabled on; vcodec copy; acodec copy; output rtmp://127.0.0.1:[port]/[app]/[stream]_[engine]; }
    }
    exec { enabled on; publish sleep 60; }`)
	pub := testpeer.Publish(t, testpeer.Media(t, "h264_mp3_360p30.flv"), ts.rtmpURL("s"), testpeer.PublishOptions{Loop: true})
	ts.source("s", true)
	pids := runningPids(t, ts, "transcode", 1)
	execs := runningPids(t, ts, "exec", 1)
	ts.source("s_copy", true)

	first := pids["__defaultVhost__/live/s/copy"]
	require.NoError(t, syscall.Kill(first, syscall.SIGKILL))
	waitFor(t, 15*time.Second, "a restarted transcoder", func() bool {
		for _, p := range ffProcesses(t, ts) {
			if p["kind"] == "transcode" && p["state"] == "running" && int(p["pid"].(float64)) != first {
				require.Equal(t, 1.0, p["restarts"])
				require.Contains(t, p["cmdline"], "-vcodec copy -acodec copy -f flv -y rtmp://127.0.0.1:")
				return true
			}
		}
		return false
	})
	require.NotEmpty(t, ts.logs.Lines("process exited", "signal killed", "stderr="))
	pids = runningPids(t, ts, "transcode", 1)

	pub.Stop()
	waitGone(t, pids)
	waitGone(t, execs)
	waitFor(t, 10*time.Second, "no processes listed", func() bool { return len(ffProcesses(t, ts)) == 0 })
}

// argsScript writes a script that writes its arguments, one a line, to
// out, then sleeps.
func argsScript(t *testing.T, dir string) (script, out string) {
	script, out = filepath.Join(dir, "exec.sh"), filepath.Join(dir, "args.txt")
	body := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + out + ".tmp\nmv " + out + ".tmp " + out + "\nexec sleep 60\n"
	require.NoError(t, os.WriteFile(script, []byte(body), 0o755))
	return script, out
}

// waitFile waits for a file to exist and returns its content.
func waitFile(t *testing.T, path string) []byte {
	var got []byte
	waitFor(t, 15*time.Second, path, func() bool {
		got, _ = os.ReadFile(path)
		return len(got) > 0
	})
	return got
}

// TestExecVariables: the exec command gets SRS's variables.
func TestExecVariables(t *testing.T) {
	dir := t.TempDir()
	script, out := argsScript(t, dir)
	ts, _, _ := startFF(t, "", `exec { enabled on; publish `+script+` [vhost] [port] [app] [stream] [tcUrl] [param] [url] 2>`+filepath.Join(dir, "err.log")+`; }`)
	testpeer.Publish(t, testpeer.Media(t, "h264_mp3_360p30.flv"), ts.rtmpURL("s?token=abc"), testpeer.PublishOptions{Loop: true})
	ts.source("s", true)
	got := waitFile(t, out)
	rtmpPort := ts.RTMPAddr().String()[strings.LastIndexByte(ts.RTMPAddr().String(), ':')+1:]
	want := strings.Join([]string{"__defaultVhost__", rtmpPort, "live", "s", "rtmp://" + ts.RTMPAddr().String() + "/live",
		"?token=abc", "rtmp://127.0.0.1:" + rtmpPort + "/live/s?token=abc"}, "\n") + "\n"
	require.Equal(t, want, string(got))
	_, err := os.Stat(filepath.Join(dir, "err.log"))
	require.NoError(t, err, "2> redirection")
}

// TestIngest: a file ingest and a stream ingest (of the first one) play;
// a reload that removes the stream ingest and adds one from HTTP-FLV ends
// the first's process, starts the other's and leaves the file ingest
// alone.
func TestIngest(t *testing.T) {
	listen := freePort(t)
	port := listen[strings.LastIndexByte(listen, ':')+1:]
	media := testpeer.Media(t, "h264_mp3_360p30.flv")
	fileIngest := `
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
    ingest file {
        enabled on;
        input { type file; url ` + media + `; }
        ffmpeg ffmpeg;
        engine { enabled off; output rtmp://127.0.0.1:[port]/live?vhost=[vhost]/file; }
    }`
	streamIngest := `
    ingest relay {
        enabled on;
        input { type stream; url rtmp://127.0.0.1:` + port + `/live/file; }
        ffmpeg ffmpeg;
        engine { enabled off; output rtmp://127.0.0.1:[port]/live/relay; }
    }`
	ts, path, logDir := startFF(t, listen, fileIngest+streamIngest)
	pids := runningPids(t, ts, "ingest", 2)
	ts.source("file", true)
	ts.source("relay", true)
	for _, s := range []string{"file", "relay"} {
		r := probe(t, ts.rtmpURL(s))
		require.Equal(t, "h264", r.Video().CodecName, s)
		require.Equal(t, 640, r.Video().Width, s)
		require.Equal(t, "mp3", r.Audio().CodecName, s)
	}
	filePid := pids["__defaultVhost__/file/0"]
	relayPid := pids["__defaultVhost__/relay/0"]
	require.NotZero(t, filePid)
	require.NotZero(t, relayPid)
	require.Contains(t, ts.logs.Lines("process started", "kind=ingest", "name=__defaultVhost__/file/0")[0], "-re -stream_loop -1 -i "+media)

	flvIngest := `
    ingest flv {
        enabled on;
        input { type stream; url ` + ts.flvURL("file") + `; }
        ffmpeg ffmpeg;
        engine { enabled off; output rtmp://127.0.0.1:[port]/live/flv; }
    }`
	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(ffConf, listen, logDir, fileIngest+flvIngest)), 0o644))
	require.NoError(t, ts.Reload())
	waitGone(t, map[string]int{"relay": relayPid})
	after := runningPids(t, ts, "ingest", 2)
	// The file ingest did not change: it runs on, untouched.
	require.Equal(t, filePid, after["__defaultVhost__/file/0"])
	require.Contains(t, after, "__defaultVhost__/flv/0")
	ts.source("flv", true)
	r := probe(t, ts.rtmpURL("flv"))
	require.Equal(t, "h264", r.Video().CodecName)
}

// TestSnapshot: /live/s.jpg is a JPEG of the stream's size that changes
// over time, and the API lists it.
func TestSnapshot(t *testing.T) {
	ts, _, _ := startFF(t, "", `snapshot { enabled on; interval 1; }`)
	pub := testpeer.Publish(t, testpeer.Media(t, "h264_mp3_360p30.flv"), ts.rtmpURL("s"), testpeer.PublishOptions{Loop: true})
	ts.source("s", true)
	pids := runningPids(t, ts, "snapshot", 1)
	url := "http://" + ts.HTTPAddr().String() + "/live/s.jpg"
	get := func() []byte {
		resp, err := http.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		if resp.StatusCode != 200 {
			return nil
		}
		require.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))
		return b
	}
	var first []byte
	waitFor(t, 20*time.Second, "a snapshot", func() bool { first = get(); return first != nil })
	img, err := jpeg.Decode(bytes.NewReader(first))
	require.NoError(t, err)
	require.Equal(t, 640, img.Bounds().Dx())
	require.Equal(t, 360, img.Bounds().Dy())
	waitFor(t, 20*time.Second, "a newer snapshot", func() bool { b := get(); return b != nil && !bytes.Equal(b, first) })

	code, body := apiGet(t, "http://"+ts.MgmtAddr("api").String()+"/api/v1/snapshots", false)
	require.Equal(t, 200, code)
	snap := find(body["snapshots"], "url", "/live/s.jpg")
	require.NotNil(t, snap, "%v", body)
	require.Equal(t, "s", snap["stream"])
	require.GreaterOrEqual(t, snap["pictures"], 2.0)

	// One process read the stream all along; it goes with the publish.
	require.Equal(t, pids, runningPids(t, ts, "snapshot", 1))
	pub.Stop()
	waitGone(t, pids)
	waitFor(t, 5*time.Second, "the snapshot to go", func() bool { return get() == nil })
}

// TestTranscodeReload changes a live stream's engines by reload: the
// unchanged engine keeps its process, the changed one restarts, the new
// one starts, the removed one ends.
func TestTranscodeReload(t *testing.T) {
	engine := func(name, output string) string {
		return "engine " + name + " { enabled on; vcodec copy; acodec copy; output rtmp://127.0.0.1:[port]/[app]/" + output + "; }\n"
	}
	transcode := func(engines string) string {
		return "transcode live { enabled on; ffmpeg ffmpeg;\n" + engines + "}"
	}
	ts, path, logDir := startFF(t, "", transcode(engine("a", "[stream]_a")+engine("b", "[stream]_b")+engine("gone", "[stream]_gone")))
	publishLoop(t, ts, "h264_mp3_360p30.flv", "s")
	before := runningPids(t, ts, "transcode", 3)
	ts.source("s_b", true)

	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(ffConf, "127.0.0.1:0", logDir,
		transcode(engine("a", "[stream]_a")+engine("b", "[stream]_b2")+engine("c", "[stream]_c")))), 0o644))
	require.NoError(t, ts.Reload())
	waitGone(t, map[string]int{"b": before["__defaultVhost__/live/s/b"], "gone": before["__defaultVhost__/live/s/gone"]})
	after := runningPids(t, ts, "transcode", 3)
	require.Equal(t, before["__defaultVhost__/live/s/a"], after["__defaultVhost__/live/s/a"], "an unchanged engine is left alone")
	require.Contains(t, after, "__defaultVhost__/live/s/c")
	ts.source("s_b2", true)
	ts.source("s_c", true)
}

// TestFFmpegMissing: without an ffmpeg binary, the blocks needing one are
// reported once at start and the rest of the server runs.
func TestFFmpegMissing(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	path := os.Getenv("PATH")
	t.Setenv("PATH", t.TempDir())
	ts, _ := startServerConf(t, fmt.Sprintf(ffConf, "127.0.0.1:0", t.TempDir(), `
    transcode live/s { enabled on; ffmpeg ./objs/ffmpeg/bin/ffmpeg; engine e { enabled on; vcodec copy; acodec copy; output rtmp://127.0.0.1:[port]/[app]/[stream]_e; } }
    ingest i { enabled on; input { type file; url x.flv; } ffmpeg ./objs/ffmpeg/bin/ffmpeg; engine { enabled off; output rtmp://127.0.0.1:[port]/live/i; } }
    snapshot { enabled on; }`))
	waitFor(t, 5*time.Second, "the error", func() bool { return len(ts.logs.Lines("ffmpeg not found")) == 2 })
	lines := ts.logs.Lines("level=ERROR", "ffmpeg not found", "ffmpeg=./objs/ffmpeg/bin/ffmpeg")
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "transcode in vhost __defaultVhost__")
	require.Contains(t, lines[0], "ingest i in vhost __defaultVhost__")
	require.Len(t, ts.logs.Lines("level=ERROR", "ffmpeg not found", "snapshot in vhost"), 1)

	t.Setenv("PATH", path)
	publishLoop(t, ts, "h264_mp3_360p30.flv", "s")
	r := probe(t, ts.rtmpURL("s"))
	require.NotNil(t, r.Video())
	require.Empty(t, ffProcesses(t, ts))
	require.Len(t, ts.logs.Lines("ffmpeg not found"), 2, "reported once")

	// Installed since: a reload finds it and the blocks run.
	require.NoError(t, ts.Reload())
	runningPids(t, ts, "transcode", 1)
	runningPids(t, ts, "snapshot", 1)
	require.Len(t, ts.logs.Lines("level=ERROR", "ffmpeg not found"), 2)
}

// TestExecOffLoopPublisher: a publisher that is not an RTMP connection
// (a caster, an edge pull) starts and stops the vhost's children too.
func TestExecOffLoopPublisher(t *testing.T) {
	script, out := argsScript(t, t.TempDir())
	ts, _, _ := startFF(t, "", `exec { enabled on; publish `+script+` [stream] [param]; }`)
	pub, err := ts.Publish(context.Background(), session.Request{Proto: "test-pull", App: "live", Stream: "g", Param: "?token=abc"})
	require.NoError(t, err)
	pids := runningPids(t, ts, "exec", 1)
	require.Equal(t, "g\n?token=abc\n", string(waitFile(t, out)))
	require.NoError(t, pub.Close())
	waitGone(t, pids)
}

// TestExecFFmpeg runs SRS's exec sample as written: its
// ./objs/ffmpeg/bin/ffmpeg is the system's ffmpeg here, and it records the
// stream until the unpublish stops it.
func TestExecFFmpeg(t *testing.T) {
	dir := t.TempDir()
	ts, _, _ := startFF(t, "", `exec { enabled on; publish ./objs/ffmpeg/bin/ffmpeg -f flv -i [url] -c copy -y `+dir+`/[stream].flv; }`)
	pub := testpeer.Publish(t, testpeer.Media(t, "h264_mp3_360p30.flv"), ts.rtmpURL("s"), testpeer.PublishOptions{Loop: true})
	ts.source("s", true)
	pids := runningPids(t, ts, "exec", 1)
	file := filepath.Join(dir, "s.flv")
	waitFor(t, 15*time.Second, "a recording", func() bool {
		st, err := os.Stat(file)
		return err == nil && st.Size() > 100<<10
	})
	pub.Stop()
	waitGone(t, pids)
	r := probe(t, file)
	require.Equal(t, "h264", r.Video().CodecName)
	require.Equal(t, "mp3", r.Audio().CodecName)
}

// TestIngestRTSP: ingests of an RTSP camera whose engines only copy
// (disabled, or vcodec and acodec copy) are pulled natively: no ffmpeg
// runs for them, the API lists them as rtsp-pull tasks, their outputs
// play over RTMP with the camera's codecs and size, a pull whose
// publisher is kicked comes back, and a reload removing them stops them.
func TestIngestRTSP(t *testing.T) {
	st := castertest.Streams[0]
	cam := castertest.StartCamera(t, st)
	ingests := `
    ingest cam {
        enabled on;
        input { type stream; url ` + cam + `; }
        ffmpeg ffmpeg;
        engine { enabled off; output rtmp://127.0.0.1:[port]/live?vhost=[vhost]/cam; }
    }
    ingest copy {
        enabled on;
        input { type stream; url ` + cam + `; }
        ffmpeg ffmpeg;
        engine { enabled on; vcodec copy; acodec copy; output rtmp://127.0.0.1:[port]/live/copy; }
    }`
	ts, path, logDir := startFF(t, "", ingests)
	publishing := func(s string) bool {
		src := ts.Registry().Lookup(live.Key(DefaultVhost, "live", s))
		return src != nil && src.Publishing()
	}
	pulls := func(n int) map[string]map[string]any {
		t.Helper()
		var got map[string]map[string]any
		waitFor(t, 20*time.Second, fmt.Sprintf("%d running rtsp pulls", n), func() bool {
			got = map[string]map[string]any{}
			for _, p := range ffProcesses(t, ts) {
				require.NotEqual(t, "ingest", p["kind"], "an ffmpeg ingest runs: %v", p)
				if p["kind"] == "rtsp-pull" && p["state"] == "running" {
					got[p["name"].(string)] = p
				}
			}
			return len(got) == n
		})
		return got
	}
	got := pulls(2)
	for _, name := range []string{"__defaultVhost__/cam/0", "__defaultVhost__/copy/0"} {
		require.Contains(t, got, name)
		require.EqualValues(t, 0, got[name]["pid"])
		require.Equal(t, cam+" rtmp://", got[name]["cmdline"].(string)[:len(cam)+8])
	}
	for _, s := range []string{"cam", "copy"} {
		ts.source(s, true)
		r := probe(t, ts.rtmpURL(s))
		require.Equal(t, st.VCodec, r.Video().CodecName, s)
		require.Equal(t, st.Width, r.Video().Width, s)
		require.Equal(t, st.Height, r.Video().Height, s)
		require.Equal(t, st.ACodec, r.Audio().CodecName, s)
	}
	require.NotEmpty(t, ts.logs.Lines("task started", "kind=rtsp-pull", "name=__defaultVhost__/cam/0"))

	// Kicked, the pull ends and is restarted.
	apiBase := "http://" + ts.MgmtAddr("api").String()
	_, body := apiGet(t, apiBase+"/api/v1/streams", false)
	pub := find(body["streams"], "name", "cam")["publish"].(map[string]any)
	req, err := http.NewRequest(http.MethodDelete, apiBase+"/api/v1/clients/"+fmt.Sprint(pub["cid"]), nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	waitFor(t, 20*time.Second, "the kicked pull to come back", func() bool {
		p := find(anySlice(ffProcesses(t, ts)), "name", "__defaultVhost__/cam/0")
		return p != nil && p["state"] == "running" && p["restarts"].(float64) >= 1 && publishing("cam")
	})
	require.NotEmpty(t, ts.logs.Lines("task ended", "kind=rtsp-pull", "name=__defaultVhost__/cam/0"))

	// A reload removing them stops them and unpublishes their outputs.
	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(ffConf, "127.0.0.1:0", logDir, "")), 0o644))
	require.NoError(t, ts.Reload())
	waitFor(t, 10*time.Second, "the pulls to stop", func() bool {
		for _, p := range ffProcesses(t, ts) {
			if p["kind"] == "rtsp-pull" {
				return false
			}
		}
		for _, s := range []string{"cam", "copy"} {
			if publishing(s) {
				return false
			}
		}
		return true
	})
}

func anySlice(ms []map[string]any) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}
