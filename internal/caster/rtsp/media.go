package rtsp

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/pion/rtp"

	"github.com/cascade-live/cascade/internal/caster/flvconv"
	"github.com/cascade-live/cascade/ts"
)

// ErrNoMedia reports a description without a track this server takes.
var ErrNoMedia = errors.New("rtsp: no H.264, H.265, AAC or MPEG audio track")

// track turns one media's RTP packets into frames for a Converter. pts is
// the packet's presentation time in its clock rate.
type track struct {
	media  *description.Media
	format format.Format
	decode func(conv *flvconv.Converter, pkt *rtp.Packet, pts int64) error
}

// tracks picks the first video and the first audio track of desc that the
// server takes, and primes conv with the video parameter sets of the SDP.
func tracks(desc *description.Session, conv *flvconv.Converter) ([]track, error) {
	var out []track
	var video, audio bool
	for _, m := range desc.Medias {
		for _, f := range m.Formats {
			var tr *track
			var err error
			switch f := f.(type) {
			case *format.H264:
				if !video {
					tr, err = h264Track(m, f, conv)
					video = err == nil
				}
			case *format.H265:
				if !video {
					tr, err = h265Track(m, f, conv)
					video = err == nil
				}
			case *format.MPEG4Audio:
				if !audio {
					tr, err = aacTrack(m, f)
					audio = err == nil
				}
			case *format.MPEG1Audio:
				if !audio {
					tr, err = mpegAudioTrack(m, f)
					audio = err == nil
				}
			}
			if err != nil {
				return nil, err
			}
			if tr != nil {
				out = append(out, *tr)
			}
		}
	}
	if len(out) == 0 {
		return nil, ErrNoMedia
	}
	return out, nil
}

// ticks90k converts a time in rate ticks to the 90 kHz clock.
func ticks90k(t int64, rate int) int64 {
	if rate == ts.ClockRate || rate <= 0 {
		return t
	}
	return t * ts.ClockRate / int64(rate)
}

// tolerable reports the decoder errors that only mean "not a whole access
// unit yet" or a loss the next keyframe repairs.
func tolerable(err error) bool {
	return errors.Is(err, rtph264.ErrMorePacketsNeeded) || errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious) ||
		errors.Is(err, rtph265.ErrMorePacketsNeeded) || errors.Is(err, rtph265.ErrNonStartingPacketAndNoPrevious)
}

// videoCodec is what differs between H.264 and H.265 tracks.
type videoCodec struct {
	codec   ts.Codec
	params  [][]byte // parameter sets of the SDP, in NAL type order (VPS,) SPS, PPS
	first   uint8    // NAL type of params[0]
	nalType func([]byte) uint8
	random  func([][]byte) bool
	dts     func() dtsExtractor
}

type dtsExtractor interface {
	Extract(au [][]byte, pts int64) (int64, error)
}

func h264Track(m *description.Media, f *format.H264, conv *flvconv.Converter) (*track, error) {
	dec, err := f.CreateDecoder()
	if err != nil {
		return nil, fmt.Errorf("rtsp: H.264 decoder: %w", err)
	}
	return videoTrack(m, f, dec.Decode, conv, videoCodec{
		codec: ts.CodecH264, params: [][]byte{f.SPS, f.PPS}, first: ts.H264NALSPS,
		nalType: ts.H264NALType, random: h264.IsRandomAccess,
		dts: func() dtsExtractor { return h264.NewDTSExtractor() },
	}), nil
}

func h265Track(m *description.Media, f *format.H265, conv *flvconv.Converter) (*track, error) {
	dec, err := f.CreateDecoder()
	if err != nil {
		return nil, fmt.Errorf("rtsp: H.265 decoder: %w", err)
	}
	return videoTrack(m, f, dec.Decode, conv, videoCodec{
		codec: ts.CodecH265, params: [][]byte{f.VPS, f.SPS, f.PPS}, first: ts.H265NALVPS,
		nalType: ts.H265NALType, random: h265.IsRandomAccess,
		dts: func() dtsExtractor { return h265.NewDTSExtractor() },
	}), nil
}

