package dvr

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/mp4"
)

// Fragments of an MP4 recording: one starts at each video keyframe, and at
// the latest after maxFragment of media or maxFragmentBytes of data, so a
// file cut short by a crash loses at most that much.
const (
	maxFragment      = 2 * time.Second
	maxFragmentBytes = 8 << 20
)

// mp4File is an MP4 recording being written: fragmented MP4, an init
// segment then a moof and mdat per fragment, so that what is on disk
// plays whatever happens to the process. The init segment is written
// again with the duration when the file is finished.
type mp4File struct {
	path   string
	opened time.Time
	f      *os.File
	w      *bufio.Writer
	off    int64
	timeline

	tracks []mp4.Track
	video  *mp4Track // nil without video
	audio  *mp4Track // nil without audio
	seq    uint32
	hdr    []byte // fragment header scratch
	runs   []mp4.Run
}

// mp4Track holds a track's samples of the fragment being built.
type mp4Track struct {
	id      uint32
	defDur  uint32 // duration of a sample when the next one is unknown
	samples []mp4.Sample
	dts     []uint32 // decode time of each sample
	data    []byte   // the samples' data, back to back
	lastDur uint32
}

// createMP4 creates path+".tmp" and writes the init segment for the
// streams whose sequence headers are given; MP3 audio, which has none, is
// described by mp3 (nil if the stream has no MP3 audio).
func createMP4(path string, opened time.Time, videoSH, audioSH *live.Packet, mp3 *mp4.Track) (*mp4File, error) {
	mf := &mp4File{path: path, opened: opened}
	if videoSH != nil {
		t, err := videoTrack(videoSH.Payload.B)
		if err != nil {
			return nil, fmt.Errorf("dvr: %s: %w", path, err)
		}
		t.ID = uint32(len(mf.tracks) + 1)
		mf.tracks = append(mf.tracks, t)
		mf.video = &mp4Track{id: t.ID, defDur: 40}
	}
	if audioSH != nil {
		t, err := audioTrack(audioSH.Payload.B)
		if err != nil {
			return nil, fmt.Errorf("dvr: %s: %w", path, err)
		}
		t.ID = uint32(len(mf.tracks) + 1)
		mf.tracks = append(mf.tracks, t)
		mf.audio = &mp4Track{id: t.ID, defDur: aacFrameDuration(t.SampleRate)}
	}
	if audioSH == nil && mp3 != nil {
		t := *mp3
		t.ID = uint32(len(mf.tracks) + 1)
		mf.tracks = append(mf.tracks, t)
		mf.audio = &mp4Track{id: t.ID, defDur: 1152 * 1000 / max(t.SampleRate, 1152)}
	}
	if len(mf.tracks) == 0 {
		return nil, fmt.Errorf("dvr: %s: %w: no AAC, H.264 or H.265 sequence header", path, ErrUnsupportedCodec)
	}
	init, err := mp4.AppendInit(nil, mf.tracks, 0)
	if err != nil {
		return nil, fmt.Errorf("dvr: %s: %w", path, err)
	}
	f, err := createTmp(path)
	if err != nil {
		return nil, err
	}
	mf.f, mf.w = f, bufio.NewWriterSize(f, writeBufferSize)
	if err := mf.write(init); err != nil {
		mf.abort()
		return nil, err
	}
	return mf, nil
}

// videoTrack describes the video of a sequence header.
func videoTrack(sh []byte) (mp4.Track, error) {
	h, err := flv.ParseVideoTagHeader(sh)
	if err != nil {
		return mp4.Track{}, err
	}
	cfg := sh[h.HeaderLen : h.HeaderLen+h.DataLen]
	t := mp4.Track{Config: cfg}
	var info flv.VideoInfo
	switch h.Codec {
	case flv.VideoCodecAVC:
		t.Codec = mp4.CodecAVC
		c, err := flv.ParseAVCConfig(cfg)
		if err != nil {
			return t, err
		}
		if len(c.SPS) > 0 {
			info, _ = flv.ParseH264SPS(c.SPS[0])
		}
	case flv.VideoCodecHEVC:
		t.Codec = mp4.CodecHEVC
		c, err := flv.ParseHEVCConfig(cfg)
		if err != nil {
			return t, err
		}
		if len(c.SPS) > 0 {
			info, _ = flv.ParseH265SPS(c.SPS[0])
		}
	default:
		return t, fmt.Errorf("%w: video %s", ErrUnsupportedCodec, h.Codec)
	}
	t.Width, t.Height = uint16(info.Width), uint16(info.Height)
	return t, nil
}

