// Package ffmpeg runs what SRS runs FFmpeg for: the transcode engines of a
// published stream, ingests, exec commands and built-in snapshots. The
// children read from and publish back to the server over RTMP on the
// loopback, as in SRS, and are owned by one supervise.Supervisor.
package ffmpeg

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-live/cascade/config"
)

// SRS's defaults.
const (
	defaultLogDir    = "./objs"
	defaultLogLevel  = "info"
	defaultFormat    = "flv" // engine iformat and oformat
	defaultIngestURL = "./doc/source.flv"
	disabledLogDir   = "/dev/null"

	// defaultSnapshotInterval is how often snapshot grabs a picture when
	// the block does not say (SRS has no such block).
	defaultSnapshotInterval = 5 * time.Second
)

// Codec names with a meaning of their own in SRS's engines.
const (
	codecCopy    = "copy"
	noVideo      = "vn"
	noAudio      = "an"
	fdkAAC       = "libfdk_aac"
	aacPlus      = "libaacplus"
	nativeAAC    = "aac"
	inputFile    = "file"
	inputStream  = "stream"
	ingestPrefix = "ingest"
	defaultVhost = config.DefaultVhost
)

// Config is what the FFmpeg features need from a configuration.
type Config struct {
	LogDir   string // ff_log_dir; "" when logs are off (/dev/null)
	LogLevel string // ff_log_level
	Vhosts   map[string]*Vhost
	// Warnings are notes for the operator (libfdk_aac mapped to aac…).
	Warnings []string
}

// Vhost is one vhost's FFmpeg blocks.
type Vhost struct {
	Name       string
	Transcodes []*Transcode // enabled transcode blocks
	Ingests    []*Ingest    // enabled ingest blocks
	Exec       [][]string   // exec.publish commands, when exec is on
	Snapshot   time.Duration
	// SnapshotOn is the snapshot block's enabled.
	SnapshotOn bool
}

// Transcode is an enabled `transcode [scope] { … }` block.
type Transcode struct {
	Scope   string // "", "app" or "app/stream"
	FFmpeg  string // the ffmpeg binary
	Engines []*Engine
}

// Applies reports whether the block transcodes app/stream.
func (t *Transcode) Applies(app, stream string) bool {
	return t.Scope == "" || t.Scope == app || t.Scope == app+"/"+stream
}

// Ingest is an enabled `ingest ID { … }` block.
type Ingest struct {
	ID        string
	InputType string // "file" or "stream"
	InputURL  string
	FFmpeg    string
	Engines   []*Engine // a disabled engine copies
}

// Engine is an `engine NAME { … }` block, in SRS's terms.
type Engine struct {
	Name     string
	Enabled  bool
	IFormat  string
	Perfile  []string
	VFilter  []string
	VCodec   string
	VBitrate int // kbps
	VFps     float64
	VWidth   int
	VHeight  int
	VThreads int
	VProfile string
	VPreset  string
	VParams  []string
	ACodec   string
	ABitrate int // kbps
	ASample  int
	AChans   int
	AParams  []string
	OFormat  string
	Output   string
}

// ParseConfig reads the FFmpeg blocks of every vhost.
func ParseConfig(cfg *config.Config) (*Config, error) {
	c := &Config{LogDir: defaultLogDir, LogLevel: defaultLogLevel, Vhosts: make(map[string]*Vhost)}
	if d := cfg.Root.Get("ff_log_dir"); d.Arg0() != "" {
		c.LogDir = d.Arg0()
	}
	if c.LogDir == disabledLogDir {
		c.LogDir = ""
	}
	if d := cfg.Root.Get("ff_log_level"); d != nil {
		c.LogLevel = d.Arg0()
	}
	for name, v := range cfg.Vhosts {
		if !v.Enabled {
			continue
		}
		vh := &Vhost{Name: name}
		for _, t := range v.Block.All("transcode") {
			if !isOn(t.Get("enabled")) {
				continue
			}
			tc := &Transcode{Scope: strings.Trim(t.Arg0(), "/"), FFmpeg: t.Get("ffmpeg").Arg0()}
			for _, e := range t.All("engine") {
				eng, err := c.engine(e)
				if err != nil {
					return nil, err
				}
				if eng.Enabled {
					tc.Engines = append(tc.Engines, eng)
				}
			}
			vh.Transcodes = append(vh.Transcodes, tc)
		}
		for _, in := range v.Block.All("ingest") {
			if !isOn(in.Get("enabled")) {
				continue
			}
			ing := &Ingest{ID: in.Arg0(), InputType: in.Get("input").Get("type").Arg0(),
				InputURL: in.Get("input").Get("url").Arg0(), FFmpeg: in.Get("ffmpeg").Arg0()}
			if ing.InputType == "" {
				ing.InputType = inputFile
			}
			if ing.InputURL == "" {
				ing.InputURL = defaultIngestURL
			}
			if ing.InputType != inputFile && ing.InputType != inputStream {
				return nil, fmt.Errorf("ffmpeg: %s: ingest %s: input type %q is not file or stream", pos(in), ing.ID, ing.InputType)
			}
			for _, e := range in.All("engine") {
				eng, err := c.engine(e)
				if err != nil {
					return nil, err
				}
				ing.Engines = append(ing.Engines, eng)
			}
			if len(ing.Engines) == 0 {
				c.Warnings = append(c.Warnings, fmt.Sprintf("ffmpeg: %s: ingest %s has no engine; nothing will be ingested", pos(in), ing.ID))
			}
			vh.Ingests = append(vh.Ingests, ing)
		}
		if ex := v.Block.Get("exec"); isOn(ex.Get("enabled")) {
			for _, p := range ex.All("publish") {
				if len(p.Args) > 0 {
					vh.Exec = append(vh.Exec, p.Args)
				}
			}
		}
		if sn := v.Block.Get("snapshot"); sn != nil {
			vh.SnapshotOn = isOn(sn.Get("enabled"))
			vh.Snapshot = defaultSnapshotInterval
			if iv := sn.Get("interval"); iv.Arg0() != "" {
				secs, err := strconv.ParseFloat(iv.Arg0(), 64)
				if err != nil || secs <= 0 {
					return nil, fmt.Errorf("ffmpeg: %s: snapshot interval %q is not a positive number of seconds", pos(iv), iv.Arg0())
				}
				vh.Snapshot = time.Duration(secs * float64(time.Second))
			}
		}
		c.Vhosts[name] = vh
	}
	return c, nil
}

