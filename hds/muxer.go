package hds

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/live"
)

// StreamID names a stream.
type StreamID struct {
	Vhost, App, Stream string
}

// retiredKept is how many fragments that left the window stay available,
// for players that read the previous bootstrap.
const retiredKept = 2

// Muxer packages one stream. It implements live.Output: WritePacket and
// Unpublish only queue work for the muxer's goroutine, which builds the
// fragments, writes them under hds_path and publishes them in the Store.
//
// When the publisher leaves, the fragment in progress is finished and the
// bootstrap stops being live (and ends with an end-of-presentation entry),
// so players and downloaders take the window as a finished presentation.
// A new publish starts a new window; fragment numbers keep increasing.
type Muxer struct {
	cfg   Config
	id    StreamID
	store *Store
	queue *live.OutputQueue
	done  chan struct{}

	errMu sync.Mutex
	err   error

	// Owned by the muxer's goroutine.
	dir         string // hds_path/app
	urlPrefix   string // /app/stream
	metadata    []byte
	videoSH     *live.Packet
	audioSH     *live.Packet
	sawVideo    bool
	cur         *fragmentBuilder
	started     bool
	window      []fragment
	retired     []fragment
	next        uint32
	infoVersion uint32
	live        bool
	manifest    []byte
	bitrate     int
	pending     string // URL path of the fragment being cut, once announced
}

// fragment is a finished fragment.
type fragment struct {
	number   uint32
	start    uint64
	duration uint32
}

