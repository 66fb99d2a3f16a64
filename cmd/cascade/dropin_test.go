package main

import (
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

	"github.com/cascade-live/cascade/internal/testpeer"
)

// syncBuffer is an io.Writer the test reads while the process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// process is the binary running in a directory of its own.
type process struct {
	cmd *exec.Cmd
	dir string
	out *syncBuffer // stdout and stderr
}

// launch starts the binary with args in dir (env added to the test's).
func launch(t *testing.T, dir string, env []string, args ...string) *process {
	t.Helper()
	s := &process{cmd: exec.Command(binary, args...), dir: dir, out: &syncBuffer{}}
	s.cmd.Dir = dir
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	return s
}

// logs is what the server wrote to its console and to logFile (relative
// to its directory), if any.
func (s *process) logs(logFile string) string {
	out := s.out.String()
	if logFile != "" {
		b, _ := os.ReadFile(filepath.Join(s.dir, logFile))
		out += string(b)
	}
	return out
}

// waitLog waits until the server's logs say text, or fails.
func (s *process) waitLog(t *testing.T, logFile, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.logs(logFile), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the server never said %q:\n%s", text, s.logs(logFile))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *process) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "exit:\n%s", s.out.String())
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
}

// freePort is a TCP port free on both 127.0.0.1 and ::1 a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

var listenLine = regexp.MustCompile(`(?m)^(\s*listen\s+)([^;#]+);`)

// rewritePorts makes every TCP listen of an SRS configuration a free
// loopback port: each port number of the file gets its own free port (so
// endpoints that share a port still do), "[::]" becomes "[::1]" and other
// hosts "127.0.0.1". UDP listens (rtc_server, srt_server) are left alone:
// cascade opens none.
func rewritePorts(t *testing.T, conf string) string {
	ports := map[string]int{}
	inUDP := regexp.MustCompile(`(?s)(rtc_server|srt_server|stream_caster)\s*\{[^}]*$`)
	return listenLine.ReplaceAllStringFunc(conf, func(line string) string {
		if inUDP.MatchString(conf[:strings.Index(conf, line)]) {
			return line
		}
		m := listenLine.FindStringSubmatch(line)
		var eps []string
		for _, ep := range strings.Fields(m[2]) {
			host, port, err := net.SplitHostPort(ep)
			if err != nil {
				host, port = "", ep
			}
			if _, ok := ports[port]; !ok {
				ports[port] = freePort(t)
			}
			if strings.Contains(host, ":") {
				host = "::1"
			} else {
				host = "127.0.0.1"
			}
			eps = append(eps, net.JoinHostPort(host, strconv.Itoa(ports[port])))
		}
		return m[1] + strings.Join(eps, " ") + ";"
	})
}

// logFileOf is the srs_log_file of a configuration logging to a file.
func logFileOf(conf string) string {
	if !regexp.MustCompile(`(?m)^\s*srs_log_tank\s+file;`).MatchString(conf) {
		return ""
	}
	if m := regexp.MustCompile(`(?m)^\s*srs_log_file\s+([^;]+);`).FindStringSubmatch(conf); m != nil {
		return m[1]
	}
	return "objs/srs.log"
}

