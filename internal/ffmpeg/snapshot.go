package ffmpeg

import (
	"bytes"
	"context"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/internal/supervise"
)

// maxSnapshot bounds one JPEG read from ffmpeg.
const maxSnapshot = 8 << 20

// grabTimeout bounds one grab: connecting, waiting for a keyframe, decoding.
const grabTimeout = 20 * time.Second

// Snapshots holds the latest JPEG of each stream whose vhost has
// `snapshot { enabled on; }`, served at /[app]/[stream].jpg.
type Snapshots struct {
	mu    sync.RWMutex
	files map[string]*snapshot // by URL path
}

type snapshot struct {
	b       *buffer.Buffer
	info    SnapshotInfo
	ownerID string // the stream key that made it
}

// SnapshotInfo describes a stored snapshot for the API.
type SnapshotInfo struct {
	Vhost   string `json:"vhost"`
	App     string `json:"app"`
	Stream  string `json:"stream"`
	URL     string `json:"url"`     // path on the HTTP server
	Updated int64  `json:"updated"` // unix ms
	Size    int    `json:"size"`    // bytes
	Grabs   int    `json:"grabs"`   // pictures taken since the publish
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

// put stores a stream's picture unless ctx, its grab loop, ended: that
// is checked under the lock remove takes, so no picture outlives its
// publish.
func (s *Snapshots) put(ctx context.Context, st Stream, jpeg []byte, grabs int) {
	b := buffer.GetSize(len(jpeg))
	copy(b.B, jpeg)
	p := snapshotPath(st)
	s.mu.Lock()
	if ctx.Err() != nil {
		s.mu.Unlock()
		b.Release()
		return
	}
	old := s.files[p]
	s.files[p] = &snapshot{b: b, ownerID: st.Key(), info: SnapshotInfo{Vhost: st.Vhost, App: st.App, Stream: st.Stream,
		URL: p, Updated: time.Now().UnixMilli(), Size: len(jpeg), Grabs: grabs}}
	s.mu.Unlock()
	if old != nil {
		old.b.Release()
	}
}

// remove drops the stream's snapshot (its publish ended).
func (s *Snapshots) remove(st Stream) {
	p := snapshotPath(st)
	s.mu.Lock()
	f := s.files[p]
	if f != nil && f.ownerID == st.Key() {
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

// syncSnapshot starts or stops a stream's snapshot loop to match its
// vhost's snapshot block.
func (m *Manager) syncSnapshot(v *Vhost, ls *liveStream) {
	bin := m.bins[""]
	on := v != nil && v.SnapshotOn && bin != ""
	var interval time.Duration
	if on {
		interval = v.Snapshot
	}
	if ls.snapStop != nil && ls.snapEvery == interval && ls.snapPort == m.port {
		return
	}
	if ls.snapStop != nil {
		ls.snapStop()
		ls.snapStop = nil
	}
	if !on {
		m.snap.remove(ls.s)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	ls.snapStop, ls.snapEvery, ls.snapPort = cancel, interval, m.port
	vars := Vars{Vhost: ls.s.Vhost, App: ls.s.App, Stream: ls.s.Stream, Port: m.port}
	args := []string{bin, "-hide_banner", "-nostdin", "-loglevel", "error",
		"-rw_timeout", strconv.Itoa(int(grabTimeout / time.Microsecond)), "-f", "flv", "-i", vars.inputURL(),
		"-an", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "4", "-f", "image2pipe", "-"}
	go m.grabLoop(ctx, ls.s, interval, supervise.Spec{Kind: kindSnapshot, Name: ls.s.Key(), Args: args})
}

// grabLoop takes a picture every interval until ctx ends. One ffmpeg
// decodes one frame each time: the server starts players at the last
// keyframe, so that frame decodes at once.
func (m *Manager) grabLoop(ctx context.Context, s Stream, interval time.Duration, spec supervise.Spec) {
	grabs := 0
	for {
		gctx, cancel := context.WithTimeout(ctx, grabTimeout)
		jpeg, err := m.sup.Run(gctx, spec, maxSnapshot)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			m.log.Warn("snapshot failed", "stream", s.Key(), "err", err)
		case !bytes.HasPrefix(jpeg, []byte{0xff, 0xd8}):
			m.log.Warn("snapshot: ffmpeg wrote no JPEG", "stream", s.Key(), "bytes", len(jpeg))
		default:
			grabs++
			m.snap.put(ctx, s, jpeg, grabs)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
