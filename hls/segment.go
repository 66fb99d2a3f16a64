package hls

import (
	"fmt"
	"time"

	"github.com/cascade-live/cascade/buffer"
)

// commit ends the open segment at DTS end (milliseconds) and publishes it:
// encrypted when keys are on, written to disk, put in the Store and the
// window, the playlist refreshed, expired segments removed and OnHLS
// called. Like SRS, a segment shorter than minSegment, or so long that the
// timestamps must have jumped, is discarded and its number reused.
func (s *session) commit(end int64) {
	seg := s.seg
	s.seg = nil
	defer seg.buf.Release()
	cfg := &s.m.cfg
	dur := time.Duration(end-seg.start) * time.Millisecond
	longest := time.Duration(float64(cfg.Fragment) * max(cfg.TDRatio, cfg.AOFRatio))
	if dur < minSegment || dur > maxSegmentRatio*longest {
		s.m.stats.DroppedSegments.Add(1)
		s.discNext = s.discNext || seg.disc
		return
	}
	s.sizeHint = len(seg.buf.B)

	info, published, failures, warnings := s.publish(seg, dur)
	if !published {
		s.m.stats.DroppedSegments.Add(1)
	}
	for _, err := range warnings {
		s.report(err)
	}
	for _, err := range failures {
		s.fail(err)
	}
	if !published {
		return
	}
	s.m.stats.Segments.Add(1)
	if s.m.events != nil {
		s.m.events.OnHLS(info)
	}
}

// publish does the work of commit under the stream's lock. It reports
// whether the segment made it into the window, the files it failed to
// write (for hls_on_error) and the files it failed to delete.
func (s *session) publish(seg *openSegment, dur time.Duration) (info SegmentInfo, published bool, failures, warnings []error) {
	cfg := &s.m.cfg
	st := s.m.state
	n := &s.m.names

	st.mu.Lock()
	defer st.mu.Unlock()
	seq := st.nextSeq
	vars := pathVars{id: s.m.id, seq: seq, duration: dur, hasSeq: true,
		wall: seg.wall, floorTS: seg.floorTS, hasFloor: cfg.TSFloor}
	tsRel := vars.expand(cfg.TSFile)
	e := &segmentEntry{
		seq:           seq,
		duration:      dur,
		uri:           entryURI(cfg.EntryPrefix, n.m3u8Rel, tsRel),
		file:          cfg.Path + "/" + tsRel,
		urlPath:       urlPath(tsRel),
		discontinuity: seg.disc,
	}

	data := seg.buf
	if cfg.Keys {
		if st.key == nil || seq%cfg.FragmentsPerKey == 0 {
			k, err := s.newKeyEntry(seq, n.m3u8Rel)
			if err != nil {
				return info, false, []error{err}, nil
			}
			st.key = k
		}
		e.key = st.key
		data = encrypt(seg.buf.B, e.key.key, e.key.k.IV)
		defer data.Release()
	}
	st.nextSeq++ // the number is taken even if the file cannot be written, as SRS
	f, err := createFile(e.file, e.file+".tmp", data.B)
	if err != nil {
		return info, false, []error{err}, nil
	}
	shared, err := buffer.NewFile(f)
	if err != nil {
		_ = f.Close()
		return info, false, []error{fmt.Errorf("hls: %w", err)}, nil
	}
	s.m.store.putFile(e.urlPath, ContentTypeSegment, shared)
	st.window = append(st.window, e)
	expired := st.shrink(cfg.Window)

	st.m3u8File, st.m3u8URL = n.m3u8File, n.m3u8URL
	pl := buffer.Get()
	pl.B = st.playlist(cfg.maxTD()).Append(pl.B)
	if err := writeFile(n.m3u8File, n.m3u8File+".temp", pl.B); err != nil {
		failures = append(failures, err) // served from memory all the same
	}
	s.m.store.put(n.m3u8URL, ContentTypePlaylist, pl)

	warnings = s.expire(expired)
	info = SegmentInfo{
		Stream:        s.m.id,
		SeqNo:         seq,
		Duration:      dur,
		File:          e.file,
		URL:           hookURL(n.m3u8Rel, e.uri),
		URI:           e.uri,
		M3U8:          n.m3u8File,
		M3U8URL:       n.m3u8Rel,
		Discontinuity: e.discontinuity,
	}
	if e.key != nil {
		info.KeyFile = e.key.file
	}
	return info, true, failures, warnings
}

// expire removes segments that left the window from the Store and, with
// hls_cleanup, from the disk; keys no segment uses any more go with them.
// st.mu is held.
func (s *session) expire(expired []*segmentEntry) (errs []error) {
	if len(expired) == 0 {
		return nil
	}
	st := s.m.state
	inUse := st.keysInUse(nil)
	if st.key != nil {
		inUse[st.key] = true
	}
	gone := make(map[*keyEntry]bool)
	for _, e := range expired {
		s.m.store.remove(e.urlPath)
		if s.m.cfg.Cleanup {
			if err := removeFile(e.file); err != nil {
				errs = append(errs, fmt.Errorf("hls: cleanup: %w", err))
			}
		}
		if e.key != nil && !inUse[e.key] && !gone[e.key] {
			gone[e.key] = true
			s.m.store.remove(e.key.urlPath)
			if s.m.cfg.Cleanup {
				if err := removeFile(e.key.file); err != nil {
					errs = append(errs, fmt.Errorf("hls: cleanup: %w", err))
				}
			}
		}
	}
	return errs
}

// newKeyEntry draws a key for the segments from seq on and writes its
// file, named by hls_key_file under hls_key_file_path.
func (s *session) newKeyEntry(seq int, m3u8Rel string) (*keyEntry, error) {
	cfg := &s.m.cfg
	vars := pathVars{id: s.m.id, seq: seq, hasSeq: true}
	rel := vars.expand(cfg.KeyFile)
	k := &keyEntry{seq: seq, file: cfg.KeyFilePath + "/" + rel, urlPath: urlPath(rel)}
	k.key, k.k.IV = newKey()
	k.k.Method, k.k.HasIV = MethodAES128, true
	k.k.URI = keyURI(cfg, m3u8Rel, rel)
	if err := writeFile(k.file, k.file+".tmp", k.key[:]); err != nil {
		return nil, err
	}
	b := buffer.GetSize(len(k.key))
	copy(b.B, k.key[:])
	s.m.store.put(k.urlPath, ContentTypeKey, b)
	return k, nil
}