// audioTrack describes the audio of an AAC sequence header.
func audioTrack(sh []byte) (mp4.Track, error) {
	h, err := flv.ParseAudioTagHeader(sh)
	if err != nil {
		return mp4.Track{}, err
	}
	if h.Enhanced || h.SoundFormat != flv.SoundFormatAAC {
		return mp4.Track{}, fmt.Errorf("%w: audio format %d", ErrUnsupportedCodec, h.SoundFormat)
	}
	cfg := sh[h.HeaderLen : h.HeaderLen+h.DataLen]
	asc, err := flv.ParseAudioSpecificConfig(cfg)
	if err != nil {
		return mp4.Track{}, err
	}
	return mp4.Track{Codec: mp4.CodecAAC, Config: cfg, SampleRate: uint32(asc.SampleRate), Channels: uint16(asc.Channels)}, nil
}

// aacFrameDuration is the length of an AAC frame (1024 samples) in ms.
func aacFrameDuration(rate uint32) uint32 {
	if rate == 0 {
		return 23
	}
	return max(1, 1024*1000/rate)
}

func (mf *mp4File) write(b []byte) error {
	n, err := mf.w.Write(b)
	mf.off += int64(n)
	if err != nil {
		return fmt.Errorf("dvr: write %s: %w", mf.path+tmpSuffix, err)
	}
	return nil
}

func (mf *mp4File) times() *timeline { return &mf.timeline }

func (mf *mp4File) info() (string, time.Time) { return mf.path, mf.opened }

// writeMedia adds a frame to the fragment being built; a video keyframe
// (or a full fragment) first writes the fragment out.
func (mf *mp4File) writeMedia(typ uint8, streamTs uint32, payload []byte, keyframe bool) error {
	var t *mp4Track
	var data []byte
	var cts int32
	if typ == flv.TagVideo {
		h, err := flv.ParseVideoTagHeader(payload)
		if err != nil || mf.video == nil || h.PacketType != flv.AVCPacketNALU && !(h.Enhanced && (h.PacketType == flv.VideoPacketCodedFrames || h.PacketType == flv.VideoPacketCodedFramesX)) {
			return nil // sequence headers (a codec change cannot be told to an MP4 file) and what is not a frame
		}
		t, data, cts = mf.video, payload[h.HeaderLen:h.HeaderLen+h.DataLen], h.CompositionTime
	} else {
		h, err := flv.ParseAudioTagHeader(payload)
		if err != nil || mf.audio == nil || h.IsSequenceHeader() || h.Enhanced {
			return nil
		}
		t, data = mf.audio, payload[h.HeaderLen:h.HeaderLen+h.DataLen]
		keyframe = true
	}
	ts := mf.note(typ, streamTs)
	if mf.due(typ, keyframe, ts) {
		if err := mf.flush(); err != nil {
			return err
		}
	}
	if n := len(t.dts); n > 0 && ts >= t.dts[n-1] {
		t.samples[n-1].Duration = ts - t.dts[n-1]
		t.lastDur = t.samples[n-1].Duration
	}
	t.samples = append(t.samples, mp4.Sample{Size: uint32(len(data)), CompositionOffset: cts, Sync: keyframe})
	t.dts = append(t.dts, ts)
	t.data = append(t.data, data...)
	return nil
}

// due reports whether the fragment is written out before a frame at ts.
func (mf *mp4File) due(typ uint8, keyframe bool, ts uint32) bool {
	lead := mf.video
	if lead == nil {
		lead = mf.audio
	}
	if len(lead.dts) == 0 {
		return false
	}
	if mf.bufferedBytes() > maxFragmentBytes {
		return true
	}
	if typ == flv.TagVideo && keyframe {
		return true
	}
	return time.Duration(ts-lead.dts[0])*time.Millisecond >= maxFragment
}