// TestSRS6Configs: the configuration files SRS 6 ships pass -t and start
// cascade from SRS's layout (the files under ./conf, relative paths from
// the working directory), with no "address already in use" and a pid file
// while it runs.
func TestSRS6Configs(t *testing.T) {
	files, err := filepath.Glob("../../config/testdata/srs6/*.conf")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 20)
	for _, file := range files {
		name := filepath.Base(file)
		if name == "include.vhost.conf" {
			continue // included by include.conf
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "conf"), 0o755))
			for _, f := range files {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(dir, "conf", filepath.Base(f)), []byte(rewritePorts(t, string(b))), 0o644))
			}
			conf := "conf/" + name
			text, _ := os.ReadFile(filepath.Join(dir, conf))

			check := exec.Command(binary, "-t", "-c", conf)
			check.Dir = dir
			out, err := check.CombinedOutput()
			require.NoError(t, err, "-t:\n%s", out)
			require.Contains(t, string(out), "is ok")

			s := launch(t, dir, nil, "-c", conf)
			logFile := logFileOf(string(text))
			s.waitLog(t, logFile, "cascade started")
			logs := s.logs(logFile)
			assert.NotContains(t, logs, "address already in use")
			assert.NotContains(t, logs, "start failed")
			// What -t names as not supported yet is named at start too, in
			// the log file when there is one.
			logged := logs
			if logFile != "" {
				b, _ := os.ReadFile(filepath.Join(dir, logFile))
				logged = string(b)
			}
			for _, line := range strings.Split(string(out), "\n") {
				if _, w, ok := strings.Cut(line, "warning: "); ok && strings.Contains(w, "not supported yet") {
					assert.Contains(t, logged, strings.TrimPrefix(w, "config: "), "the unbuilt feature is named at start")
				}
			}
			pidPath := "objs/srs.pid"
			if m := regexp.MustCompile(`(?m)^\s*pid\s+([^;]+);`).FindStringSubmatch(string(text)); m != nil {
				pidPath = m[1]
			}
			pid, err := os.ReadFile(filepath.Join(dir, pidPath))
			require.NoError(t, err, "pid file")
			assert.Equal(t, strconv.Itoa(s.cmd.Process.Pid), strings.TrimSpace(string(pid)))
			s.stop(t)
			_, err = os.Stat(filepath.Join(dir, pidPath))
			assert.True(t, os.IsNotExist(err), "the pid file is removed at exit")
		})
	}
}

// TestPidFile: a pid file left by a process that is gone is replaced; one
// naming a live process stops a second server from starting.
func TestPidFile(t *testing.T) {
	dir := t.TempDir()
	conf := fmt.Sprintf("listen 127.0.0.1:%d;\npid ./run/cascade.pid;\n", freePort(t))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.conf"), []byte(conf), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "run"), 0o755))
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	pidPath := filepath.Join(dir, "run", "cascade.pid")
	require.NoError(t, os.WriteFile(pidPath, []byte(strconv.Itoa(dead.Process.Pid)+"\n"), 0o644))

	first := launch(t, dir, nil, "-c", "c.conf")
	first.waitLog(t, "", "cascade started")
	b, _ := os.ReadFile(pidPath)
	require.Equal(t, strconv.Itoa(first.cmd.Process.Pid), strings.TrimSpace(string(b)), "the stale pid file is replaced")

	second := exec.Command(binary, "-c", "c.conf")
	second.Dir = dir
	out, err := second.CombinedOutput()
	require.Error(t, err, "a second server must refuse to start:\n%s", out)
	assert.Contains(t, string(out), "another process is running")
	b, _ = os.ReadFile(pidPath)
	assert.Equal(t, strconv.Itoa(first.cmd.Process.Pid), strings.TrimSpace(string(b)), "the live server's pid file is left alone")
	first.stop(t)
	_, err = os.Stat(pidPath)
	assert.True(t, os.IsNotExist(err))
}

// hookReceiver records SRS callbacks, answering 0.
type hookReceiver struct {
	mu    sync.Mutex
	calls []map[string]any
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m map[string]any
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &m)
	h.mu.Lock()
	h.calls = append(h.calls, m)
	h.mu.Unlock()
	io.WriteString(w, "0")
}

func (h *hookReceiver) action(a string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, c := range h.calls {
		if c["action"] == a {
			out = append(out, c)
		}
	}
	return out
}

