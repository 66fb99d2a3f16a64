package ts

import (
	"fmt"

	"github.com/cascade-live/cascade/buffer"
)

// DefaultNALULengthSize is the NAL unit length size of FLV/RTMP video
// (lengthSizeMinusOne 3 in avcC and hvcC).
const DefaultNALULengthSize = 4

// Config describes the program a Muxer writes.
type Config struct {
	// Video is CodecH264, CodecH265 or CodecNone for an audio-only program.
	Video Codec
	// Audio is CodecAAC, CodecMP3 or CodecNone for a video-only program.
	Audio Codec
	// NALULengthSize is the size of the NAL unit lengths in video frames:
	// 1, 2 or 4; 0 means DefaultNALULengthSize.
	NALULengthSize int
	// PSIBeforeKeyframes makes AppendVideo write PAT and PMT before every
	// keyframe, so that each keyframe starts a decodable stream (an HLS
	// segment, or the join point of an HTTP-TS reader).
	PSIBeforeKeyframes bool
}

// Muxer writes one program into a transport stream. It is not safe for
// concurrent use; its output bytes are the caller's.
type Muxer struct {
	cfg    Config
	pcrPID uint16

	patCC, pmtCC, videoCC, audioCC uint8

	pat, pmt []byte // complete PSI sections

	params []byte // Annex B parameter sets put before keyframes
	adts   adtsParams
	hasAAC bool

	// Scratch space reused by every frame.
	pesHeader [pesMaxHeaderSize]byte
	adtsHead  [ADTSHeaderSize]byte
	pieces    [][]byte
}

// NewMuxer returns a muxer for the program described by cfg.
func NewMuxer(cfg Config) (*Muxer, error) {
	switch cfg.Video {
	case CodecNone, CodecH264, CodecH265:
	default:
		return nil, fmt.Errorf("%w: %v as video", ErrUnsupportedCodec, cfg.Video)
	}
	switch cfg.Audio {
	case CodecNone, CodecAAC, CodecMP3:
	default:
		return nil, fmt.Errorf("%w: %v as audio", ErrUnsupportedCodec, cfg.Audio)
	}
	if cfg.Video == CodecNone && cfg.Audio == CodecNone {
		return nil, fmt.Errorf("%w: program without streams", ErrNoStream)
	}
	if cfg.NALULengthSize == 0 {
		cfg.NALULengthSize = DefaultNALULengthSize
	}
	if err := checkLengthSize(cfg.NALULengthSize); err != nil {
		return nil, err
	}

	m := &Muxer{cfg: cfg, pcrPID: PIDVideo}
	streams := make([]pmtStream, 0, 2)
	if cfg.Video != CodecNone {
		streams = append(streams, pmtStream{cfg.Video.StreamType(), PIDVideo})
	} else {
		m.pcrPID = PIDAudio
	}
	if cfg.Audio != CodecNone {
		streams = append(streams, pmtStream{cfg.Audio.StreamType(), PIDAudio})
	}
	m.pat = appendPATSection(nil, TransportStreamID, ProgramNumber, PIDPMT)
	m.pmt = appendPMTSection(nil, ProgramNumber, m.pcrPID, streams)
	return m, nil
}

// Config returns the muxer's configuration, defaults filled in.
func (m *Muxer) Config() Config { return m.cfg }

// SetNALULengthSize changes the NAL unit length size of the video frames
// that follow (1, 2 or 4), as announced by a new avcC or hvcC.
func (m *Muxer) SetNALULengthSize(n int) error {
	if err := checkLengthSize(n); err != nil {
		return err
	}
	m.cfg.NALULengthSize = n
	return nil
}

// SetH264Params sets the sequence and picture parameter sets (NAL units
// without start codes or lengths, as in avcC) written before each keyframe.
func (m *Muxer) SetH264Params(sps, pps [][]byte) error {
	if m.cfg.Video != CodecH264 {
		return fmt.Errorf("%w: H.264 parameter sets for %v video", ErrNoStream, m.cfg.Video)
	}
	return m.setParams(sps, pps)
}

