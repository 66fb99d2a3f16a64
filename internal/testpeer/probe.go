package testpeer

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ProbeResult is what ffprobe reports about a file or stream.
type ProbeResult struct {
	Format  ProbeFormat
	Streams []ProbeStream
}

// ProbeFormat describes the container. Unknown numbers are 0.
type ProbeFormat struct {
	Filename  string
	Name      string // format_name, e.g. "flv" or "mpegts"
	LongName  string
	NbStreams int
	StartTime float64 // seconds
	Duration  float64 // seconds
	Size      int64   // bytes
	BitRate   int64   // bits per second
	Tags      map[string]string
}

// ProbeStream describes one elementary stream. Unknown numbers are 0.
type ProbeStream struct {
	Index         int
	CodecType     string // "video", "audio", "data", ...
	CodecName     string // e.g. "h264", "aac", "mp3"
	CodecTag      string // codec_tag_string
	Profile       string // e.g. "High", "LC"
	Level         int
	Width, Height int
	PixFmt        string
	AvgFrameRate  string // a fraction, e.g. "25/1"; see FrameRate
	SampleRate    int
	Channels      int
	ChannelLayout string
	StartTime     float64 // seconds
	Duration      float64 // seconds
	BitRate       int64   // bits per second
	NbFrames      int
	Tags          map[string]string
}

// FrameRate returns the stream's average frame rate, or 0 when unknown.
func (s *ProbeStream) FrameRate() float64 {
	num, den, ok := strings.Cut(s.AvgFrameRate, "/")
	if !ok {
		f, _ := strconv.ParseFloat(num, 64)
		return f
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d == 0 {
		return 0
	}
	return n / d
}

// Video returns the first video stream, or nil if there is none.
func (r *ProbeResult) Video() *ProbeStream { return r.stream("video") }

// Audio returns the first audio stream, or nil if there is none.
func (r *ProbeResult) Audio() *ProbeStream { return r.stream("audio") }

func (r *ProbeResult) stream(codecType string) *ProbeStream {
	for i := range r.Streams {
		if r.Streams[i].CodecType == codecType {
			return &r.Streams[i]
		}
	}
	return nil
}

// Probe runs
//
//	ffprobe -v error [-rw_timeout 10s] [args] -show_streams -show_format -of json target
//
// on a file or URL and decodes its report. args are input options, such as
// "-read_intervals", "%+5" or "-analyzeduration", "2M"; network URLs get a
// 10 s -rw_timeout unless args set one. If ctx has no deadline, Probe gives
// up after 30 s.
func Probe(ctx context.Context, target string, args ...string) (*ProbeResult, error) {
	out, err := ffprobe(ctx, target, args, []string{"-show_streams", "-show_format"})
	if err != nil {
		return nil, err
	}
	var raw struct {
		Format  rawFormat   `json:"format"`
		Streams []rawStream `json:"streams"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("ffprobe %s: decode report: %w", target, err)
	}
	r := &ProbeResult{Format: raw.Format.format()}
	for _, s := range raw.Streams {
		r.Streams = append(r.Streams, s.stream())
	}
	return r, nil
}

// rawFormat and rawStream mirror ffprobe's JSON.
type rawFormat struct {
	Filename  string            `json:"filename"`
	Name      string            `json:"format_name"`
	LongName  string            `json:"format_long_name"`
	NbStreams flexInt           `json:"nb_streams"`
	StartTime flexFloat         `json:"start_time"`
	Duration  flexFloat         `json:"duration"`
	Size      flexInt           `json:"size"`
	BitRate   flexInt           `json:"bit_rate"`
	Tags      map[string]string `json:"tags"`
}

func (f rawFormat) format() ProbeFormat {
	return ProbeFormat{
		Filename:  f.Filename,
		Name:      f.Name,
		LongName:  f.LongName,
		NbStreams: int(f.NbStreams),
		StartTime: float64(f.StartTime),
		Duration:  float64(f.Duration),
		Size:      int64(f.Size),
		BitRate:   int64(f.BitRate),
		Tags:      f.Tags,
	}
}

type rawStream struct {
	Index         flexInt           `json:"index"`
	CodecType     string            `json:"codec_type"`
	CodecName     string            `json:"codec_name"`
	CodecTag      string            `json:"codec_tag_string"`
	Profile       string            `json:"profile"`
	Level         flexInt           `json:"level"`
	Width         flexInt           `json:"width"`
	Height        flexInt           `json:"height"`
	PixFmt        string            `json:"pix_fmt"`
	AvgFrameRate  string            `json:"avg_frame_rate"`
	SampleRate    flexInt           `json:"sample_rate"`
	Channels      flexInt           `json:"channels"`
	ChannelLayout string            `json:"channel_layout"`
	StartTime     flexFloat         `json:"start_time"`
	Duration      flexFloat         `json:"duration"`
	BitRate       flexInt           `json:"bit_rate"`
	NbFrames      flexInt           `json:"nb_frames"`
	Tags          map[string]string `json:"tags"`
}

func (s rawStream) stream() ProbeStream {
	return ProbeStream{
		Index:         int(s.Index),
		CodecType:     s.CodecType,
		CodecName:     s.CodecName,
		CodecTag:      s.CodecTag,
		Profile:       s.Profile,
		Level:         int(s.Level),
		Width:         int(s.Width),
		Height:        int(s.Height),
		PixFmt:        s.PixFmt,
		AvgFrameRate:  s.AvgFrameRate,
		SampleRate:    int(s.SampleRate),
		Channels:      int(s.Channels),
		ChannelLayout: s.ChannelLayout,
		StartTime:     float64(s.StartTime),
		Duration:      float64(s.Duration),
		BitRate:       int64(s.BitRate),
		NbFrames:      int(s.NbFrames),
		Tags:          s.Tags,
	}
}