// TestEnvOnlyDVR runs the binary as SRS's black-box tests do, configured
// only by SRS_* variables (-e) with work_dir, server_id and DVR: the
// recording lands under work_dir, on_dvr's cwd + file names it, ffprobe
// reads both streams, and server_id is in the callbacks, the API and the
// metrics. Once with FLV, once with MP4.
func TestEnvOnlyDVR(t *testing.T) {
	testpeer.Require(t, "ffmpeg", "ffprobe")
	for _, ext := range []string{"flv", "mp4"} {
		t.Run(ext, func(t *testing.T) {
			hooks := &hookReceiver{}
			hs := httptest.NewServer(hooks)
			defer hs.Close()
			work := t.TempDir()
			rtmpPort, apiPort, exPort := freePort(t), freePort(t), freePort(t)
			s := launch(t, t.TempDir(), []string{
				"SRS_WORK_DIR=" + work,
				"SRS_SERVER_ID=drop-in-42",
				fmt.Sprintf("SRS_LISTEN=127.0.0.1:%d", rtmpPort),
				"SRS_HTTP_API_ENABLED=on", fmt.Sprintf("SRS_HTTP_API_LISTEN=127.0.0.1:%d", apiPort),
				"SRS_EXPORTER_ENABLED=on", fmt.Sprintf("SRS_EXPORTER_LISTEN=127.0.0.1:%d", exPort),
				"SRS_VHOST_DVR_ENABLED=on",
				"SRS_VHOST_DVR_DVR_PATH=./objs/nginx/html/[app]/[stream].[timestamp]." + ext,
				"SRS_VHOST_HTTP_HOOKS_ENABLED=on",
				"SRS_VHOST_HTTP_HOOKS_ON_DVR=" + hs.URL + "/dvr",
				"SRS_VHOST_HTTP_HOOKS_ON_PUBLISH=" + hs.URL + "/publish",
			}, "-e")
			s.waitLog(t, "", "cascade started")

			pub := testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"),
				fmt.Sprintf("rtmp://127.0.0.1:%d/live/envdvr", rtmpPort), testpeer.PublishOptions{Duration: 4 * time.Second})
			require.NoError(t, pub.Wait())
			deadline := time.Now().Add(10 * time.Second)
			for len(hooks.action("on_dvr")) == 0 {
				require.True(t, time.Now().Before(deadline), "no on_dvr:\n%s", s.out.String())
				time.Sleep(20 * time.Millisecond)
			}
			call := hooks.action("on_dvr")[0]
			cwd, _ := call["cwd"].(string)
			file, _ := call["file"].(string)
			assert.Equal(t, work, cwd, "cwd is work_dir")
			assert.True(t, strings.HasPrefix(file, "./objs/nginx/html/live/envdvr."), "file %q", file)
			path := filepath.Join(cwd, file)
			_, err := os.Stat(path)
			require.NoError(t, err, "cwd + file names the recording")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := testpeer.Probe(ctx, path)
			require.NoError(t, err)
			assert.Len(t, r.Streams, 2)
			assert.InDelta(t, 4.0, r.Format.Duration, 0.5)
			assert.Equal(t, "drop-in-42", call["server_id"], "server_id in callbacks")
			require.NotEmpty(t, hooks.action("on_publish"))
			assert.Equal(t, "drop-in-42", hooks.action("on_publish")[0]["server_id"])

			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/versions", apiPort))
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Contains(t, string(b), `"server":"drop-in-42"`, "server_id in the API")
			resp, err = http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", exPort))
			require.NoError(t, err)
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Contains(t, string(b), `drop-in-42`, "server_id in the metrics")
			s.stop(t)
		})
	}
}

