package dvr

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/live"
)

// Recorder records one stream. It implements live.Output: WritePacket and
// Unpublish only queue work for the recorder's goroutine, which writes the
// files. A Recorder outlives publishes: after Unpublish (which closes the
// file) a new publish starts a new file.
type Recorder struct {
	cfg    Config
	id     StreamID
	events Events
	queue  *live.OutputQueue
	done   chan struct{}
	now    func() time.Time
	cap    int // keyframe index capacity

	errMu sync.Mutex
	err   error
	files atomic.Uint64

	// Owned by the recorder's goroutine.
	file     recording
	metadata amf.ECMAArray
	videoSH  *live.Packet
	audioSH  *live.Packet
	sawAudio bool
	sawVideo bool
	audioTag byte // the header byte of the last audio message
}

// NewRecorder starts a recorder for stream id; events may be nil.
func NewRecorder(cfg Config, id StreamID, events Events) (*Recorder, error) {
	return newRecorder(cfg, id, events, time.Now, indexCapacity)
}

// newRecorder is NewRecorder with a clock and an index capacity (tests).
func newRecorder(cfg Config, id StreamID, events Events, now func() time.Time, capacity int) (*Recorder, error) {
	if cfg.Plan != PlanSession && cfg.Plan != PlanSegment {
		return nil, fmt.Errorf("dvr: plan %q: %w", cfg.Plan, ErrInvalidConfig)
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	r := &Recorder{
		cfg:    cfg,
		id:     id,
		events: events,
		queue:  live.NewOutputQueue(),
		done:   make(chan struct{}),
		now:    now,
		cap:    capacity,
	}
	go r.run()
	return r, nil
}

// WritePacket queues p; it never blocks (see live.Output).
func (r *Recorder) WritePacket(p *live.Packet) { r.queue.Push(p) }

// Unpublish closes the current file once the packets before it are written.
func (r *Recorder) Unpublish() { r.queue.PushUnpublish() }

// Close writes what is queued, closes the current file and stops the
// recorder. It does not wait: Done is closed when the recorder has stopped.
func (r *Recorder) Close() { r.queue.Close() }

// Done is closed when the recorder has stopped after Close.
func (r *Recorder) Done() <-chan struct{} { return r.done }

// Dropped is the number of media packets dropped because the disk could
// not keep up.
func (r *Recorder) Dropped() uint64 { return r.queue.Dropped() }

// Files is the number of files closed so far.
func (r *Recorder) Files() uint64 { return r.files.Load() }

// Err returns the last file error, or nil. Recording goes on after an
// error: the next file is tried at the next keyframe.
func (r *Recorder) Err() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return r.err
}

func (r *Recorder) fail(err error) {
	r.errMu.Lock()
	r.err = err
	r.errMu.Unlock()
}

func (r *Recorder) run() {
	defer close(r.done)
	var events []live.OutputEvent
	for {
		var ok bool
		events, ok = r.queue.Take(events)
		for i, e := range events {
			if e.P == nil {
				r.endPublish()
			} else {
				r.handle(e.P)
				e.P.Release()
			}
			events[i] = live.OutputEvent{}
		}
		if !ok {
			r.endPublish()
			return
		}
	}
}

// handle writes one packet, opening and closing files as the plan says.
func (r *Recorder) handle(p *live.Packet) {
	data := p.Payload.B
	switch {
	case p.Kind == live.KindData:
		if md := publisherMetadata(data); md != nil {
			r.metadata = md // used by the next file; SRS ignores updates too
		}
		return
	case p.SeqHeader:
		if p.Kind == live.KindVideo {
			swap(&r.videoSH, p)
			r.sawVideo = true
		} else {
			swap(&r.audioSH, p)
			r.sawAudio = true
		}
		if r.file != nil { // a codec change inside the file
			r.writeOrAbort(func(f recording) error { return f.writeMedia(tagType(p), p.Timestamp, data, false) })
		}
		return
	}
	if p.Kind == live.KindVideo {
		r.sawVideo = true
	} else {
		r.sawAudio = true
		if len(data) > 0 {
			r.audioTag = data[0]
		}
	}
	if r.file != nil && r.cut(p) {
		r.closeFile()
	}
	if r.file == nil {
		if !r.canStart(p) {
			return
		}
		r.openFile(p)
		if r.file == nil {
			return
		}
	}
	keyframe := p.SeekableKeyframe()
	r.writeOrAbort(func(f recording) error { return f.writeMedia(tagType(p), p.Timestamp, data, keyframe) })
}

