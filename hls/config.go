package hls

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-live/cascade/config"
)

// Values of Config.OnError (hls_on_error).
const (
	OnErrorIgnore     = "ignore"     // stop HLS for the rest of the publish
	OnErrorDisconnect = "disconnect" // stop HLS and ask for the publisher to be disconnected
	OnErrorContinue   = "continue"   // drop what failed and go on
)

// Config is a vhost's hls block. Each field holds SRS's default when the
// block leaves it out; the comment names the directive.
type Config struct {
	Enabled         bool          // enabled: off
	Fragment        time.Duration // hls_fragment, seconds: 10s; the segment length a cut waits for
	TDRatio         float64       // hls_td_ratio: 1.5; a segment is cut at any frame past Fragment*TDRatio
	AOFRatio        float64       // hls_aof_ratio: 2.1; an audio-only segment is cut at Fragment*AOFRatio
	Window          time.Duration // hls_window, seconds: 60s of segments in the playlist
	OnError         string        // hls_on_error: OnErrorContinue
	Path            string        // hls_path: ./objs/nginx/html, the root of every file below
	M3U8File        string        // hls_m3u8_file: [app]/[stream].m3u8
	TSFile          string        // hls_ts_file: [app]/[stream]-[seq].ts
	TSFloor         bool          // hls_ts_floor: off; [timestamp] becomes a fragment counter
	EntryPrefix     string        // hls_entry_prefix: "", the base URL of segment URIs
	Mount           string        // hls_mount (SRS 2): [vhost]/[app]/[stream].m3u8, unused
	ACodec          string        // hls_acodec: aac (aac, mp3, an); "an" expects no audio
	VCodec          string        // hls_vcodec: h264 (h264, h265, vn); "vn" expects no video
	Cleanup         bool          // hls_cleanup: on; delete segments that leave the window
	Dispose         time.Duration // hls_dispose, whole seconds: 0 (never); delete everything this long after unpublish
	NbNotify        int           // hls_nb_notify: 64, bytes on_hls_notify reads
	WaitKeyframe    bool          // hls_wait_keyframe: on; cut at keyframes only (until Fragment*TDRatio)
	Keys            bool          // hls_keys: off; AES-128 encryption
	FragmentsPerKey int           // hls_fragments_per_key: 5
	KeyFile         string        // hls_key_file: [app]/[stream]-[seq].key
	KeyFilePath     string        // hls_key_file_path: hls_path
	KeyURL          string        // hls_key_url: "", prefixed to KeyFile in EXT-X-KEY URIs
	DTSDirectly     bool          // hls_dts_directly: on; audio DTS is the FLV timestamp, else counted in samples
	Ctx             bool          // hls_ctx: on, for the HTTP server's playback sessions
	TSCtx           bool          // hls_ts_ctx: on, for the HTTP server's playback sessions

	// Warnings lists directives read but not honoured, with file:line.
	Warnings []string
}

// DefaultConfig returns the configuration of an hls block with no
// directives (HLS disabled).
func DefaultConfig() Config {
	return Config{
		Fragment:        10 * time.Second,
		TDRatio:         1.5,
		AOFRatio:        2.1,
		Window:          60 * time.Second,
		OnError:         OnErrorContinue,
		Path:            "./objs/nginx/html",
		M3U8File:        "[app]/[stream].m3u8",
		TSFile:          "[app]/[stream]-[seq].ts",
		Mount:           "[vhost]/[app]/[stream].m3u8",
		ACodec:          "aac",
		VCodec:          "h264",
		Cleanup:         true,
		NbNotify:        64,
		WaitKeyframe:    true,
		FragmentsPerKey: 5,
		KeyFile:         "[app]/[stream]-[seq].key",
		KeyFilePath:     "./objs/nginx/html",
		DTSDirectly:     true,
		Ctx:             true,
		TSCtx:           true,
	}
}

// ParseConfig reads an hls block (a vhost's Get("hls"); nil gives the
// defaults). Switches are read as SRS reads them: a switch that defaults
// to on is on unless "off", one that defaults to off is on only when "on"
// (hls_keys, like SRS, is on unless "off" once present). Numbers that are
// not numbers or out of range are errors naming file:line, where SRS would
// silently read 0.
func ParseConfig(block *config.Directive) (Config, error) {
	c := DefaultConfig()
	p := parser{block: block}
	c.Enabled = p.switchOn("enabled", false, false)
	c.Fragment = p.seconds("hls_fragment", c.Fragment, false)
	c.TDRatio = p.ratio("hls_td_ratio", c.TDRatio)
	c.AOFRatio = p.ratio("hls_aof_ratio", c.AOFRatio)
	c.Window = p.seconds("hls_window", c.Window, true)
	c.OnError = p.oneOf("hls_on_error", c.OnError, OnErrorIgnore, OnErrorDisconnect, OnErrorContinue)
	c.Path = p.str("hls_path", c.Path)
	c.M3U8File = p.str("hls_m3u8_file", c.M3U8File)
	c.TSFile = p.str("hls_ts_file", c.TSFile)
	c.TSFloor = p.switchOn("hls_ts_floor", false, false)
	c.EntryPrefix = block.Get("hls_entry_prefix").Arg0()
	c.Mount = p.str("hls_mount", c.Mount)
	c.ACodec = p.codec("hls_acodec", c.ACodec, "aac", "mp3", "an")
	c.VCodec = p.codec("hls_vcodec", c.VCodec, "h264", "h265", "vn")
	c.Cleanup = p.switchOn("hls_cleanup", true, true)
	c.Dispose = p.wholeSeconds("hls_dispose", c.Dispose)
	c.NbNotify = p.integer("hls_nb_notify", c.NbNotify, 0)
	c.WaitKeyframe = p.switchOn("hls_wait_keyframe", true, true)
	c.Keys = p.switchOn("hls_keys", false, true)
	c.FragmentsPerKey = p.integer("hls_fragments_per_key", c.FragmentsPerKey, 1)
	c.KeyFile = p.str("hls_key_file", c.KeyFile)
	c.KeyFilePath = p.str("hls_key_file_path", c.Path)
	c.KeyURL = block.Get("hls_key_url").Arg0()
	c.DTSDirectly = p.switchOn("hls_dts_directly", true, true)
	c.Ctx = p.switchOn("hls_ctx", true, true)
	c.TSCtx = p.switchOn("hls_ts_ctx", true, true)
	if d := block.Get("hls_use_fmp4"); d.Arg0() == "on" {
		p.warn(d, "fMP4 segments are not supported: writing MPEG-TS")
	}
	if d := block.Get("hls_storage"); d != nil && d.Arg0() != "" && d.Arg0() != "disk" {
		p.warn(d, "segments are always written to disk and kept in memory")
	}
	if p.err != nil {
		return Config{}, p.err
	}
	c.Warnings = p.warnings
	return c, nil
}

