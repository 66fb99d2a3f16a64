package hds

import (
	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
)

// timeScale is the unit of every HDS time this package writes: ms, the
// unit of FLV timestamps.
const timeScale = 1000

// fragmentBuilder collects the FLV tags of the fragment being cut. Tags
// keep the stream's timestamps: HDS fragments share one timeline.
type fragmentBuilder struct {
	body      []byte // the mdat content
	keyframes []RandomAccessEntry
	start     uint32
	last      uint32
	tracks    [2]trackClock // video, audio
	media     bool
}

// trackClock follows one track's timestamps to estimate where it ends.
type trackClock struct {
	last, gap uint32
	frames    int
}

func (c *trackClock) tick(ts uint32) {
	if c.frames > 0 && ts > c.last {
		c.gap = ts - c.last
	}
	c.last = ts
	c.frames++
}

// reset starts a fragment at start with the sequence headers (video,
// audio; nil when absent), so that a player decodes it on its own. The
// stream's onMetaData is not repeated here but given by the manifest: in
// the FLV a downloader assembles, a script tag past the start is taken by
// ffmpeg for a data stream of its own.
func (fb *fragmentBuilder) reset(start uint32, videoSH, audioSH []byte) {
	*fb = fragmentBuilder{body: fb.body[:0], keyframes: fb.keyframes[:0], start: start, last: start}
	if videoSH != nil {
		fb.body = flv.AppendTag(fb.body, flv.TagVideo, start, videoSH)
	}
	if audioSH != nil {
		fb.body = flv.AppendTag(fb.body, flv.TagAudio, start, audioSH)
	}
}

// add appends a media tag (tag is its FLV form when the packet has one).
func (fb *fragmentBuilder) add(typ uint8, ts uint32, payload, tag []byte, keyframe bool) {
	if keyframe {
		fb.keyframes = append(fb.keyframes, RandomAccessEntry{Time: uint64(ts), Offset: uint64(len(fb.body))})
	}
	if tag != nil {
		fb.body = append(fb.body, tag...)
	} else {
		fb.body = flv.AppendTag(fb.body, typ, ts, payload)
	}
	if typ == flv.TagVideo {
		fb.tracks[0].tick(ts)
	} else {
		fb.tracks[1].tick(ts)
	}
	fb.last = max(fb.last, ts)
	fb.media = true
}

// end estimates where the fragment ends when no next fragment says so:
// one frame after the last frame of each track.
func (fb *fragmentBuilder) end() uint32 {
	end := fb.last
	for _, c := range fb.tracks {
		if c.frames > 0 {
			end = max(end, c.last+c.gap)
		}
	}
	return end
}

// f4f returns the fragment file: an afra box indexing the keyframes, then
// the mdat box with the tags.
func (fb *fragmentBuilder) f4f() *buffer.Buffer {
	afra := RandomAccess{LongOffsets: true, TimeScale: timeScale, Entries: fb.keyframes}
	mdatHeader := appendBoxHeader(nil, TypeMediaData, len(fb.body))
	base := uint64(afra.BoxLen() + len(mdatHeader))
	for i := range afra.Entries {
		afra.Entries[i].Offset += base
	}
	out := buffer.GetSize(0)
	out.B = afra.AppendBox(out.B)
	out.B = append(out.B, mdatHeader...)
	out.B = append(out.B, fb.body...)
	return out
}

// liveMetadata returns the onMetaData script data of a publisher's data
// message without the properties that describe a file (duration and
// filesize make players treat a live stream as a finished one), or nil.
func liveMetadata(payload []byte) []byte {
	vs, err := amf.DecodeAll0(payload)
	if err != nil {
		return nil
	}
	for i := 0; i+1 < len(vs); i++ {
		if s, ok := vs[i].(string); !ok || s != "onMetaData" {
			continue
		}
		var arr amf.ECMAArray
		switch o := vs[i+1].(type) {
		case amf.ECMAArray:
			arr = o
		case amf.Object:
			arr = amf.ECMAArray(o)
		default:
			return nil
		}
		arr.Delete("duration")
		arr.Delete("filesize")
		b, err := amf.AppendAll0(nil, "onMetaData", arr)
		if err != nil {
			return nil
		}
		return b
	}
	return nil
}
