package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cascade-live/cascade/internal/supervise"
)

// Stream identifies a publish, as the server knows it.
type Stream struct {
	Vhost, App, Stream string
	Param              string // the publisher's query, with its "?"
	TcURL              string
}

// Key is the stream's identity: vhost/app/stream.
func (s Stream) Key() string { return Key(s.Vhost, s.App, s.Stream) }

// Key joins a stream's identity.
func Key(vhost, app, stream string) string { return vhost + "/" + app + "/" + stream }

// Options configure a Manager.
type Options struct {
	Supervisor *supervise.Supervisor
	Log        *slog.Logger
	// Resolve tells which stream of this server an RTMP URL publishes to
	// (its Key), or false when it does not publish here. The loop guard
	// compares transcoders' outputs to new publishes with it.
	Resolve func(rtmpURL string) (key string, ok bool)
	// Pull, when set, publishes the RTSP stream at input to output (an
	// RTMP URL of this server) natively until ctx ends: ingests of RTSP
	// cameras whose engine only copies run it instead of ffmpeg.
	Pull func(ctx context.Context, input, output string) error
}

// Manager starts and stops the FFmpeg children as streams come and go
// and as the configuration changes. Its methods do not block: the work
// runs in order on one goroutine of its own.
type Manager struct {
	opts Options
	log  *slog.Logger
	sup  *supervise.Supervisor
	snap *Snapshots

	qmu    sync.Mutex
	queue  []func()
	wake   chan struct{}
	closed bool
	done   chan struct{}

	// Owned by the worker goroutine.
	cfg     *Config
	port    int
	bins    map[string]string // configured ffmpeg → the one to run ("" when missing)
	streams map[string]*liveStream
	ingests map[string]*child
}

// liveStream is a published stream and the children it has.
type liveStream struct {
	s        Stream
	children map[string]*child
	snap     *snapshotRun
}

// child is a supervised process and what it was started with.
type child struct {
	sig    string // the command line and log file: a change restarts it
	proc   *supervise.Process
	output string // the stream key a transcoder publishes to, for the loop guard
}

// NewManager returns a manager with nothing to do until Apply.
func NewManager(opts Options) *Manager {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	m := &Manager{opts: opts, log: opts.Log, sup: opts.Supervisor, snap: newSnapshots(),
		wake: make(chan struct{}, 1), done: make(chan struct{}),
		bins: make(map[string]string), streams: make(map[string]*liveStream), ingests: make(map[string]*child)}
	go m.worker()
	return m
}

// Snapshots is the store of the latest JPEG of each stream.
func (m *Manager) Snapshots() *Snapshots { return m.snap }

// Processes lists the supervised children for the API.
func (m *Manager) Processes() []supervise.Info { return m.sup.List() }

// do queues f for the worker.
func (m *Manager) do(f func()) {
	m.qmu.Lock()
	if m.closed {
		m.qmu.Unlock()
		return
	}
	m.queue = append(m.queue, f)
	m.qmu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *Manager) worker() {
	defer close(m.done)
	for {
		m.qmu.Lock()
		q, closed := m.queue, m.closed
		m.queue = nil
		m.qmu.Unlock()
		for _, f := range q {
			f()
		}
		if closed {
			if len(q) == 0 {
				return
			}
			continue // Close's wake may have been the one just taken
		}
		<-m.wake
	}
}

// Apply takes a (re)loaded configuration: ingests are added, removed or
// restarted by ID, live streams' engines and exec commands likewise;
// children whose command line did not change are left alone. port is the
// server's RTMP port, which the children connect to.
func (m *Manager) Apply(cfg *Config, port int) {
	m.do(func() {
		m.cfg, m.port = cfg, port
		m.checkBinaries()
		m.syncIngests()
		for _, ls := range m.streams {
			m.syncStream(ls)
		}
	})
}

// OnPublish starts what the stream's vhost runs for a publish.
func (m *Manager) OnPublish(s Stream) {
	m.do(func() {
		key := s.Key()
		if old := m.streams[key]; old != nil {
			// A republish: the new children publish where the old did.
			m.stopStream(old, true)
		}
		ls := &liveStream{s: s, children: make(map[string]*child)}
		m.streams[key] = ls
		m.syncStream(ls)
	})
}

// OnUnpublish stops the stream's children.
func (m *Manager) OnUnpublish(s Stream) {
	m.do(func() {
		if ls := m.streams[s.Key()]; ls != nil {
			delete(m.streams, s.Key())
			m.stopStream(ls, false)
		}
	})
}