// parser reads typed values out of an hls block, keeping the first error.
type parser struct {
	block    *config.Directive
	err      error
	warnings []string
}

// value returns the directive and its first argument, or nil if the
// directive is absent, has no value or an earlier read failed.
func (p *parser) value(name string) (*config.Directive, string) {
	d := p.block.Get(name)
	if p.err != nil || d.Arg0() == "" {
		return nil, ""
	}
	return d, d.Arg0()
}

func (p *parser) fail(d *config.Directive, v string, sentinel error, format string, args ...any) {
	if p.err == nil {
		p.err = &config.ValueError{
			File: d.File, Line: d.Line, Directive: d.Name, Value: v,
			Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...)),
		}
	}
}

func (p *parser) warn(d *config.Directive, msg string) {
	pos := d.File
	if d.Line > 0 {
		pos += ":" + strconv.Itoa(d.Line)
	}
	p.warnings = append(p.warnings, strings.TrimPrefix(pos+": ", ": ")+"hls."+d.Name+": "+msg)
}

// switchOn reads a switch: with preferTrue anything but "off" is on (SRS's
// SRS_CONF_PREFER_TRUE), otherwise only "on" is.
func (p *parser) switchOn(name string, def, preferTrue bool) bool {
	d, v := p.value(name)
	if d == nil {
		return def
	}
	if preferTrue {
		return v != "off"
	}
	return v == "on"
}

func (p *parser) str(name, def string) string {
	if d, v := p.value(name); d != nil {
		return v
	}
	return def
}

func (p *parser) number(name string) (*config.Directive, float64, bool) {
	d, v := p.value(name)
	if d == nil {
		return nil, 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		p.fail(d, v, config.ErrInvalidValue, "not a number")
		return nil, 0, false
	}
	return d, f, true
}

// seconds reads a duration in (fractional) seconds, > 0 or, with zeroOK, >= 0.
func (p *parser) seconds(name string, def time.Duration, zeroOK bool) time.Duration {
	d, f, ok := p.number(name)
	if !ok {
		return def
	}
	if f < 0 || (f == 0 && !zeroOK) || f > 1e6 {
		p.fail(d, d.Arg0(), config.ErrOutOfRange, "must be a positive number of seconds")
		return def
	}
	return time.Duration(math.Round(f * float64(time.Second)))
}

// wholeSeconds reads a non-negative duration truncated to whole seconds,
// as SRS reads hls_dispose (atoi).
func (p *parser) wholeSeconds(name string, def time.Duration) time.Duration {
	d, f, ok := p.number(name)
	if !ok {
		return def
	}
	if f < 0 || f > 1e9 {
		p.fail(d, d.Arg0(), config.ErrOutOfRange, "must be a non-negative number of seconds")
		return def
	}
	return time.Duration(math.Trunc(f)) * time.Second
}

// ratio reads a positive factor.
func (p *parser) ratio(name string, def float64) float64 {
	d, f, ok := p.number(name)
	if !ok {
		return def
	}
	if f <= 0 || f > 1000 {
		p.fail(d, d.Arg0(), config.ErrOutOfRange, "must be a positive number")
		return def
	}
	return f
}

func (p *parser) integer(name string, def, lo int) int {
	d, v := p.value(name)
	if d == nil {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(d, v, config.ErrInvalidValue, "not an integer")
		return def
	}
	if n < lo {
		p.fail(d, v, config.ErrOutOfRange, "must be at least %d", lo)
		return def
	}
	return n
}

func (p *parser) oneOf(name, def string, allowed ...string) string {
	d, v := p.value(name)
	if d == nil {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(d, v, config.ErrInvalidValue, "must be one of %s", strings.Join(allowed, ", "))
	return def
}

// codec reads hls_acodec or hls_vcodec; like SRS, an unknown codec is a
// warning and the default is used.
func (p *parser) codec(name, def string, allowed ...string) string {
	d, v := p.value(name)
	if d == nil {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.warn(d, fmt.Sprintf("unknown codec %q, using %s", v, def))
	return def
}

// maxTD is the base target duration, hls_fragment*hls_td_ratio.
func (c *Config) maxTD() time.Duration {
	return time.Duration(float64(c.Fragment) * c.TDRatio)
}
