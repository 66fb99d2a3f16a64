package mp4

import (
	"errors"
	"fmt"
)

// Codec names a track's sample entry.
type Codec string

// Codecs a Track may hold.
const (
	CodecAVC  Codec = "avc1" // H.264; Config is an AVCDecoderConfigurationRecord
	CodecHEVC Codec = "hvc1" // H.265; Config is an HEVCDecoderConfigurationRecord
	CodecAAC  Codec = "mp4a" // AAC; Config is an AudioSpecificConfig
	CodecMP3  Codec = ".mp3" // MP3 (MPEG-1/2 layer III); no Config
)

// ErrUnsupportedCodec is returned for a Track whose Codec this package
// cannot describe.
var ErrUnsupportedCodec = errors.New("mp4: unsupported codec")

// Timescale is the number of units per second of the files this package
// writes: milliseconds, the unit of RTMP and FLV timestamps.
const Timescale = 1000

// Track describes one track of a file.
type Track struct {
	ID     uint32 // 1 and up
	Codec  Codec
	Config []byte // the codec's decoder configuration (see the Codec constants)

	Width, Height uint16 // video only

	SampleRate uint32 // audio only, in Hz
	Channels   uint16 // audio only
}

func (t Track) video() bool { return t.Codec == CodecAVC || t.Codec == CodecHEVC }

// AppendInit appends an init segment, ftyp then moov, for tracks to b.
// duration, in Timescale units, is the length of the whole file when it is
// known (0 while recording); an init segment's size does not depend on it,
// so it can be written again over the first one when the file is complete.
func AppendInit(b []byte, tracks []Track, duration uint32) ([]byte, error) {
	if len(tracks) == 0 {
		return b, errors.New("mp4: init segment without tracks")
	}
	// ftyp: brands MSE implementations accept for fragmented files.
	b, ftyp := beginBox(b, "ftyp")
	b = append(b, "iso5"...)
	b = u32(b, 512)
	b = append(b, "iso5iso6mp41"...)
	b = endBox(b, ftyp)

	b, moov := beginBox(b, "moov")
	b = appendMvhd(b, duration, tracks)
	for _, t := range tracks {
		var err error
		if b, err = appendTrak(b, t, duration); err != nil {
			return b, err
		}
	}
	b, mvex := beginBox(b, "mvex")
	b, mehd := beginFullBox(b, "mehd", 0, 0)
	b = u32(b, duration)
	b = endBox(b, mehd)
	for _, t := range tracks {
		var trex int
		b, trex = beginFullBox(b, "trex", 0, 0)
		b = u32(b, t.ID)
		b = u32(b, 1) // default sample description index
		b = u32(b, 0) // default duration
		b = u32(b, 0) // default size
		b = u32(b, 0) // default flags
		b = endBox(b, trex)
	}
	b = endBox(b, mvex)
	return endBox(b, moov), nil
}

func appendMvhd(b []byte, duration uint32, tracks []Track) []byte {
	b, box := beginFullBox(b, "mvhd", 0, 0)
	b = u32(b, 0) // creation time
	b = u32(b, 0) // modification time
	b = u32(b, Timescale)
	b = u32(b, duration)
	b = u32(b, 0x00010000) // rate 1.0
	b = u16(b, 0x0100)     // volume 1.0
	b = zeros(b, 10)
	b = appendMatrix(b)
	b = zeros(b, 24) // pre_defined
	next := uint32(1)
	for _, t := range tracks {
		next = max(next, t.ID+1)
	}
	b = u32(b, next)
	return endBox(b, box)
}

func appendTrak(b []byte, t Track, duration uint32) ([]byte, error) {
	b, trak := beginBox(b, "trak")
	b, tkhd := beginFullBox(b, "tkhd", 0, 3) // enabled, in movie
	b = u32(b, 0)
	b = u32(b, 0)
	b = u32(b, t.ID)
	b = u32(b, 0)
	b = u32(b, duration)
	b = zeros(b, 8)
	b = u16(b, 0) // layer
	b = u16(b, 0) // alternate group
	if t.video() {
		b = u16(b, 0)
	} else {
		b = u16(b, 0x0100)
	}
	b = u16(b, 0)
	b = appendMatrix(b)
	b = u32(b, uint32(t.Width)<<16)
	b = u32(b, uint32(t.Height)<<16)
	b = endBox(b, tkhd)

	b, mdia := beginBox(b, "mdia")
	b, mdhd := beginFullBox(b, "mdhd", 0, 0)
	b = u32(b, 0)
	b = u32(b, 0)
	b = u32(b, Timescale)
	b = u32(b, duration)
	b = u16(b, 0x55c4) // language "und"
	b = u16(b, 0)
	b = endBox(b, mdhd)
	b, hdlr := beginFullBox(b, "hdlr", 0, 0)
	b = u32(b, 0)
	name := "SoundHandler"
	if t.video() {
		b = append(b, "vide"...)
		name = "VideoHandler"
	} else {
		b = append(b, "soun"...)
	}
	b = zeros(b, 12)
	b = append(append(b, name...), 0)
	b = endBox(b, hdlr)

	b, minf := beginBox(b, "minf")
	if t.video() {
		var vmhd int
		b, vmhd = beginFullBox(b, "vmhd", 0, 1)
		b = zeros(b, 8)
		b = endBox(b, vmhd)
	} else {
		var smhd int
		b, smhd = beginFullBox(b, "smhd", 0, 0)
		b = zeros(b, 4)
		b = endBox(b, smhd)
	}
	b, dinf := beginBox(b, "dinf")
	b, dref := beginFullBox(b, "dref", 0, 0)
	b = u32(b, 1)
	b, url := beginFullBox(b, "url ", 0, 1) // media in this file
	b = endBox(b, url)
	b = endBox(b, dref)
	b = endBox(b, dinf)

	b, stbl := beginBox(b, "stbl")
	b, stsd := beginFullBox(b, "stsd", 0, 0)
	b = u32(b, 1)
	var err error
	if b, err = appendSampleEntry(b, t); err != nil {
		return b, err
	}
	b = endBox(b, stsd)
	// The samples are all in fragments: empty tables.
	for _, typ := range []string{"stts", "stsc", "stco"} {
		var box int
		b, box = beginFullBox(b, typ, 0, 0)
		b = u32(b, 0)
		b = endBox(b, box)
	}
	b, stsz := beginFullBox(b, "stsz", 0, 0)
	b = u32(b, 0)
	b = u32(b, 0)
	b = endBox(b, stsz)
	b = endBox(b, stbl)
	b = endBox(b, minf)
	b = endBox(b, mdia)
	return endBox(b, trak), nil
}

