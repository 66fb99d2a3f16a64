package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/internal/testmedia"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/server"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cascade-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "cascade")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic("build cascade: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func writeConf(t *testing.T, text string) string {
	p := filepath.Join(t.TempDir(), "test.conf")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir() // where ./objs/srs.pid goes
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	}
	require.NoError(t, err)
	return o.String(), e.String(), 0
}

func TestVersion(t *testing.T) {
	out, _, code := runCmd(t, "-v")
	assert.Equal(t, 0, code)
	assert.Equal(t, server.Version+"\n", out)
}

func TestCheckConfig(t *testing.T) {
	good := writeConf(t, "listen 1935;\nmax_connections 100;\nhttp_server { enabled on; listen 8080; }\n"+
		"vhost __defaultVhost__ {\n  gop_cache on;\n  play { mw_latency 350; }\n  http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }\n}\n")
	out, _, code := runCmd(t, "-t", "-c", good)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "is ok")

	unknown := writeConf(t, "listen 1935;\nno_such_directive on;\n")
	_, errOut, code := runCmd(t, "-t", "-c", unknown)
	assert.Equal(t, 0, code, "an unknown directive is only a warning")
	assert.Regexp(t, `test\.conf:2.*no_such_directive`, errOut)

	broken := writeConf(t, "listen 1935;\nvhost x {\n  gop_cache on\n}\n")
	_, errOut, code = runCmd(t, "-t", "-c", broken)
	assert.NotEqual(t, 0, code)
	assert.Regexp(t, `test\.conf:[34]`, errOut, "the error names file:line")

	_, _, code = runCmd(t, "-t", "-c", filepath.Join(t.TempDir(), "missing.conf"))
	assert.NotEqual(t, 0, code)
}

var listening = regexp.MustCompile(`msg="(rtmp|http) listening" addr=(\S+)`)

// start runs the binary on conf and waits for its RTMP address.
func start(t *testing.T, conf string) (*exec.Cmd, string, *bufio.Scanner) {
	cmd := exec.Command(binary, "-c", conf)
	cmd.Dir = t.TempDir()
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	deadline := time.Now().Add(10 * time.Second)
	for sc.Scan() && time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil && m[1] == "rtmp" {
			go func() {
				for sc.Scan() {
				}
			}()
			return cmd, m[2], sc
		}
	}
	t.Fatal("the server did not report its RTMP address")
	return nil, "", nil
}

func TestSignalsStop(t *testing.T) {
	conf := writeConf(t, "listen 127.0.0.1:0;\ndaemon off;\nhttp_server { enabled on; listen 127.0.0.1:0; }\n"+
		"vhost __defaultVhost__ { http_remux { enabled on; } }\n")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT} {
		cmd, addr, _ := start(t, conf)
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err, "it serves RTMP")
		c.Close()
		// SIGHUP reloads without stopping.
		require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
		time.Sleep(100 * time.Millisecond)
		c, err = net.Dial("tcp", addr)
		require.NoError(t, err, "still serving after a reload")
		c.Close()

		began := time.Now()
		require.NoError(t, cmd.Process.Signal(sig))
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			assert.NoError(t, err, "%v: clean exit", sig)
			assert.Less(t, time.Since(began), 3*time.Second, "%v stops quickly", sig)
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: the server did not stop", sig)
		}
	}
}

func TestLogFileReopenAndEnv(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "logs", "cascade.log")
	conf := writeConf(t, "listen 127.0.0.1:0;\nsrs_log_tank file;\nsrs_log_file "+logPath+";\n")
	cmd := exec.Command(binary, "-c", conf)
	cmd.Dir = dir
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitLog := func(path, text string) {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(text)) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s never said %q", path, text)
	}
	waitLog(logPath, "cascade started")
	// logrotate: move the file away, then SIGUSR1.
	require.NoError(t, os.Rename(logPath, logPath+".1"))
	require.NoError(t, cmd.Process.Signal(syscall.SIGUSR1))
	waitLog(logPath, "log reopened")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait())
	waitLog(logPath, "cascade stopped")
	old, _ := os.ReadFile(logPath + ".1")
	assert.NotContains(t, string(old), "cascade stopped", "the rotated file is left alone")

	// -e: the whole configuration from SRS_* variables.
	env := exec.Command(binary, "-e")
	env.Dir = dir
	env.Env = append(os.Environ(), "SRS_LISTEN=127.0.0.1:0", "SRS_HTTP_SERVER_ENABLED=on",
		"SRS_HTTP_SERVER_LISTEN=127.0.0.1:0", "SRS_HTTP_API_ENABLED=off")
	stderr, err := env.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, env.Start())
	t.Cleanup(func() { _ = env.Process.Kill(); _ = env.Wait() })
	sc := bufio.NewScanner(stderr)
	seen := map[string]bool{}
	for sc.Scan() && len(seen) < 2 {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			assert.True(t, strings.HasPrefix(m[2], "127.0.0.1:"), "%s listens where SRS_* said: %s", m[1], m[2])
			seen[m[1]] = true
		}
	}
	assert.True(t, seen["rtmp"] && seen["http"], "RTMP and HTTP from the environment")
}