// NewMuxer starts a muxer for stream id publishing into store.
func NewMuxer(cfg Config, id StreamID, store *Store) *Muxer {
	if cfg.Fragment <= 0 {
		cfg.Fragment = DefaultFragment
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	m := &Muxer{
		cfg:       cfg,
		id:        id,
		store:     store,
		queue:     live.NewOutputQueue(),
		done:      make(chan struct{}),
		dir:       filepath.Join(cfg.Path, id.App),
		urlPrefix: "/" + id.App + "/" + id.Stream,
		cur:       &fragmentBuilder{},
		next:      1,
	}
	go m.run()
	return m
}

// WritePacket queues p; it never blocks (see live.Output).
func (m *Muxer) WritePacket(p *live.Packet) { m.queue.Push(p) }

// Unpublish ends the window once the packets before it are packaged.
func (m *Muxer) Unpublish() { m.queue.PushUnpublish() }

// Close packages what is queued, removes the stream's files from the Store
// (those on disk stay, as with SRS) and stops the muxer. It does not wait:
// Done is closed when the muxer has stopped.
func (m *Muxer) Close() { m.queue.Close() }

// Done is closed when the muxer has stopped after Close.
func (m *Muxer) Done() <-chan struct{} { return m.done }

// Dropped is the number of media packets dropped because the muxer could
// not keep up.
func (m *Muxer) Dropped() uint64 { return m.queue.Dropped() }

// Err returns the last error writing files, or nil.
func (m *Muxer) Err() error {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	return m.err
}

func (m *Muxer) fail(err error) {
	m.errMu.Lock()
	m.err = err
	m.errMu.Unlock()
}

func (m *Muxer) run() {
	defer close(m.done)
	var events []live.OutputEvent
	for {
		var ok bool
		events, ok = m.queue.Take(events)
		for i, e := range events {
			if e.P == nil {
				m.endPublish()
			} else {
				m.handle(e.P)
				e.P.Release()
			}
			events[i] = live.OutputEvent{}
		}
		if !ok {
			m.endPublish()
			m.unpublishAll()
			return
		}
	}
}

func (m *Muxer) handle(p *live.Packet) {
	data := p.Payload.B
	switch {
	case p.Kind == live.KindData:
		if md := liveMetadata(data); md != nil {
			m.metadata = md
			if m.manifest != nil {
				m.writeManifest()
			}
		}
		return
	case p.SeqHeader:
		if p.Kind == live.KindVideo {
			swap(&m.videoSH, p)
			m.sawVideo = true
		} else {
			swap(&m.audioSH, p)
		}
		if m.started {
			m.cur.add(tagType(p), p.Timestamp, data, flvBytes(p), false)
		}
		return
	}
	if p.Kind == live.KindVideo {
		m.sawVideo = true
	}
	if !m.live {
		m.startPublish()
	}
	if m.started && m.cut(p) {
		m.finish(p.Timestamp)
		m.started = false
	}
	if !m.started {
		if m.sawVideo && !p.SeekableKeyframe() {
			return // a fragment of a video stream starts on a keyframe
		}
		m.cur.reset(p.Timestamp, shPayload(m.videoSH), shPayload(m.audioSH))
		m.started = true
		m.announce()
	}
	m.cur.add(tagType(p), p.Timestamp, data, flvBytes(p), p.SeekableKeyframe())
}

// cut reports whether the fragment in progress ends before p.
func (m *Muxer) cut(p *live.Packet) bool {
	elapsed := int64(p.Timestamp) - int64(m.cur.start)
	if elapsed < m.cfg.Fragment.Milliseconds() {
		return false
	}
	return !m.sawVideo || p.SeekableKeyframe()
}

// startPublish begins a new window; fragments of an earlier publish go.
func (m *Muxer) startPublish() {
	m.live = true
	for _, f := range m.window {
		m.retire(f)
	}
	m.window = m.window[:0]
}

// finish closes the fragment in progress at end and publishes it.
func (m *Muxer) finish(end uint32) {
	fb := m.cur
	f := fragment{number: m.next, start: uint64(fb.start), duration: 1}
	if end > fb.start {
		f.duration = end - fb.start
	}
	m.next++
	data := fb.f4f()
	if m.bitrate == 0 {
		m.bitrate = int(int64(len(data.B)) * 8 / int64(f.duration)) // kbit/s
	}
	name := m.id.Stream + "Seg1-Frag" + strconv.FormatUint(uint64(f.number), 10)
	m.writeFile(name, data.B)
	url := m.fragmentURL(f.number)
	m.store.put(url, data, ContentTypeFragment)
	if m.pending == url {
		m.pending = ""
	}
	m.window = append(m.window, f)
	m.slide()
}

func (m *Muxer) fragmentURL(n uint32) string {
	return m.urlPrefix + "Seg1-Frag" + strconv.FormatUint(uint64(n), 10)
}

// announce lists the fragment just started in the bootstrap (once the
// stream has a finished one), and marks it pending in the Store, which
// holds requests for it until it is complete. A player that has the
// newest fragment so asks for the next one at once instead of sleeping
// until it polls the bootstrap again.
func (m *Muxer) announce() {
	if len(m.window) == 0 {
		return
	}
	m.pending = m.fragmentURL(m.next)
	m.store.announce(m.pending)
	m.publishIndex()
}

// cancelPending gives up the announced fragment, if any.
func (m *Muxer) cancelPending() {
	if m.pending != "" {
		m.store.cancel(m.pending)
		m.pending = ""
	}
}

// publishIndex writes the bootstrap, and the manifest the first time.
func (m *Muxer) publishIndex() {
	m.writeBootstrap()
	if m.manifest == nil {
		m.writeManifest()
	}
}

// slide drops the oldest fragments while the others still cover
// hds_window.
func (m *Muxer) slide() {
	var total int64
	for _, f := range m.window {
		total += int64(f.duration)
	}
	for len(m.window) > 1 && total-int64(m.window[0].duration) >= m.cfg.Window.Milliseconds() {
		total -= int64(m.window[0].duration)
		m.retire(m.window[0])
		m.window = append(m.window[:0], m.window[1:]...)
	}
}

// retire keeps f available a little longer, and deletes the fragments
// retired before it.
func (m *Muxer) retire(f fragment) {
	m.retired = append(m.retired, f)
	for len(m.retired) > retiredKept {
		m.deleteFragment(m.retired[0])
		m.retired = append(m.retired[:0], m.retired[1:]...)
	}
}

func (m *Muxer) deleteFragment(f fragment) {
	suffix := "Seg1-Frag" + strconv.FormatUint(uint64(f.number), 10)
	m.store.remove(m.fragmentURL(f.number))
	if err := os.Remove(filepath.Join(m.dir, m.id.Stream+suffix)); err != nil && !os.IsNotExist(err) {
		m.fail(fmt.Errorf("hds: remove fragment: %w", err))
	}
}

// bootstrap describes the window.
func (m *Muxer) bootstrap(withPending bool) *Bootstrap {
	b := &Bootstrap{
		InfoVersion: m.infoVersion,
		Profile:     ProfileNamed,
		Live:        m.live,
		TimeScale:   timeScale,
		SegmentRuns: []SegmentRunTable{{Entries: []SegmentRun{{FirstSegment: 1, FragmentsPerSegment: uint32(len(m.window))}}}},
	}
	frt := FragmentRunTable{TimeScale: timeScale}
	for _, f := range m.window {
		frt.Entries = append(frt.Entries, FragmentRun{FirstFragment: f.number, FirstTimestamp: f.start, Duration: f.duration})
	}
	if n := len(m.window); n > 0 {
		last := m.window[n-1]
		b.CurrentMediaTime = last.start + uint64(last.duration)
		if !m.live {
			frt.Entries = append(frt.Entries, FragmentRun{FirstFragment: last.number + 1, FirstTimestamp: b.CurrentMediaTime, Discontinuity: EndOfPresentation})
		}
	}
	if withPending && m.pending != "" {
		// The fragment being cut, with its nominal duration.
		frt.Entries = append(frt.Entries, FragmentRun{FirstFragment: m.next, FirstTimestamp: uint64(m.cur.start),
			Duration: uint32(m.cfg.Fragment.Milliseconds())})
		b.SegmentRuns[0].Entries[0].FragmentsPerSegment++
	}
	b.FragmentRuns = []FragmentRunTable{frt}
	return b
}

// writeBootstrap writes the bootstrap: the one on disk lists the complete
// fragments, for a web server that serves hds_path and cannot hold a
// request; the one in the Store, which cascade serves, also lists the
// fragment being cut (see announce).
func (m *Muxer) writeBootstrap() {
	m.infoVersion++
	disk := m.bootstrap(false).AppendBox(nil)
	m.writeFile(m.id.Stream+".abst", disk)
	buf := buffer.Get()
	if m.pending == "" {
		buf.B = append(buf.B, disk...)
	} else {
		buf.B = m.bootstrap(true).AppendBox(buf.B)
	}
	m.store.put(m.urlPrefix+".abst", buf, ContentTypeBootstrap)
}

func (m *Muxer) writeManifest() {
	b, err := manifest(m.id.Stream, m.bitrate, m.metadata)
	if err != nil {
		m.fail(err)
		return
	}
	if bytes.Equal(b, m.manifest) {
		return
	}
	m.manifest = b
	m.writeFile(m.id.Stream+".f4m", b)
	buf := buffer.GetSize(len(b))
	copy(buf.B, b)
	m.store.put(m.urlPrefix+".f4m", buf, ContentTypeManifest)
}

// writeFile writes name under hds_path/app through a temporary file, so
// that an HTTP server never serves half a file.
func (m *Muxer) writeFile(name string, data []byte) {
	if err := os.MkdirAll(m.dir, 0o755); err != nil {
		m.fail(fmt.Errorf("hds: create %s: %w", m.dir, err))
		return
	}
	path := filepath.Join(m.dir, name)
	if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
		m.fail(fmt.Errorf("hds: write %s: %w", path, err))
		return
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		m.fail(fmt.Errorf("hds: rename %s: %w", path, err))
	}
}

