package live

import (
	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/ts"
)

// Remux is what a vhost's http_remux mount serves besides FLV, picked by
// the mount's extension as SRS does: .ts (the TS form, FormTS), .aac or
// .mp3 (the audio form, FormRemux).
type Remux uint8

const (
	RemuxNone Remux = iota
	RemuxTS
	RemuxAAC
	RemuxMP3
)

// remuxer makes a source's forms other than RTMP and FLV, once for all
// players, on the publisher's side: the audio form of an .aac or .mp3
// mount, and MPEG-TS while anything may play it. It follows the codecs of
// every packet (a few branches; configurations are parsed from sequence
// headers only) so that the TS muxer can start at any time.
type remuxer struct {
	video  ts.Codec
	audio  ts.Codec
	asc    ts.AudioSpecificConfig
	hasASC bool
	vps    [][]byte
	sps    [][]byte
	pps    [][]byte
	lsize  int       // NAL unit length size of the avcC/hvcC
	params int       // bytes of the parameter sets put before keyframes
	start  int64     // first media timestamp, -1 before
	mux    *ts.Muxer // the TS form's; nil while nobody needs it
}

// muxerWait is how long TS muxing waits for both tracks' codecs before it
// starts with what it knows.
const muxerWait = 500

// learn records what p says of the codecs and reports whether p is a media
// frame to remux.
func (r *remuxer) learn(p *Packet) bool {
	b := p.Payload.B
	switch p.Kind {
	case KindVideo:
		if p.SeqHeader {
			r.videoConfig(b)
			return false
		}
		return true
	case KindAudio:
		if len(b) == 0 {
			return false
		}
		switch b[0] >> 4 {
		case flv.SoundFormatAAC:
			r.audio = ts.CodecAAC
			if p.SeqHeader {
				r.audioConfig(b)
				return false
			}
		case flv.SoundFormatMP3, flv.SoundFormatMP38k:
			r.audio = ts.CodecMP3
		default:
			return false
		}
		return true
	}
	return false
}

func (r *remuxer) audioConfig(b []byte) {
	if len(b) <= 2 {
		return
	}
	c, err := ts.ParseAudioSpecificConfig(b[2:])
	if err != nil {
		return
	}
	r.asc, r.hasASC = c, true
	if r.mux != nil && r.mux.Config().Audio == ts.CodecAAC {
		_ = r.mux.SetAACConfig(b[2:])
	}
}

func (r *remuxer) videoConfig(b []byte) {
	h, err := flv.ParseVideoTagHeader(b)
	if err != nil || h.HeaderLen > len(b) {
		return
	}
	cfg := b[h.HeaderLen:]
	switch h.Codec {
	case flv.VideoCodecAVC:
		c, err := flv.ParseAVCConfig(cfg)
		if err != nil {
			return
		}
		r.video, r.vps, r.sps, r.pps, r.lsize = ts.CodecH264, nil, c.SPS, c.PPS, c.LengthSize
	case flv.VideoCodecHEVC:
		c, err := flv.ParseHEVCConfig(cfg)
		if err != nil {
			return
		}
		r.video, r.vps, r.sps, r.pps, r.lsize = ts.CodecH265, c.VPS, c.SPS, c.PPS, c.LengthSize
	default:
		return
	}
	r.params = 0
	for _, list := range [...][][]byte{r.vps, r.sps, r.pps} {
		for _, nalu := range list {
			r.params += 4 + len(nalu) // a start code each
		}
	}
	if r.mux != nil {
		r.setVideoParams()
	}
}

// setVideoParams hands the video configuration to the muxer when it is of
// the muxer's codec.
func (r *remuxer) setVideoParams() {
	switch v := r.mux.Config().Video; {
	case v == ts.CodecH264 && r.video == ts.CodecH264:
		_ = r.mux.SetH264Params(r.sps, r.pps)
	case v == ts.CodecH265 && r.video == ts.CodecH265:
		_ = r.mux.SetH265Params(r.vps, r.sps, r.pps)
	default:
		return
	}
	if r.lsize > 0 {
		_ = r.mux.SetNALULengthSize(r.lsize)
	}
}