// engine reads an engine block; SRS's checks that make ffmpeg fail are
// errors here, so a bad config says so at load instead of in a log.
func (c *Config) engine(d *config.Directive) (*Engine, error) {
	e := &Engine{
		Name: d.Arg0(), Enabled: isOn(d.Get("enabled")),
		IFormat: defaultFormat, OFormat: defaultFormat,
		Perfile: options(d.Get("perfile")), VFilter: options(d.Get("vfilter")),
		VCodec: d.Get("vcodec").Arg0(), VProfile: d.Get("vprofile").Arg0(), VPreset: d.Get("vpreset").Arg0(),
		VParams: options(d.Get("vparams")), ACodec: d.Get("acodec").Arg0(), AParams: options(d.Get("aparams")),
		Output: d.Get("output").Arg0(),
	}
	if f := d.Get("iformat"); f != nil {
		e.IFormat = f.Arg0()
	}
	if f := d.Get("oformat"); f != nil {
		e.OFormat = f.Arg0()
	}
	var err error
	num := func(name string, dst *int) {
		if x := d.Get(name); x.Arg0() != "" && err == nil {
			var n int
			if n, err = strconv.Atoi(x.Arg0()); err != nil || n < 0 {
				err = fmt.Errorf("ffmpeg: %s: engine %s: %s %q is not a number >= 0", pos(x), e.Name, name, x.Arg0())
			}
			*dst = n
		}
	}
	num("vbitrate", &e.VBitrate)
	num("vwidth", &e.VWidth)
	num("vheight", &e.VHeight)
	num("vthreads", &e.VThreads)
	num("abitrate", &e.ABitrate)
	num("asample_rate", &e.ASample)
	num("achannels", &e.AChans)
	if x := d.Get("vfps"); x.Arg0() != "" && err == nil {
		if e.VFps, err = strconv.ParseFloat(x.Arg0(), 64); err != nil || e.VFps < 0 {
			err = fmt.Errorf("ffmpeg: %s: engine %s: vfps %q is not a number >= 0", pos(x), e.Name, x.Arg0())
		}
	}
	if err != nil {
		return nil, err
	}
	// Even sizes, as SRS and libx264 want.
	e.VWidth -= e.VWidth % 2
	e.VHeight -= e.VHeight % 2
	if e.Enabled && e.VCodec == noVideo && e.ACodec == noAudio {
		return nil, fmt.Errorf("ffmpeg: %s: engine %s: vcodec vn with acodec an leaves nothing to encode", pos(d), e.Name)
	}
	if e.Enabled && e.Output == "" {
		return nil, fmt.Errorf("ffmpeg: %s: engine %s: no output", pos(d), e.Name)
	}
	// Debian's FFmpeg has no libfdk_aac (nor libaacplus): its native AAC
	// encoder takes their place.
	if e.ACodec == fdkAAC || e.ACodec == aacPlus {
		c.Warnings = append(c.Warnings, fmt.Sprintf("ffmpeg: %s: engine %s: acodec %s is not in this FFmpeg; using %s",
			pos(d.Get("acodec")), e.Name, e.ACodec, nativeAAC))
		e.ACodec = nativeAAC
	}
	return e, nil
}

// options turns a block such as vfilter { i logo.png; filter_complex x; }
// into FFmpeg options: -i logo.png -filter_complex x.
func options(d *config.Directive) []string {
	if d == nil {
		return nil
	}
	var out []string
	for _, c := range d.Children {
		out = append(out, "-"+c.Name)
		out = append(out, c.Args...)
	}
	return out
}

func isOn(d *config.Directive) bool { return d.Arg0() == "on" }

func pos(d *config.Directive) string {
	if d == nil {
		return "config"
	}
	return d.File + ":" + strconv.Itoa(d.Line)
}