// hasVideo reports whether the stream carries video.
func (r *Recorder) hasVideo() bool { return r.videoSH != nil || r.sawVideo }

// canStart reports whether a file may start with p: with
// dvr_wait_keyframe, a video stream's file starts on a keyframe.
func (r *Recorder) canStart(p *live.Packet) bool {
	if !r.cfg.WaitKeyframe || !r.hasVideo() {
		return true
	}
	return p.SeekableKeyframe()
}

// cut reports whether the segment plan closes the file before p.
func (r *Recorder) cut(p *live.Packet) bool {
	if r.cfg.Plan != PlanSegment || r.cfg.Duration <= 0 {
		return false
	}
	elapsed := time.Duration(int64(p.Timestamp)-int64(r.file.times().base)) * time.Millisecond
	return elapsed >= r.cfg.Duration && r.canStart(p)
}

func (r *Recorder) openFile(first *live.Packet) {
	now := r.now()
	path := ExpandPath(r.cfg.Path, r.id, now)
	hasAudio := r.audioSH != nil || r.sawAudio || hasProp(r.metadata, "audiocodecid")
	hasVideo := r.hasVideo() || hasProp(r.metadata, "videocodecid")
	var f recording
	var err error
	if isMP4(path) {
		f, err = createMP4(path, now, r.videoSH, r.audioSH, mp3Track(r.audioTag, r.metadata))
	} else {
		f, err = createFile(path, now, hasAudio, hasVideo, r.metadata, r.cap)
	}
	if err != nil {
		r.fail(err)
		return
	}
	tl := f.times()
	tl.rebase = r.cfg.TimeJitter != live.JitterOff
	tl.base = first.Timestamp
	for _, sh := range []*live.Packet{r.videoSH, r.audioSH} {
		if sh == nil {
			continue
		}
		if err := f.writeMedia(tagType(sh), first.Timestamp, sh.Payload.B, false); err != nil {
			f.abort()
			r.fail(err)
			return
		}
	}
	r.file = f
}

func (r *Recorder) writeOrAbort(write func(recording) error) {
	if err := write(r.file); err != nil {
		r.file.abort()
		r.file = nil
		r.fail(err)
	}
}

func (r *Recorder) closeFile() {
	f := r.file
	r.file = nil
	d, size, err := f.finish()
	if err != nil {
		r.fail(err)
		return
	}
	r.files.Add(1)
	if r.events != nil {
		cwd, _ := os.Getwd()
		path, opened := f.info()
		r.events.OnDVR(FileInfo{Stream: r.id, Path: path, Cwd: cwd, Opened: opened, Duration: d, Size: size})
	}
}

// endPublish closes the file and forgets the publish's headers.
func (r *Recorder) endPublish() {
	if r.file != nil {
		r.closeFile()
	}
	for _, sh := range []**live.Packet{&r.videoSH, &r.audioSH} {
		if *sh != nil {
			(*sh).Release()
			*sh = nil
		}
	}
	r.metadata = nil
	r.sawAudio, r.sawVideo, r.audioTag = false, false, 0
}

func swap(slot **live.Packet, p *live.Packet) {
	if *slot != nil {
		(*slot).Release()
	}
	p.Retain()
	*slot = p
}

func tagType(p *live.Packet) uint8 {
	if p.Kind == live.KindVideo {
		return flv.TagVideo
	}
	return flv.TagAudio
}

func hasProp(a amf.ECMAArray, key string) bool {
	_, ok := a.Get(key)
	return ok
}