func appendSampleEntry(b []byte, t Track) ([]byte, error) {
	switch t.Codec {
	case CodecAVC, CodecHEVC:
		if len(t.Config) == 0 {
			return b, fmt.Errorf("%w: %s without a decoder configuration", ErrUnsupportedCodec, t.Codec)
		}
		var entry, c int
		b, entry = beginBox(b, string(t.Codec))
		b = zeros(b, 6)
		b = u16(b, 1) // data reference index
		b = zeros(b, 16)
		b = u16(b, t.Width)
		b = u16(b, t.Height)
		b = u32(b, 0x00480000) // 72 dpi
		b = u32(b, 0x00480000)
		b = u32(b, 0)
		b = u16(b, 1)    // frame count
		b = zeros(b, 32) // compressor name
		b = u16(b, 0x0018)
		b = u16(b, 0xffff)
		cfg := "avcC"
		if t.Codec == CodecHEVC {
			cfg = "hvcC"
		}
		b, c = beginBox(b, cfg)
		b = append(b, t.Config...)
		b = endBox(b, c)
		return endBox(b, entry), nil
	case CodecAAC, CodecMP3:
		if t.Codec == CodecAAC && len(t.Config) == 0 {
			return b, fmt.Errorf("%w: AAC without an AudioSpecificConfig", ErrUnsupportedCodec)
		}
		var entry int
		b, entry = beginBox(b, "mp4a")
		b = zeros(b, 6)
		b = u16(b, 1)
		b = zeros(b, 8)
		b = u16(b, t.Channels)
		b = u16(b, 16) // sample size
		b = zeros(b, 4)
		rate := t.SampleRate
		if rate > 0xffff {
			rate = 0 // does not fit 16.16; the decoder configuration says
		}
		b = u32(b, rate<<16)
		b = appendEsds(b, t)
		return endBox(b, entry), nil
	}
	return b, fmt.Errorf("%w: %q", ErrUnsupportedCodec, t.Codec)
}

// Object type indications of the esds DecoderConfigDescriptor.
const (
	objectTypeAAC = 0x40 // MPEG-4 audio
	objectTypeMP3 = 0x6b // MPEG-1 audio
)

// appendEsds appends the esds box: an ES_Descriptor holding a
// DecoderConfigDescriptor (with the AudioSpecificConfig for AAC) and an
// SLConfigDescriptor.
func appendEsds(b []byte, t Track) []byte {
	b, esds := beginFullBox(b, "esds", 0, 0)
	var dsi []byte
	oti := byte(objectTypeMP3)
	if t.Codec == CodecAAC {
		oti = objectTypeAAC
		dsi = appendDescriptor(nil, 0x05, t.Config)
	}
	dcd := []byte{oti, 0x15, 0, 0, 0} // stream type audio (5), buffer size 0
	dcd = u32(dcd, 0)                 // max bitrate
	dcd = u32(dcd, 0)                 // average bitrate
	dcd = append(dcd, dsi...)
	es := []byte{0, 0, 0} // ES_ID 0, no flags
	es = appendDescriptor(es, 0x04, dcd)
	es = appendDescriptor(es, 0x06, []byte{0x02}) // SL config: predefined MP4
	b = appendDescriptor(b, 0x03, es)
	return endBox(b, esds)
}

// appendDescriptor appends an MPEG-4 descriptor, its length in the
// four-byte expandable form.
func appendDescriptor(b []byte, tag byte, body []byte) []byte {
	n := len(body)
	b = append(b, tag, 0x80|byte(n>>21&0x7f), 0x80|byte(n>>14&0x7f), 0x80|byte(n>>7&0x7f), byte(n&0x7f))
	return append(b, body...)
}
