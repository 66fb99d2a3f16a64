package hls

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"sync"
	"time"

	"github.com/cascade-live/cascade/ts"
)

// streamState is what a Store keeps of a stream between publishes, as SRS
// keeps its per-source HLS muxer: the next sequence number, the segments
// in the window, the current key, and the dispose timer.
type streamState struct {
	id StreamID

	mu       sync.Mutex
	nextSeq  int
	discSeq  int // EXT-X-DISCONTINUITY-SEQUENCE
	window   []*segmentEntry
	key      *keyEntry // the key new segments use
	m3u8File string    // where the playlist was last written
	m3u8URL  string    // and its URL path
	tsm      *ts.Muxer // the last publish's muxer, whose continuity counters a republish continues
	active   int       // sessions (publishes) running
	gen      uint64    // bumped by every activate, to void stale dispose timers
	timer    *time.Timer
}

// segmentEntry is a segment in a stream's window.
type segmentEntry struct {
	seq           int
	duration      time.Duration
	uri           string
	file          string
	urlPath       string
	discontinuity bool
	key           *keyEntry
}

// keyEntry is an AES-128 key and the files that carry it.
type keyEntry struct {
	seq     int // sequence number of the first segment it encrypts
	k       Key // as written in EXT-X-KEY (URI, IV)
	key     [16]byte
	file    string
	urlPath string
}

// activate records a session starting: a pending dispose is cancelled. It
// reports whether the window holds segments of an earlier publish, which
// the session's first segment must follow with a discontinuity.
func (st *streamState) activate() (republish bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.active++
	st.gen++
	if st.timer != nil {
		st.timer.Stop()
		st.timer = nil
	}
	return len(st.window) > 0
}

// deactivate records a session ending, keeping its muxer for the next.
// Once no session is running it arms a timer: with a dispose delay, to
// remove the stream's files from disk and memory; without one, to drop
// them from memory only once the window has expired (keep), so that memory
// does not grow with every stream that ever lived. Disk files then stay,
// as in SRS, and are served from disk.
func (st *streamState) deactivate(s *Store, dispose, keep time.Duration, tsm *ts.Muxer) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.active--
	if tsm != nil {
		st.tsm = tsm
	}
	if st.active > 0 {
		return
	}
	gen := st.gen
	if dispose > 0 {
		st.timer = time.AfterFunc(dispose, func() { st.dispose(s, gen, true) })
		return
	}
	st.timer = time.AfterFunc(keep, func() { st.dispose(s, gen, false) })
}

// dispose removes every file of the stream from the Store, and from disk
// too when fromDisk, then forgets the stream, unless a session started
// since the timer was armed. It runs on the timer's goroutine.
func (st *streamState) dispose(s *Store, gen uint64, fromDisk bool) {
	st.mu.Lock()
	if st.gen != gen || st.active > 0 {
		st.mu.Unlock()
		return
	}
	st.timer = nil
	remove := func(urlPath, file string) {
		s.files.Remove(urlPath)
		if fromDisk {
			_ = removeFile(file)
		}
	}
	for _, e := range st.window {
		remove(e.urlPath, e.file)
	}
	keys := st.keysInUse(nil)
	if st.key != nil {
		keys[st.key] = true
	}
	for k := range keys {
		remove(k.urlPath, k.file)
	}
	st.window, st.key, st.tsm = nil, nil, nil
	if st.m3u8URL != "" {
		remove(st.m3u8URL, st.m3u8File)
	}
	st.mu.Unlock()
	s.forget(st, gen)
}

// takeMuxer returns the last publish's muxer if it carries the program
// cfg: a republish that continues its continuity counters spares players
// the errors of a counter jump (TS has no discontinuity here otherwise).
func (st *streamState) takeMuxer(cfg ts.Config) *ts.Muxer {
	st.mu.Lock()
	defer st.mu.Unlock()
	tsm := st.tsm
	if tsm == nil {
		return nil
	}
	if c := tsm.Config(); c.Video != cfg.Video || c.Audio != cfg.Audio {
		return nil
	}
	st.tsm = nil
	return tsm
}

// keysInUse returns the keys of the window's segments (adding to set).
func (st *streamState) keysInUse(set map[*keyEntry]bool) map[*keyEntry]bool {
	if set == nil {
		set = make(map[*keyEntry]bool)
	}
	for _, e := range st.window {
		if e.key != nil {
			set[e.key] = true
		}
	}
	return set
}

// shrink drops the oldest segments as SRS does: counting back from the
// newest, the segment that takes the total past window is the oldest kept.
// It returns the dropped segments.
func (st *streamState) shrink(window time.Duration) []*segmentEntry {
	var total time.Duration
	remove := 0
	for i := len(st.window) - 1; i >= 0; i-- {
		total += st.window[i].duration
		if total > window {
			remove = i
			break
		}
	}
	if remove == 0 {
		return nil
	}
	expired := append([]*segmentEntry(nil), st.window[:remove]...)
	for _, e := range expired {
		if e.discontinuity {
			st.discSeq++
		}
	}
	st.window = append(st.window[:0], st.window[remove:]...)
	return expired
}

// playlist returns the window as a playlist. The target duration is the
// longest segment, and at least hls_fragment*hls_td_ratio, rounded up.
func (st *streamState) playlist(base time.Duration) *Playlist {
	p := &Playlist{Version: 3, DiscontinuitySequence: st.discSeq}
	longest := base
	for _, e := range st.window {
		longest = max(longest, e.duration)
		var k *Key
		if e.key != nil {
			k = &e.key.k
		}
		p.Segments = append(p.Segments, Segment{
			Duration:      e.duration,
			Title:         "no desc",
			URI:           e.uri,
			Discontinuity: e.discontinuity,
			Key:           k,
		})
	}
	if len(st.window) > 0 {
		p.MediaSequence = st.window[0].seq
	}
	p.TargetDuration = int(math.Ceil(longest.Round(time.Millisecond).Seconds()))
	return p
}

// removeFile deletes a file, best effort as SRS (which only logs): a file
// already gone, or one that cannot be deleted, must not stop the stream.
func removeFile(name string) error {
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