// SetH265Params sets the video, sequence and picture parameter sets (NAL
// units without start codes or lengths, as in hvcC) written before each
// keyframe.
func (m *Muxer) SetH265Params(vps, sps, pps [][]byte) error {
	if m.cfg.Video != CodecH265 {
		return fmt.Errorf("%w: H.265 parameter sets for %v video", ErrNoStream, m.cfg.Video)
	}
	return m.setParams(vps, sps, pps)
}

func (m *Muxer) setParams(lists ...[][]byte) error {
	params := m.params[:0]
	for _, list := range lists {
		for _, nalu := range list {
			if len(nalu) == 0 {
				return fmt.Errorf("parameter set: %w", ErrEmptyFrame)
			}
			params = append(append(params, startCode...), nalu...)
		}
	}
	m.params = params
	return nil
}

// SetAACConfig sets the AudioSpecificConfig (the payload of the FLV/RTMP
// AAC sequence header) used to wrap raw AAC frames in ADTS. A sampling rate
// given explicitly is accepted when ADTS has an index for it.
func (m *Muxer) SetAACConfig(asc []byte) error {
	if m.cfg.Audio != CodecAAC {
		return fmt.Errorf("%w: AAC configuration for %v audio", ErrNoStream, m.cfg.Audio)
	}
	c, err := ParseAudioSpecificConfig(asc)
	if err != nil {
		return err
	}
	p, err := newADTSParams(c)
	if err != nil {
		return err
	}
	m.adts, m.hasAAC = p, true
	return nil
}

// AppendPATPMT appends a PAT and a PMT packet to dst. Call it at the start
// of the stream and of every HLS segment.
func (m *Muxer) AppendPATPMT(dst []byte) []byte {
	dst = appendSectionPacket(dst, PIDPAT, &m.patCC, m.pat)
	return appendSectionPacket(dst, PIDPMT, &m.pmtCC, m.pmt)
}

// AppendVideo appends the TS packets of one video access unit to dst. data
// holds the access unit's NAL units, each preceded by its length
// (Config.NALULengthSize bytes), as in FLV/RTMP. pts and dts are in 90 kHz
// ticks. An access unit delimiter is put first unless data has one, and
// the parameter sets before a keyframe's first NAL unit other than an
// access unit delimiter, unless data carries an SPS. On error dst is
// returned unchanged.
func (m *Muxer) AppendVideo(dst []byte, pts, dts int64, keyframe bool, data []byte) ([]byte, error) {
	if m.cfg.Video == CodecNone {
		return dst, fmt.Errorf("video frame: %w", ErrNoStream)
	}
	pieces, size, err := m.videoPieces(keyframe, data)
	if err != nil {
		return dst, fmt.Errorf("%v frame at dts %d: %w", m.cfg.Video, dts, err)
	}
	hdr := appendPESHeader(m.pesHeader[:0], StreamIDVideo, pts, dts, size, false)
	pieces[0] = hdr
	if keyframe && m.cfg.PSIBeforeKeyframes {
		dst = m.AppendPATPMT(dst)
	}
	pcr := int64(noPCR)
	if m.pcrPID == PIDVideo {
		pcr = dts
	}
	return appendPES(dst, PIDVideo, &m.videoCC, pieces, len(hdr)+size, pcr, keyframe), nil
}

// videoPieces lists the Annex B pieces of a video access unit behind a
// placeholder for the PES header, and returns their total size.
func (m *Muxer) videoPieces(keyframe bool, data []byte) ([][]byte, int, error) {
	hasAUD, hasSPS, err := m.scanAccessUnit(data)
	if err != nil {
		return nil, 0, err
	}
	pieces := append(m.pieces[:0], nil) // the PES header
	size := 0
	add := func(b []byte) {
		pieces = append(pieces, b)
		size += len(b)
	}
	if !hasAUD {
		if m.cfg.Video == CodecH265 {
			add(h265AUD)
		} else {
			add(h264AUD)
		}
	}
	needParams := keyframe && !hasSPS && len(m.params) > 0
	for rest := data; len(rest) > 0; {
		nalu, r, _ := nextNALU(rest, m.cfg.NALULengthSize) // checked by scanAccessUnit
		rest = r
		if len(nalu) == 0 {
			continue
		}
		if needParams {
			if isAUD, _ := m.classify(nalu); !isAUD {
				add(m.params)
				needParams = false
			}
		}
		add(startCode)
		add(nalu)
	}
	m.pieces = pieces
	return pieces, size, nil
}