// audioForm returns media packet p as an ADTS (kind RemuxAAC) or MP3
// (RemuxMP3) frame, or nil.
func (r *remuxer) audioForm(p *Packet, kind Remux) *buffer.Buffer {
	b := p.Payload.B
	switch {
	case p.Kind != KindAudio:
		return nil
	case kind == RemuxAAC && r.audio == ts.CodecAAC && r.hasASC && len(b) >= 2:
		out := sized(ts.ADTSHeaderSize + len(b) - 2)
		var err error
		if out.B, err = ts.AppendADTSHeader(out.B, r.asc, len(b)-2); err != nil {
			out.Release()
			return nil
		}
		out.B = append(out.B, b[2:]...)
		return out
	case kind == RemuxMP3 && r.audio == ts.CodecMP3:
		out := buffer.GetSize(len(b) - 1)
		copy(out.B, b[1:])
		return out
	}
	return nil
}

// startTS starts the TS muxer once both tracks' codecs are known (or
// muxerWait passed) and returns PAT and PMT, the start of the form; nil
// when it is not time yet.
func (r *remuxer) startTS(p *Packet) []byte {
	if r.start < 0 {
		r.start = int64(p.Timestamp)
	}
	both := r.video != ts.CodecNone && r.audio != ts.CodecNone
	if !both && int64(p.Timestamp)-r.start < muxerWait {
		return nil
	}
	m, err := ts.NewMuxer(ts.Config{Video: r.video, Audio: r.audio, PSIBeforeKeyframes: true})
	if err != nil {
		return nil
	}
	r.mux = m
	if r.video != ts.CodecNone {
		r.setVideoParams()
	}
	if r.hasASC && r.audio == ts.CodecAAC {
		_ = m.SetAACConfig(r.asc.Append(nil))
	}
	return m.AppendPATPMT(nil)
}

// stopTS drops the TS muxer: nobody needs the form.
func (r *remuxer) stopTS() { r.mux = nil }

// tsForm returns media packet p as TS packets, after psi when the muxer
// just started, or nil.
func (r *remuxer) tsForm(p *Packet, psi []byte) *buffer.Buffer {
	b := p.Payload.B
	dts := int64(p.Timestamp) * 90
	out := sized(len(psi) + tsSize(len(b)+r.params+tsOverhead))
	out.B = append(out.B, psi...)
	switch p.Kind {
	case KindVideo:
		if r.mux.Config().Video == ts.CodecNone {
			break
		}
		h, herr := flv.ParseVideoTagHeader(b)
		if herr != nil || h.HeaderLen > len(b) || h.IsCommand() ||
			(h.PacketType != flv.VideoPacketCodedFrames && h.PacketType != flv.VideoPacketCodedFramesX) {
			break
		}
		pts := dts + int64(h.CompositionTime)*90
		out.B, _ = r.mux.AppendVideo(out.B, pts, dts, p.Keyframe, b[h.HeaderLen:])
	case KindAudio:
		if r.mux.Config().Audio == ts.CodecNone {
			break
		}
		skip := 1
		if r.audio == ts.CodecAAC {
			skip = 2
		}
		if len(b) > skip {
			out.B, _ = r.mux.AppendAudio(out.B, dts, b[skip:])
		}
	}
	// A frame the muxer refuses leaves out as it was (a bad frame is
	// dropped from the form, as from a player's view of the stream).
	if len(out.B) == 0 {
		out.Release()
		return nil
	}
	return out
}

// tsOverhead bounds what muxing adds to a frame besides its parameter sets:
// PES header, ADTS header, access unit delimiter, start codes.
const tsOverhead = 256

// tsSize is the size of the TS packets that carry n bytes.
func tsSize(n int) int { return (n + ts.PacketSize - 5) / (ts.PacketSize - 4) * ts.PacketSize }

// sized returns an empty pooled buffer with room for n bytes, so that the
// form is written without growing (which would allocate).
func sized(n int) *buffer.Buffer {
	out := buffer.GetSize(n)
	out.B = out.B[:0]
	return out
}