// Close stops every child and waits for them.
func (m *Manager) Close() {
	m.do(func() {
		for key, ls := range m.streams {
			delete(m.streams, key)
			m.stopStream(ls, false)
		}
		for key, c := range m.ingests {
			delete(m.ingests, key)
			stopAll([]*supervise.Process{c.proc}, false)
		}
	})
	m.qmu.Lock()
	m.closed = true
	m.qmu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
	<-m.done
	m.snap.clear()
}

// checkBinaries finds the ffmpeg each block names. SRS's configs name
// ./objs/ffmpeg/bin/ffmpeg; when that is not there the system's ffmpeg
// runs instead. One error per block kind is logged for a binary found
// nowhere, and those blocks do not run; the rest does.
func (m *Manager) checkBinaries() {
	need := map[string][]string{} // binary → the blocks needing it
	for _, v := range m.cfg.Vhosts {
		for _, t := range v.Transcodes {
			need[t.FFmpeg] = append(need[t.FFmpeg], "transcode in vhost "+v.Name)
		}
		for _, in := range v.Ingests {
			if !m.allNative(v.Name, in) {
				need[in.FFmpeg] = append(need[in.FFmpeg], "ingest "+in.ID+" in vhost "+v.Name)
			}
		}
		if v.SnapshotOn {
			need[""] = append(need[""], "snapshot in vhost "+v.Name)
		}
		for _, cmd := range v.Exec {
			if isFFmpeg(cmd[0]) {
				need[cmd[0]] = append(need[cmd[0]], "exec in vhost "+v.Name)
			}
		}
	}
	bins := make(map[string]string)
	for bin, users := range need {
		old, known := m.bins[bin]
		if known && old != "" {
			bins[bin] = old
			continue
		}
		// Missing ones are looked for again at each reload (it may have
		// been installed since) but reported only once.
		path, fallback, err := findFFmpeg(bin)
		if err != nil && !known {
			m.log.Error("ffmpeg not found: these blocks will not run", "ffmpeg", bin, "blocks", strings.Join(users, ", "), "err", err)
		} else if err == nil && fallback {
			m.log.Warn("ffmpeg not found where configured; using the system's", "configured", bin, "using", path)
		}
		bins[bin] = path
	}
	m.bins = bins
}

// isFFmpeg reports whether an exec command runs ffmpeg (SRS's samples
// name ./objs/ffmpeg/bin/ffmpeg): it gets the system's one the same way.
func isFFmpeg(program string) bool { return filepath.Base(program) == "ffmpeg" }

// findFFmpeg resolves a configured ffmpeg binary ("" for the default).
// fallback is set when the system's ffmpeg replaces a configured one.
func findFFmpeg(bin string) (path string, fallback bool, err error) {
	if bin != "" {
		if p, err := exec.LookPath(bin); err == nil {
			return p, false, nil
		}
	}
	p, err := exec.LookPath("ffmpeg")
	if err != nil {
		return "", false, fmt.Errorf("neither %q nor ffmpeg on PATH: %w", bin, err)
	}
	return p, bin != "", nil
}

// want is a child the configuration asks for.
type want struct {
	spec   supervise.Spec
	output string
}

func (w want) sig() string {
	return strings.Join(w.spec.Args, "\x00") + "\x00" + w.spec.LogFile + "\x00" + w.spec.StdoutFile + "\x00" + w.spec.StderrFile
}

// sync makes have match wanted: children not wanted or changed stop,
// new ones start.
func (m *Manager) sync(have map[string]*child, wanted map[string]want) {
	var gone, changed []*supervise.Process
	for key, c := range have {
		w, ok := wanted[key]
		switch {
		case !ok:
			gone = append(gone, c.proc)
		case w.sig() != c.sig:
			changed = append(changed, c.proc)
		default:
			continue
		}
		delete(have, key)
	}
	stopAll(gone, false)
	// A changed child's replacement publishes to the same output: it
	// starts once the old one is gone (ffmpeg ends at once on SIGTERM).
	stopAll(changed, true)
	for key, w := range wanted {
		if _, ok := have[key]; ok {
			continue
		}
		for _, f := range []string{w.spec.LogFile, w.spec.StdoutFile, w.spec.StderrFile} {
			if f != "" {
				_ = os.MkdirAll(filepath.Dir(f), 0o755)
			}
		}
		if out := w.spec.Args[len(w.spec.Args)-1]; w.spec.Kind == kindTranscode && !strings.Contains(out, "://") {
			_ = os.MkdirAll(filepath.Dir(out), 0o755) // image2 outputs do not make their folder
		}
		p, err := m.sup.Start(w.spec)
		if err != nil {
			m.log.Error("cannot start", "kind", w.spec.Kind, "name", w.spec.Name, "err", err)
			continue
		}
		have[key] = &child{sig: w.sig(), proc: p, output: w.output}
	}
}