func (mf *mp4File) bufferedBytes() int {
	n := 0
	for _, t := range []*mp4Track{mf.video, mf.audio} {
		if t != nil {
			n += len(t.data)
		}
	}
	return n
}

// flush writes the fragment built so far. A track's last sample lasts as
// long as the one before it, the next fragment's decode time being
// explicit.
func (mf *mp4File) flush() error {
	mf.runs = mf.runs[:0]
	for _, t := range []*mp4Track{mf.video, mf.audio} {
		if t == nil || len(t.samples) == 0 {
			continue
		}
		last := &t.samples[len(t.samples)-1]
		if last.Duration == 0 {
			last.Duration = t.lastDur
			if last.Duration == 0 {
				last.Duration = t.defDur
			}
		}
		mf.runs = append(mf.runs, mp4.Run{TrackID: t.id, BaseTime: uint64(t.dts[0]), Samples: t.samples})
	}
	if len(mf.runs) == 0 {
		return nil
	}
	mf.seq++
	var err error
	if mf.hdr, err = mp4.AppendFragmentHeader(mf.hdr[:0], mf.seq, mf.runs); err != nil {
		return fmt.Errorf("dvr: %s: %w", mf.path, err)
	}
	if err := mf.write(mf.hdr); err != nil {
		return err
	}
	for _, t := range []*mp4Track{mf.video, mf.audio} {
		if t == nil {
			continue
		}
		if err := mf.write(t.data); err != nil {
			return err
		}
		t.samples, t.dts, t.data = t.samples[:0], t.dts[:0], t.data[:0]
	}
	// Each fragment reaches the disk whole, so a crash leaves a playable file.
	if err := mf.w.Flush(); err != nil {
		return fmt.Errorf("dvr: write %s: %w", mf.path+tmpSuffix, err)
	}
	return nil
}

// finish writes the last fragment and the init segment again with the
// file's duration, closes the file and renames it to its path.
func (mf *mp4File) finish() (time.Duration, int64, error) {
	if err := mf.flush(); err != nil {
		mf.abort()
		return 0, 0, err
	}
	d := mf.duration()
	init, err := mp4.AppendInit(nil, mf.tracks, uint32(d.Milliseconds()))
	if err != nil {
		mf.abort()
		return 0, 0, err
	}
	if _, err := mf.f.WriteAt(init, 0); err != nil {
		mf.abort()
		return 0, 0, fmt.Errorf("dvr: update %s: %w", mf.path+tmpSuffix, err)
	}
	if err := mf.f.Close(); err != nil {
		return 0, 0, fmt.Errorf("dvr: close %s: %w", mf.path+tmpSuffix, err)
	}
	if err := os.Rename(mf.path+tmpSuffix, mf.path); err != nil {
		return 0, 0, fmt.Errorf("dvr: rename %s: %w", mf.path+tmpSuffix, err)
	}
	return d, mf.off, nil
}

func (mf *mp4File) abort() { mf.f.Close() }

// mp3Track describes MP3 audio from the header byte of an FLV audio tag
// (0 if none was seen) or else from the publisher's metadata; nil if the
// stream's audio is not MP3.
func mp3Track(header byte, md amf.ECMAArray) *mp4.Track {
	rates := [4]uint32{5512, 11025, 22050, 44100}
	if header>>4 == flv.SoundFormatMP3 {
		return &mp4.Track{Codec: mp4.CodecMP3, SampleRate: rates[header>>2&3], Channels: uint16(header&1) + 1}
	}
	if id, ok := md.GetNumber("audiocodecid"); header == 0 && ok && id == flv.SoundFormatMP3 {
		t := &mp4.Track{Codec: mp4.CodecMP3, SampleRate: 44100, Channels: 2}
		if r, ok := md.GetNumber("audiosamplerate"); ok && r > 0 && r < 1e6 {
			t.SampleRate = uint32(r)
		}
		if stereo, ok := md.GetBool("stereo"); ok && !stereo {
			t.Channels = 1
		}
		return t
	}
	return nil
}