// TestWorkDirAndConsole: with -c, relative paths (pid, log file) resolve
// from work_dir; an explicit srs_log_tank console logs to stdout, as SRS.
func TestWorkDirAndConsole(t *testing.T) {
	work := t.TempDir()
	conf := filepath.Join(t.TempDir(), "c.conf")
	text := fmt.Sprintf("listen 127.0.0.1:%d;\nwork_dir %s;\npid ./run/x.pid;\nsrs_log_tank file;\nsrs_log_file ./logs/x.log;\n", freePort(t), work)
	require.NoError(t, os.WriteFile(conf, []byte(text), 0o644))
	s := launch(t, t.TempDir(), nil, "-c", conf)
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(work, "logs/x.log"))
		if strings.Contains(string(b), "cascade started") {
			break
		}
		require.True(t, time.Now().Before(deadline), "no log in work_dir:\n%s", s.out.String())
		time.Sleep(20 * time.Millisecond)
	}
	_, err := os.Stat(filepath.Join(work, "run/x.pid"))
	assert.NoError(t, err, "the pid file is in work_dir")
	s.stop(t)

	console := filepath.Join(t.TempDir(), "console.conf")
	require.NoError(t, os.WriteFile(console, []byte(fmt.Sprintf("listen 127.0.0.1:%d;\nsrs_log_tank console;\n", freePort(t))), 0o644))
	cmd := exec.Command(binary, "-c", console)
	cmd.Dir = t.TempDir()
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p := &process{cmd: cmd, out: &stdout}
	p.waitLog(t, "", "cascade started")
	assert.NotContains(t, stderr.String(), "cascade started", "console logs go to stdout")
	p.stop(t)
}

// TestCheckConfigValues: -t reads the values of every block the server
// serves, and fails on a bad one with its file and line, instead of
// passing and failing at start.
func TestCheckConfigValues(t *testing.T) {
	tests := []struct{ block, want string }{
		{"hls { enabled on; hls_fragment abc; }", "hls_fragment"},
		{"hls { enabled on; hls_window -3; }", "hls_window"},
		{"dvr { enabled on; dvr_plan bogus; }", "dvr_plan"},
		{"dvr { enabled on; dvr_duration soon; }", "dvr_duration"},
		{"hds { enabled on; hds_fragment x; }", "hds_fragment"},
		{"http_hooks { enabled on; on_publish not-a-url; }", "on_publish"},
		{"security { enabled on; allow bogus all; }", "allow"},
		{"play { mw_latency fast; }", "mw_latency"},
	}
	conf := writeConf(t, "listen 1935;\nexporter { enabled on;\n listen abc; }\n")
	_, errOut, code := runCmd(t, "-t", "-c", conf)
	assert.NotEqual(t, 0, code, "exporter listen abc passed -t")
	assert.Regexp(t, `test\.conf:3: listen "abc"`, errOut)
	for _, tt := range tests {
		conf := writeConf(t, "listen 1935;\nvhost v {\n    "+tt.block+"\n}\n")
		_, errOut, code := runCmd(t, "-t", "-c", conf)
		assert.NotEqual(t, 0, code, "%s passed -t", tt.block)
		assert.Regexp(t, `test\.conf:3: `+tt.want, errOut, tt.block)
	}
}

// TestServerIDKept: without server_id, the id cascade makes up is kept
// next to the pid file (objs/srs.id, as SRS) and used again after a
// restart; server_id, when set, wins.
func TestServerIDKept(t *testing.T) {
	dir := t.TempDir()
	api := freePort(t)
	conf := fmt.Sprintf("listen 127.0.0.1:%d;\nhttp_api { enabled on; listen 127.0.0.1:%d; }\n", freePort(t), api)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.conf"), []byte(conf), 0o644))
	serverOf := func() string {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/versions", api))
		require.NoError(t, err)
		defer resp.Body.Close()
		var v struct{ Server string }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
		return v.Server
	}
	var ids []string
	for range 2 {
		s := launch(t, dir, nil, "-c", "c.conf")
		s.waitLog(t, "", "cascade started")
		ids = append(ids, serverOf())
		s.stop(t)
	}
	require.NotEmpty(t, ids[0])
	assert.Equal(t, ids[0], ids[1], "the same id after a restart")
	b, err := os.ReadFile(filepath.Join(dir, "objs", "srs.id"))
	require.NoError(t, err)
	assert.Equal(t, ids[0], string(b))

	s := launch(t, dir, []string{"SRS_SERVER_ID=chosen"}, "-c", "c.conf")
	s.waitLog(t, "", "cascade started")
	assert.Equal(t, "chosen", serverOf())
	s.stop(t)
}