// Child kinds, as the API lists them.
const (
	kindTranscode = "transcode"
	kindIngest    = "ingest"
	kindExec      = "exec"
	kindSnapshot  = "snapshot"
	kindRTSPPull  = "rtsp-pull"
)

// logFile names a child's log file in ff_log_dir. The parts come from
// the publisher (app, stream): path separators in them are replaced, so
// the file stays in the folder.
func (m *Manager) logFile(parts ...string) string {
	if m.cfg.LogDir == "" {
		return ""
	}
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, strings.Join(parts, "-"))
	return filepath.Join(m.cfg.LogDir, name+".log")
}

func (m *Manager) iparams() []string {
	if m.cfg.LogLevel == "" {
		return nil
	}
	return []string{"-loglevel", m.cfg.LogLevel}
}

// syncIngests starts, stops and restarts ingests to match the config.
func (m *Manager) syncIngests() {
	wanted := map[string]want{}
	now := time.Now()
	for _, v := range m.cfg.Vhosts {
		for _, in := range v.Ingests {
			bin := m.bins[in.FFmpeg]
			iparams := m.iparams()
			if in.InputType == inputFile {
				iparams = append(iparams, "-re", "-stream_loop", "-1")
			}
			for i, e := range in.Engines {
				name := e.Name
				if name == "" {
					name = fmt.Sprint(i)
				}
				output := ingestOutput(v.Name, m.port, e, now)
				if output == "" {
					m.log.Error("ingest engine without output", "vhost", v.Name, "ingest", in.ID, "engine", name)
					continue
				}
				key := v.Name + "/" + in.ID + "/" + name
				if m.native(in, e, output) {
					input := in.InputURL
					wanted[key] = want{spec: supervise.Spec{Kind: kindRTSPPull, Name: key, Args: []string{input, output},
						Run: func(ctx context.Context) error { return m.opts.Pull(ctx, input, output) }}}
					continue
				}
				if bin == "" {
					continue // reported by checkBinaries
				}
				wanted[key] = want{spec: supervise.Spec{Kind: kindIngest, Name: key,
					Args:    e.Args(bin, iparams, in.InputURL, output, !e.Enabled),
					LogFile: m.logFile("ffmpeg", ingestPrefix, v.Name, in.ID, name)}}
			}
		}
	}
	m.sync(m.ingests, wanted)
}

// ingestOutput is where an ingest engine publishes.
func ingestOutput(vhost string, port int, e *Engine, now time.Time) string {
	return Vars{Vhost: vhost, Port: port, Engine: e.Name}.Expand(e.Output, now)
}

// native reports whether an ingest engine is pulled without FFmpeg: an
// RTSP camera whose engine only copies (disabled, or vcodec and acodec
// copy) into a stream of this server.
func (m *Manager) native(in *Ingest, e *Engine, output string) bool {
	if m.opts.Pull == nil || in.InputType != inputStream {
		return false
	}
	if !strings.HasPrefix(in.InputURL, "rtsp://") && !strings.HasPrefix(in.InputURL, "rtsps://") {
		return false
	}
	if e.Enabled && (e.VCodec != codecCopy || e.ACodec != codecCopy) {
		return false
	}
	_, ok := m.resolve(output)
	return ok
}

// allNative reports whether every engine of an ingest is pulled natively,
// so that it needs no ffmpeg.
func (m *Manager) allNative(vhost string, in *Ingest) bool {
	now := time.Now()
	for _, e := range in.Engines {
		if !m.native(in, e, ingestOutput(vhost, m.port, e, now)) {
			return false
		}
	}
	return true
}

// transcoded reports whether key is the output of another live stream's
// transcoder: such a stream is not transcoded again (no _hd_hd_hd…).
func (m *Manager) transcoded(key string) bool {
	for k, ls := range m.streams {
		if k == key {
			continue
		}
		for _, c := range ls.children {
			if c.output == key {
				return true
			}
		}
	}
	return false
}

// syncStream makes a live stream's children match the config.
func (m *Manager) syncStream(ls *liveStream) {
	if m.cfg == nil {
		return
	}
	s := ls.s
	v := m.cfg.Vhosts[s.Vhost]
	wanted := map[string]want{}
	if v != nil {
		m.wantTranscodes(v, s, wanted)
		m.wantExecs(v, s, wanted)
	}
	m.sync(ls.children, wanted)
	m.syncSnapshot(v, ls)
}