// videoTrack decodes access units (FU-A/STAP-A or their H.265 forms are
// the decoder's), finds their DTS and writes them.
func videoTrack(m *description.Media, f format.Format, decode func(*rtp.Packet) ([][]byte, error), conv *flvconv.Converter, vc videoCodec) *track {
	params := make([][]byte, len(vc.params))
	for i, p := range vc.params {
		params[i] = bytes.Clone(p)
	}
	if vc.codec == ts.CodecH264 {
		conv.SetParams(vc.codec, nil, params[0], params[1])
	} else {
		conv.SetParams(vc.codec, params[0], params[1], params[2])
	}
	var dts dtsExtractor
	var last int64 // the DTS of the access unit before
	started := false
	return &track{media: m, format: f, decode: func(conv *flvconv.Converter, pkt *rtp.Packet, pts int64) error {
		au, err := decode(pkt)
		if err != nil {
			if tolerable(err) {
				return nil
			}
			return err
		}
		random := vc.random(au)
		au = withParams(au, params, func(n []byte) int { return int(vc.nalType(n)) - int(vc.first) }, random)
		if dts == nil {
			if !random {
				return nil // the DTS extractor starts at a keyframe
			}
			dts = vc.dts()
		}
		d, err := dts.Extract(au, pts)
		if started && (err != nil || d <= last) {
			// The extractor's picture order count arithmetic does not fit
			// every encoder's reordering: keep decode order right (DTS
			// just after the previous one) rather than drop the frame.
			d = last + 1
		} else if err != nil {
			d = pts
		}
		last, started = d, true
		return conv.WriteVideo(vc.codec, pts, d, au)
	}}
}

func aacTrack(m *description.Media, f *format.MPEG4Audio) (*track, error) {
	if f.Config == nil {
		return nil, fmt.Errorf("rtsp: AAC track without config: %w", ErrNoMedia)
	}
	asc, err := f.Config.Marshal()
	if err != nil {
		return nil, fmt.Errorf("rtsp: AAC config: %w", err)
	}
	dec, err := f.CreateDecoder()
	if err != nil {
		return nil, fmt.Errorf("rtsp: AAC decoder: %w", err)
	}
	rate := f.ClockRate()
	return &track{media: m, format: f, decode: func(conv *flvconv.Converter, pkt *rtp.Packet, pts int64) error {
		aus, err := dec.Decode(pkt)
		if err != nil {
			return err
		}
		for i, au := range aus {
			if err := conv.WriteAAC(ticks90k(pts+int64(i)*1024, rate), asc, au); err != nil {
				return err
			}
		}
		return nil
	}}, nil
}

func mpegAudioTrack(m *description.Media, f *format.MPEG1Audio) (*track, error) {
	dec, err := f.CreateDecoder()
	if err != nil {
		return nil, fmt.Errorf("rtsp: MPEG audio decoder: %w", err)
	}
	rate := f.ClockRate()
	return &track{media: m, format: f, decode: func(conv *flvconv.Converter, pkt *rtp.Packet, pts int64) error {
		frames, err := dec.Decode(pkt)
		if err != nil {
			return err
		}
		t := ticks90k(pts, rate)
		for _, fr := range frames {
			if err := conv.WriteMPEGAudio(t, fr); err != nil {
				return err
			}
			if h, err := ts.ParseMPEGAudioHeader(fr); err == nil {
				t += int64(h.Samples) * ts.ClockRate / int64(h.SampleRate)
			}
		}
		return nil
	}}, nil
}

// withParams keeps params (indexed by index(NAL unit)) up to date with the
// access unit's parameter sets, and puts them in front of a random access
// unit that lacks them, as the DTS extractors and players need: many
// cameras send them only in the SDP.
func withParams(au, params [][]byte, index func([]byte) int, random bool) [][]byte {
	has := false
	for _, n := range au {
		if i := index(n); i >= 0 && i < len(params) {
			params[i] = append(params[i][:0], n...)
			has = true
		}
	}
	if !random || has {
		return au
	}
	out := make([][]byte, 0, len(params)+len(au))
	for _, p := range params {
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return append(out, au...)
}