// scanAccessUnit checks the NAL unit lengths of an access unit and reports
// whether it has an access unit delimiter and a sequence parameter set.
func (m *Muxer) scanAccessUnit(data []byte) (hasAUD, hasSPS bool, err error) {
	count := 0
	for rest := data; len(rest) > 0; {
		nalu, r, err := nextNALU(rest, m.cfg.NALULengthSize)
		if err != nil {
			return false, false, err
		}
		rest = r
		if len(nalu) == 0 {
			continue
		}
		count++
		aud, sps := m.classify(nalu)
		hasAUD, hasSPS = hasAUD || aud, hasSPS || sps
	}
	if count == 0 {
		return false, false, ErrEmptyFrame
	}
	return hasAUD, hasSPS, nil
}

// classify tells whether a NAL unit of the video codec is an access unit
// delimiter or a sequence parameter set.
func (m *Muxer) classify(nalu []byte) (aud, sps bool) {
	if m.cfg.Video == CodecH265 {
		t := H265NALType(nalu)
		return t == H265NALAUD, t == H265NALSPS
	}
	t := H264NALType(nalu)
	return t == H264NALAUD, t == H264NALSPS
}

// AppendAudio appends the TS packets of one audio frame to dst: a raw AAC
// frame (wrapped here in ADTS; a frame that already is one complete ADTS
// frame is kept as it is) or an MP3 frame. pts is in 90 kHz ticks. On error
// dst is returned unchanged.
func (m *Muxer) AppendAudio(dst []byte, pts int64, data []byte) ([]byte, error) {
	if m.cfg.Audio == CodecNone {
		return dst, fmt.Errorf("audio frame: %w", ErrNoStream)
	}
	if len(data) == 0 {
		return dst, fmt.Errorf("%v frame at pts %d: %w", m.cfg.Audio, pts, ErrEmptyFrame)
	}
	pieces := append(m.pieces[:0], nil)
	size := len(data)
	if m.cfg.Audio == CodecAAC && !isADTSFrame(data) {
		if !m.hasAAC {
			return dst, fmt.Errorf("AAC frame at pts %d: %w", pts, ErrNoAACConfig)
		}
		if len(data) > ADTSMaxFrameSize-ADTSHeaderSize {
			return dst, fmt.Errorf("AAC frame at pts %d: %w: %d bytes", pts, ErrFrameTooLarge, len(data))
		}
		adts := m.adts.appendHeader(m.adtsHead[:0], len(data))
		pieces = append(pieces, adts)
		size += len(adts)
	}
	pieces = append(pieces, data)
	m.pieces = pieces
	if pesOptionalSize+timestampSize+size > pesMaxLength {
		return dst, fmt.Errorf("%v frame at pts %d: %w: %d bytes", m.cfg.Audio, pts, ErrFrameTooLarge, size)
	}
	hdr := appendPESHeader(m.pesHeader[:0], StreamIDAudio, pts, pts, size, true)
	pieces[0] = hdr
	pcr := int64(noPCR)
	if m.pcrPID == PIDAudio {
		pcr = pts
	}
	return appendPES(dst, PIDAudio, &m.audioCC, pieces, len(hdr)+size, pcr, true), nil
}

// isADTSFrame reports whether b is exactly one ADTS frame.
func isADTSFrame(b []byte) bool {
	h, err := ParseADTS(b)
	return err == nil && h.FrameLength == len(b)
}

// WritePATPMT appends a PAT and a PMT packet to dst.B.
func (m *Muxer) WritePATPMT(dst *buffer.Buffer) {
	dst.B = m.AppendPATPMT(dst.B)
}

// WriteVideo appends the TS packets of one video access unit to dst.B;
// see AppendVideo.
func (m *Muxer) WriteVideo(dst *buffer.Buffer, pts, dts int64, keyframe bool, data []byte) error {
	var err error
	dst.B, err = m.AppendVideo(dst.B, pts, dts, keyframe, data)
	return err
}

// WriteAudio appends the TS packets of one audio frame to dst.B; see
// AppendAudio.
func (m *Muxer) WriteAudio(dst *buffer.Buffer, pts int64, data []byte) error {
	var err error
	dst.B, err = m.AppendAudio(dst.B, pts, data)
	return err
}