func (m *Manager) wantTranscodes(v *Vhost, s Stream, wanted map[string]want) {
	if len(v.Transcodes) == 0 {
		return
	}
	if m.transcoded(s.Key()) {
		m.log.Info("transcode: not transcoding a transcoder's output", "stream", s.Key())
		return
	}
	now := time.Now()
	for _, t := range v.Transcodes {
		bin := m.bins[t.FFmpeg]
		if bin == "" || !t.Applies(s.App, s.Stream) {
			continue
		}
		for _, e := range t.Engines {
			vars := Vars{Vhost: s.Vhost, App: s.App, Stream: s.Stream, Port: m.port, Param: s.Param, TcURL: s.TcURL, Engine: e.Name}
			output := vars.Expand(e.Output, now)
			if !strings.Contains(output, "://") && (strings.Contains(s.App, "..") || strings.Contains(s.Stream, "..")) {
				// A file output must not climb out of its folder by a stream's name.
				m.log.Error("transcode: stream name with .. for a file output; skipped", "stream", s.Key(), "engine", e.Name)
				continue
			}
			w := want{spec: supervise.Spec{Kind: kindTranscode, Name: s.Key() + "/" + e.Name,
				Args:    e.Args(bin, m.iparams(), vars.inputURL(), output, false),
				LogFile: m.logFile("ffmpeg", "encoder", s.Vhost, s.App, s.Stream, e.Name)}}
			if k, ok := m.resolve(output); ok {
				if k == s.Key() {
					m.log.Error("transcode: engine output is its own input; skipped", "stream", s.Key(), "engine", e.Name)
					continue
				}
				w.output = k
			}
			wanted[kindTranscode+"/"+t.Scope+"/"+e.Name] = w
		}
	}
}

func (m *Manager) resolve(u string) (string, bool) {
	if m.opts.Resolve == nil || !strings.HasPrefix(u, "rtmp://") {
		return "", false
	}
	return m.opts.Resolve(u)
}

func (m *Manager) wantExecs(v *Vhost, s Stream, wanted map[string]want) {
	now := time.Now()
	vars := Vars{Vhost: s.Vhost, App: s.App, Stream: s.Stream, Port: m.port, Param: s.Param, TcURL: s.TcURL}
	for i, cmd := range v.Exec {
		spec := supervise.Spec{Kind: kindExec, Name: fmt.Sprintf("%s/%d", s.Key(), i),
			LogFile: m.logFile("exec", s.Vhost, s.App, s.Stream, fmt.Sprint(i))}
		args, err := execArgs(cmd, vars, now, &spec)
		if err != nil {
			m.log.Error("exec: bad publish command", "stream", s.Key(), "err", err)
			continue
		}
		if isFFmpeg(cmd[0]) {
			if args[0] = m.bins[cmd[0]]; args[0] == "" {
				continue // reported by checkBinaries
			}
		}
		spec.Args = args
		wanted[spec.Name] = want{spec: spec}
	}
}

// execArgs expands an exec command and takes out its redirections, which
// SRS understands as "> file", "1 > file", "2 > file" (also written
// without spaces, as ">file").
func execArgs(cmd []string, vars Vars, now time.Time, spec *supervise.Spec) ([]string, error) {
	var words []string
	for _, a := range cmd {
		if a != ">" && strings.Contains(a, ">") {
			left, right, _ := strings.Cut(a, ">")
			left, right = strings.TrimSpace(left), strings.TrimSpace(right)
			if left != "" {
				words = append(words, left)
			}
			words = append(words, ">")
			if right != "" {
				words = append(words, right)
			}
			continue
		}
		words = append(words, a)
	}
	var args []string
	for i := 0; i < len(words); i++ {
		if words[i] != ">" {
			args = append(args, vars.Expand(words[i], now))
			continue
		}
		if i+1 >= len(words) {
			return nil, errors.New("redirection without a file")
		}
		file := vars.Expand(words[i+1], now)
		i++
		switch n := len(args); {
		case n > 0 && args[n-1] == "2":
			spec.StderrFile, args = file, args[:n-1]
		case n > 0 && args[n-1] == "1":
			spec.StdoutFile, args = file, args[:n-1]
		default:
			spec.StdoutFile = file
		}
	}
	if len(args) == 0 {
		return nil, errors.New("empty command")
	}
	return args, nil
}

// stopStream stops every child of a stream; with wait, it returns once
// they are reaped (each takes up to the supervisor's grace period).
func (m *Manager) stopStream(ls *liveStream, wait bool) {
	var procs []*supervise.Process
	for key, c := range ls.children {
		delete(ls.children, key)
		procs = append(procs, c.proc)
	}
	if p := m.stopSnapshot(ls); p != nil {
		procs = append(procs, p)
	}
	stopAll(procs, wait)
}

// stopAll stops procs in parallel; with wait, it returns once all are
// reaped.
func stopAll(procs []*supervise.Process, wait bool) {
	for _, p := range procs {
		go p.Stop()
	}
	if wait {
		for _, p := range procs {
			<-p.Done()
		}
	}
}