// endPublish finishes the fragment in progress and ends the window.
func (m *Muxer) endPublish() {
	if m.started && m.cur.media {
		m.finish(m.cur.end())
	}
	m.cancelPending()
	m.started = false
	if m.live {
		m.live = false
		if len(m.window) > 0 {
			m.publishIndex()
		}
	}
	for _, sh := range []**live.Packet{&m.videoSH, &m.audioSH} {
		if *sh != nil {
			(*sh).Release()
			*sh = nil
		}
	}
	m.metadata = nil
	m.sawVideo = false
}

// unpublishAll removes the stream from the Store.
func (m *Muxer) unpublishAll() {
	m.cancelPending()
	for _, f := range append(m.retired, m.window...) {
		m.store.remove(m.fragmentURL(f.number))
	}
	m.store.remove(m.urlPrefix + ".abst")
	m.store.remove(m.urlPrefix + ".f4m")
	m.window, m.retired = nil, nil
}

func swap(slot **live.Packet, p *live.Packet) {
	if *slot != nil {
		(*slot).Release()
	}
	p.Retain()
	*slot = p
}

func shPayload(p *live.Packet) []byte {
	if p == nil {
		return nil
	}
	return p.Payload.B
}

func flvBytes(p *live.Packet) []byte {
	if p.FLV == nil {
		return nil
	}
	return p.FLV.B
}

func tagType(p *live.Packet) uint8 {
	if p.Kind == live.KindVideo {
		return flv.TagVideo
	}
	return flv.TagAudio
}