// TestStopFinalizesOutputs: SIGTERM, SIGINT and SIGQUIT during a publish
// with DVR and HLS on leave a finished recording (renamed from .tmp, its
// keyframe index written, both streams, about the published duration) and
// a playlist whose last segment exists and decodes.
func TestStopFinalizesOutputs(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	media := testpeer.Media(t, "h264_aac_720p25.flv")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			var mu sync.Mutex
			var dvrFiles []string // what on_dvr reported
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body struct{ File string }
				_ = json.NewDecoder(r.Body).Decode(&body)
				mu.Lock()
				dvrFiles = append(dvrFiles, body.File)
				mu.Unlock()
				io.WriteString(w, "0")
			}))
			defer hook.Close()
			conf := writeConf(t, fmt.Sprintf(`listen 127.0.0.1:0;
daemon off;
vhost __defaultVhost__ {
    dvr { enabled on; dvr_plan session; dvr_path %[1]s/dvr/[app]/[stream].flv; }
    hls { enabled on; hls_path %[1]s/hls; hls_fragment 2; hls_window 60; }
    http_hooks { enabled on; on_dvr %[2]s/dvr; }
}
`, dir, hook.URL))
			cmd, addr, _ := start(t, conf)
			began := time.Now()
			// Several streams, so that the stop has some work to finish.
			const streams = 4
			var pubs []*testpeer.Process
			for i := range streams {
				pubs = append(pubs, testpeer.Publish(t, media, fmt.Sprintf("rtmp://%s/live/s%d", addr, i), testpeer.PublishOptions{Loop: true}))
			}
			for i := range streams {
				waitFile(t, filepath.Join(dir, "hls", "live", fmt.Sprintf("s%d.m3u8", i)), 15*time.Second)
			}
			time.Sleep(time.Until(began.Add(5 * time.Second)))
			published := time.Since(began)

			stopping := time.Now()
			require.NoError(t, cmd.Process.Signal(sig))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				assert.NoError(t, err, "clean exit")
				assert.Less(t, time.Since(stopping), 6*time.Second, "stopped within the bound")
			case <-time.After(15 * time.Second):
				t.Fatal("the server did not stop")
			}
			for _, p := range pubs {
				p.Stop()
			}

			var tmp, flvs []string
			require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				switch {
				case err != nil:
					return err
				case strings.HasSuffix(p, ".tmp"):
					tmp = append(tmp, p)
				case strings.HasSuffix(p, ".flv"):
					flvs = append(flvs, p)
				}
				return nil
			}))
			assert.Empty(t, tmp, "no file left half-written")
			require.Len(t, flvs, streams, "one recording per stream")
			mu.Lock()
			assert.ElementsMatch(t, flvs, dvrFiles, "on_dvr told of each recording before the exit")
			mu.Unlock()

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			for _, flv := range flvs {
				probe, err := testpeer.Probe(ctx, flv)
				require.NoError(t, err)
				assert.NotNil(t, probe.Video(), "the recording has video")
				assert.NotNil(t, probe.Audio(), "the recording has audio")
				assert.InDelta(t, published.Seconds(), probe.Format.Duration, 1.5, "the recording lasts about what was published")
				checkKeyframeIndex(t, flv)
			}

			for i := range streams {
				playlist := filepath.Join(dir, "hls", "live", fmt.Sprintf("s%d.m3u8", i))
				m3u8, err := os.ReadFile(playlist)
				require.NoError(t, err)
				var last string
				var total float64
				for _, line := range strings.Split(string(m3u8), "\n") {
					if d, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
						d, _, _ = strings.Cut(d, ",")
						f, _ := strconv.ParseFloat(d, 64)
						total += f
					} else if line != "" && !strings.HasPrefix(line, "#") {
						last = line
					}
				}
				require.NotEmpty(t, last, "the playlist lists segments:\n%s", m3u8)
				assert.InDelta(t, published.Seconds(), total, 1.5, "the playlist holds the last segment:\n%s", m3u8)
				seg, err := testpeer.Probe(ctx, filepath.Join(filepath.Dir(playlist), last))
				require.NoError(t, err, "the last segment decodes")
				assert.NotNil(t, seg.Video())
				assert.Greater(t, seg.Format.Duration, 0.0)
			}
		})
	}
}

func waitFile(t *testing.T, path string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
}

// checkKeyframeIndex checks that the recording's onMetaData holds its
// size, duration and keyframe index, written when the file was finished.
func checkKeyframeIndex(t *testing.T, path string) {
	t.Helper()
	tags, _ := testmedia.ReadTags(t, path)
	require.NotEmpty(t, tags)
	vs, err := amf.DecodeAll0(tags[0].Data)
	require.NoError(t, err)
	require.Len(t, vs, 2)
	meta, ok := vs[1].(amf.ECMAArray)
	require.True(t, ok)
	st, err := os.Stat(path)
	require.NoError(t, err)
	size, _ := meta.GetNumber("filesize")
	assert.Equal(t, float64(st.Size()), size, "filesize written at the end")
	kf, ok := meta.Get("keyframes")
	require.True(t, ok, "no keyframes index")
	times, _ := kf.(amf.Object).Get("times")
	assert.NotEmpty(t, times, "keyframe times")
}
