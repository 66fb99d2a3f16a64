package dvr

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/flv"
)

// tmpSuffix marks a file being written, as in SRS.
const tmpSuffix = ".tmp"

// writeBufferSize is the write cache of a file (SRS uses the same).
const writeBufferSize = 64 << 10

// recording is a file being written: FLV or MP4.
type recording interface {
	// writeMedia writes an audio or video message (FLV tag body) at the
	// stream's timestamp.
	writeMedia(typ uint8, streamTs uint32, payload []byte, keyframe bool) error
	// finish completes the file and renames it to its path.
	finish() (time.Duration, int64, error)
	// abort closes a file that failed; its ".tmp" stays for inspection.
	abort()
	times() *timeline
	info() (path string, opened time.Time)
}

// flvFile is one recording file being written.
type flvFile struct {
	path   string
	opened time.Time
	f      *os.File
	w      *bufio.Writer
	off    int64
	hdr    [flv.TagHeaderLen]byte

	meta    *metadataLayout
	metaOff int64 // file offset of the onMetaData payload
	index   *keyframeIndex

	timeline
}

// timeline maps a stream's timestamps to a file's and measures the file.
type timeline struct {
	// base is subtracted from every timestamp when rebase.
	rebase    bool
	base      uint32
	maxTs     uint32 // largest timestamp written, after rebasing
	lastVideo uint32 // timestamp of the last video frame
	frameGap  uint32 // gap between the last two video frames
	videos    int
}

// createTmp creates path+".tmp" and its directories, refusing a path
// whose recording exists.
func createTmp(path string) (*os.File, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("dvr: create %s: %w", path, ErrFileExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("dvr: create %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("dvr: create directory of %s: %w", path, err)
	}
	f, err := os.OpenFile(path+tmpSuffix, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("dvr: create %s: %w", path, err)
	}
	return f, nil
}

// createFile creates path+".tmp" (and its directories) and writes the FLV
// header and the onMetaData tag with room for the keyframes index.
func createFile(path string, opened time.Time, hasAudio, hasVideo bool, publisher amf.ECMAArray, capacity int) (*flvFile, error) {
	meta, err := newMetadataLayout(publisher, capacity)
	if err != nil {
		return nil, err
	}
	f, err := createTmp(path)
	if err != nil {
		return nil, err
	}
	ff := &flvFile{
		path:   path,
		opened: opened,
		f:      f,
		w:      bufio.NewWriterSize(f, writeBufferSize),
		meta:   meta,
		index:  newKeyframeIndex(capacity),
	}
	ff.write(flv.AppendHeader(nil, hasAudio, hasVideo))
	payload, err := meta.payload(0, 0, nil)
	if err != nil {
		ff.abort()
		return nil, err
	}
	ff.metaOff = ff.off + flv.TagHeaderLen
	if err := ff.writeTag(flv.TagScript, 0, payload); err != nil {
		ff.abort()
		return nil, err
	}
	return ff, nil
}

func (ff *flvFile) write(b []byte) error {
	n, err := ff.w.Write(b)
	ff.off += int64(n)
	if err != nil {
		return fmt.Errorf("dvr: write %s: %w", ff.path+tmpSuffix, err)
	}
	return nil
}

// writeTag writes one tag without copying the payload.
func (ff *flvFile) writeTag(typ uint8, ts uint32, payload []byte) error {
	n := len(payload)
	if n > flv.MaxDataSize {
		return fmt.Errorf("dvr: write %s: tag of %d bytes: %w", ff.path, n, flv.ErrTagTooLarge)
	}
	h := ff.hdr[:]
	h[0] = typ
	h[1], h[2], h[3] = byte(n>>16), byte(n>>8), byte(n)
	h[4], h[5], h[6], h[7] = byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24)
	h[8], h[9], h[10] = 0, 0, 0
	if err := ff.write(h); err != nil {
		return err
	}
	if err := ff.write(payload); err != nil {
		return err
	}
	// The scratch again: a local array would escape through the Writer,
	// one allocation per message.
	size := ff.hdr[:flv.PreviousTagSizeLen]
	binary.BigEndian.PutUint32(size, uint32(flv.TagHeaderLen+n))
	return ff.write(size)
}

// timestamp maps a stream timestamp to the file's timeline.
func (tl *timeline) timestamp(ts uint32) uint32 {
	if !tl.rebase {
		return ts
	}
	if ts < tl.base {
		return 0 // a frame from just before the cut, e.g. interleaved audio
	}
	return ts - tl.base
}

// note maps the timestamp of a frame written to the file and measures it.
func (tl *timeline) note(typ uint8, streamTs uint32) uint32 {
	ts := tl.timestamp(streamTs)
	if typ == flv.TagVideo {
		if tl.videos > 0 && ts > tl.lastVideo {
			tl.frameGap = ts - tl.lastVideo
		}
		tl.lastVideo = ts
		tl.videos++
	}
	tl.maxTs = max(tl.maxTs, ts)
	return ts
}

// duration is the span of the file: its last timestamp plus one video
// frame (so that it matches what players compute), from its first.
func (tl *timeline) duration() time.Duration {
	first := uint32(0)
	if !tl.rebase {
		first = tl.base
	}
	return time.Duration(tl.maxTs-min(first, tl.maxTs)+tl.frameGap) * time.Millisecond
}

// writeMedia writes an audio or video tag; keyframes go to the index.
func (ff *flvFile) writeMedia(typ uint8, streamTs uint32, payload []byte, keyframe bool) error {
	ts := ff.note(typ, streamTs)
	if keyframe {
		ff.index.add(ts, ff.off)
	}
	return ff.writeTag(typ, ts, payload)
}

func (ff *flvFile) times() *timeline { return &ff.timeline }

func (ff *flvFile) info() (string, time.Time) { return ff.path, ff.opened }

// finish writes the final metadata in place, closes the file and renames
// it to its final path.
func (ff *flvFile) finish() (time.Duration, int64, error) {
	d := ff.duration()
	size := ff.off
	if err := ff.w.Flush(); err != nil {
		ff.abort()
		return 0, 0, fmt.Errorf("dvr: write %s: %w", ff.path+tmpSuffix, err)
	}
	payload, err := ff.meta.payload(d.Seconds(), size, ff.index)
	if err != nil {
		ff.abort()
		return 0, 0, err
	}
	if _, err := ff.f.WriteAt(payload, ff.metaOff); err != nil {
		ff.abort()
		return 0, 0, fmt.Errorf("dvr: update metadata of %s: %w", ff.path+tmpSuffix, err)
	}
	if err := ff.f.Close(); err != nil {
		return 0, 0, fmt.Errorf("dvr: close %s: %w", ff.path+tmpSuffix, err)
	}
	if err := os.Rename(ff.path+tmpSuffix, ff.path); err != nil {
		return 0, 0, fmt.Errorf("dvr: rename %s: %w", ff.path+tmpSuffix, err)
	}
	return d, size, nil
}

// abort closes a file that failed; its ".tmp" stays for inspection.
func (ff *flvFile) abort() {
	ff.f.Close()
}
