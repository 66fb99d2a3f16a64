package live

import (
	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/ts"
)

// Remux is the extra form a vhost's http_remux mount asks of every packet,
// picked by the mount's extension as SRS does: .ts, .aac or .mp3.
type Remux uint8

const (
	RemuxNone Remux = iota
	RemuxTS
	RemuxAAC
	RemuxMP3
)

// remuxer turns a source's packets into its Remux form, once for all
// players. It runs on the publisher's loop.
type remuxer struct {
	kind   Remux
	mux    *ts.Muxer
	video  ts.Codec
	audio  ts.Codec
	asc    ts.AudioSpecificConfig
	hasASC bool
	vps    [][]byte
	sps    [][]byte
	pps    [][]byte
	start  int64 // first media timestamp, -1 before
}

func newRemuxer(kind Remux) *remuxer { return &remuxer{kind: kind, start: -1} }

// muxerWait is how long TS muxing waits for both tracks' codecs before it
// starts with what it knows.
const muxerWait = 500

// form returns p's bytes in the remux form, or nil when p has none.
func (r *remuxer) form(p *Packet) *buffer.Buffer {
	b := p.Payload.B
	switch p.Kind {
	case KindVideo:
		if p.SeqHeader {
			r.videoConfig(b)
			return nil
		}
	case KindAudio:
		if len(b) == 0 {
			return nil
		}
		format := b[0] >> 4
		switch {
		case format == 10 && p.SeqHeader:
			if len(b) > 2 {
				if c, err := ts.ParseAudioSpecificConfig(b[2:]); err == nil {
					r.asc, r.hasASC = c, true
					if r.mux != nil {
						_ = r.mux.SetAACConfig(b[2:])
					}
				}
			}
			r.audio = ts.CodecAAC
			return nil
		case format == 10:
			r.audio = ts.CodecAAC
		case format == 2:
			r.audio = ts.CodecMP3
		}
	default:
		return nil
	}
	switch r.kind {
	case RemuxAAC:
		if p.Kind != KindAudio || r.audio != ts.CodecAAC || !r.hasASC || len(b) < 2 {
			return nil
		}
		out := buffer.Get()
		var err error
		if out.B, err = ts.AppendADTSHeader(out.B, r.asc, len(b)-2); err != nil {
			out.Release()
			return nil
		}
		out.B = append(out.B, b[2:]...)
		return out
	case RemuxMP3:
		if p.Kind != KindAudio || r.audio != ts.CodecMP3 {
			return nil
		}
		out := buffer.GetSize(len(b) - 1)
		copy(out.B, b[1:])
		return out
	case RemuxTS:
		return r.tsForm(p)
	}
	return nil
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
		r.video, r.sps, r.pps = ts.CodecH264, c.SPS, c.PPS
		if r.mux != nil && r.mux.Config().Video == ts.CodecH264 {
			_ = r.mux.SetH264Params(c.SPS, c.PPS)
		}
	case flv.VideoCodecHEVC:
		c, err := flv.ParseHEVCConfig(cfg)
		if err != nil {
			return
		}
		r.video, r.vps, r.sps, r.pps = ts.CodecH265, c.VPS, c.SPS, c.PPS
		if r.mux != nil && r.mux.Config().Video == ts.CodecH265 {
			_ = r.mux.SetH265Params(c.VPS, c.SPS, c.PPS)
		}
	}
}

func (r *remuxer) tsForm(p *Packet) *buffer.Buffer {
	if r.start < 0 {
		r.start = int64(p.Timestamp)
	}
	if r.mux == nil {
		both := r.video != ts.CodecNone && r.audio != ts.CodecNone
		if !both && int64(p.Timestamp)-r.start < muxerWait {
			return nil
		}
		m, err := ts.NewMuxer(ts.Config{Video: r.video, Audio: r.audio, PSIBeforeKeyframes: true})
		if err != nil {
			return nil
		}
		switch r.video {
		case ts.CodecH264:
			_ = m.SetH264Params(r.sps, r.pps)
		case ts.CodecH265:
			_ = m.SetH265Params(r.vps, r.sps, r.pps)
		}
		if r.hasASC {
			_ = m.SetAACConfig(r.asc.Append(nil))
		}
		r.mux = m
	}
	b := p.Payload.B
	dts := int64(p.Timestamp) * 90
	out := buffer.Get()
	var err error
	switch p.Kind {
	case KindVideo:
		if r.mux.Config().Video == ts.CodecNone {
			break
		}
		h, herr := flv.ParseVideoTagHeader(b)
		if herr != nil || h.HeaderLen > len(b) {
			break
		}
		pts := dts + int64(h.CompositionTime)*90
		out.B, err = r.mux.AppendVideo(out.B, pts, dts, p.Keyframe, b[h.HeaderLen:])
	case KindAudio:
		if r.mux.Config().Audio == ts.CodecNone {
			break
		}
		skip := 1
		if r.audio == ts.CodecAAC {
			skip = 2
		}
		if len(b) > skip {
			out.B, err = r.mux.AppendAudio(out.B, dts, b[skip:])
		}
	}
	if err != nil || len(out.B) == 0 {
		out.Release()
		return nil
	}
	return out
}

// prefix is what a player of the remux form needs before its first packet.
func (r *remuxer) prefix() []byte {
	if r.kind == RemuxTS && r.mux != nil {
		return r.mux.AppendPATPMT(nil)
	}
	return nil
}
