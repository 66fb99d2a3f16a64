package ffmpeg

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/internal/supervise"
)

// maxSnapshot bounds one JPEG read from ffmpeg.
const maxSnapshot = 8 << 20

// Snapshots holds the latest JPEG of each stream whose vhost has
// `snapshot { enabled on; }`, served at /[app]/[stream].jpg.
type Snapshots struct {
	mu    sync.RWMutex
	files map[string]*snapshot // by URL path
}

type snapshot struct {
	b     *buffer.Buffer
	info  SnapshotInfo
	owner *jpegWriter
}

// SnapshotInfo describes a stored snapshot for the API.
type SnapshotInfo struct {
	Vhost    string `json:"vhost"`
	App      string `json:"app"`
	Stream   string `json:"stream"`
	URL      string `json:"url"`      // path on the HTTP server
	Updated  int64  `json:"updated"`  // unix ms
	Size     int    `json:"size"`     // bytes
	Pictures int    `json:"pictures"` // taken since the publish
}

func newSnapshots() *Snapshots { return &Snapshots{files: make(map[string]*snapshot)} }

func snapshotPath(s Stream) string { return "/" + s.App + "/" + s.Stream + ".jpg" }

// Get returns the JPEG at urlPath, retained (the caller releases).
func (s *Snapshots) Get(urlPath string) (*buffer.Buffer, string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.files[urlPath]
	if !ok {
		return nil, "", false
	}
	return f.b.Retain(), "image/jpeg", true
}

// List describes every stored snapshot.
func (s *Snapshots) List() []SnapshotInfo {
	s.mu.RLock()
	out := make([]SnapshotInfo, 0, len(s.files))
	for _, f := range s.files {
		out = append(out, f.info)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}

// put stores w's picture unless w was closed: that is checked under the
// lock close takes, so no picture outlives its publish.
func (s *Snapshots) put(w *jpegWriter, jpeg []byte) {
	b := buffer.GetSize(len(jpeg))
	copy(b.B, jpeg)
	p := snapshotPath(w.stream)
	s.mu.Lock()
	if w.closed {
		s.mu.Unlock()
		b.Release()
		return
	}
	w.pictures++
	old := s.files[p]
	s.files[p] = &snapshot{b: b, owner: w, info: SnapshotInfo{Vhost: w.stream.Vhost, App: w.stream.App, Stream: w.stream.Stream,
		URL: p, Updated: time.Now().UnixMilli(), Size: len(jpeg), Pictures: w.pictures}}
	s.mu.Unlock()
	if old != nil {
		old.b.Release()
	}
}

// close stops w from storing and drops its picture.
func (s *Snapshots) close(w *jpegWriter) {
	p := snapshotPath(w.stream)
	s.mu.Lock()
	w.closed = true
	f := s.files[p]
	if f != nil && f.owner == w {
		delete(s.files, p)
	} else {
		f = nil
	}
	s.mu.Unlock()
	if f != nil {
		f.b.Release()
	}
}

func (s *Snapshots) clear() {
	s.mu.Lock()
	files := s.files
	s.files = make(map[string]*snapshot)
	s.mu.Unlock()
	for _, f := range files {
		f.b.Release()
	}
}

// jpegWriter is where a stream's snapshot process puts its pictures.
type jpegWriter struct {
	store  *Snapshots
	stream Stream

	// Guarded by store.mu.
	closed   bool
	pictures int
}

// run returns the writer of one run's stdout: JPEGs back to back, each
// stored once complete.
func (w *jpegWriter) run() io.Writer { return &jpegSplitter{w: w} }

type jpegSplitter struct {
	w   *jpegWriter
	buf []byte
}

// Write fails on what is not JPEG pictures, or a picture over
// maxSnapshot: ffmpeg then gets a broken pipe, and the run ends.
func (s *jpegSplitter) Write(b []byte) (int, error) {
	s.buf = append(s.buf, b...)
	for {
		n, bad := nextJPEG(s.buf)
		if bad || len(s.buf) > maxSnapshot {
			s.buf = nil
			return 0, fmt.Errorf("ffmpeg: snapshot of %s: output is not JPEG pictures", s.w.stream.Key())
		}
		if n == 0 {
			return len(b), nil
		}
		s.w.store.put(s.w, s.buf[:n])
		s.buf = append(s.buf[:0], s.buf[n:]...)
	}
}

// snapshotRun is a stream's running snapshot process.
type snapshotRun struct {
	sig  string
	proc *supervise.Process
	w    *jpegWriter
}

// syncSnapshot starts, restarts or stops a stream's snapshot process to
// match its vhost's snapshot block. One long-running ffmpeg per stream
// decodes keyframes only (-skip_frame nokey) and encodes one of them per
// interval: the stream is read once, not reconnected each time, and the
// server starts it at the last keyframe, so the first picture comes at once.
func (m *Manager) syncSnapshot(v *Vhost, ls *liveStream) {
	bin := m.bins[""]
	on := v != nil && v.SnapshotOn && bin != ""
	var spec supervise.Spec
	if on {
		vars := Vars{Vhost: ls.s.Vhost, App: ls.s.App, Stream: ls.s.Stream, Port: m.port}
		secs := fmt.Sprintf("%g", v.Snapshot.Seconds())
		spec = supervise.Spec{Kind: kindSnapshot, Name: ls.s.Key(),
			Args: []string{bin, "-hide_banner", "-nostdin", "-loglevel", "error", "-threads", "1", "-skip_frame", "nokey",
				"-f", "flv", "-i", vars.inputURL(), "-an",
				"-vf", "select='isnan(prev_selected_t)+gte(t-prev_selected_t," + secs + ")'", "-fps_mode", "vfr",
				"-c:v", "mjpeg", "-q:v", "4", "-f", "image2pipe", "-"},
			LogFile: m.logFile("ffmpeg", kindSnapshot, ls.s.Vhost, ls.s.App, ls.s.Stream)}
	}
	sig := strings.Join(spec.Args, "\x00") + "\x00" + spec.LogFile
	if ls.snap != nil && on && ls.snap.sig == sig {
		return
	}
	if p := m.stopSnapshot(ls); p != nil {
		stopAll([]*supervise.Process{p}, false)
	}
	if !on {
		return
	}
	w := &jpegWriter{store: m.snap, stream: ls.s}
	spec.NewStdout = w.run
	p, err := m.sup.Start(spec)
	if err != nil {
		m.log.Error("cannot start", "kind", spec.Kind, "name", spec.Name, "err", err)
		return
	}
	ls.snap = &snapshotRun{sig: sig, proc: p, w: w}
}

// stopSnapshot drops a stream's picture and returns its snapshot process
// for the caller to stop (nil if none ran).
func (m *Manager) stopSnapshot(ls *liveStream) *supervise.Process {
	if ls.snap == nil {
		return nil
	}
	p := ls.snap.proc
	m.snap.close(ls.snap.w)
	ls.snap = nil
	return p
}
