package dvr

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/live"
)

// Plan says when a recording file is closed.
type Plan string

const (
	// PlanSession closes the file when the publisher leaves.
	PlanSession Plan = "session"
	// PlanSegment also closes it once it holds dvr_duration of media.
	PlanSegment Plan = "segment"
)

// SRS's defaults (trunk/conf/full.conf).
const (
	DefaultPath     = "./objs/nginx/html/[app]/[stream].[timestamp].flv"
	DefaultDuration = 30 * time.Second
	DefaultPlan     = PlanSession
)

// Config is a vhost's dvr block.
type Config struct {
	Enabled bool
	// Apply is dvr_apply: "all", or the "app/stream" names to record.
	Apply []string
	Plan  Plan
	// Path is dvr_path, a template (see ExpandPath).
	Path string
	// Duration is dvr_duration, the length of a segment plan file.
	Duration time.Duration
	// WaitKeyframe (dvr_wait_keyframe) starts every file on a video
	// keyframe, so that each one plays from its first frame.
	WaitKeyframe bool
	// TimeJitter is time_jitter: full and zero start every file at
	// timestamp 0; off keeps the stream's timestamps.
	TimeJitter live.Jitter
}

// DefaultConfig returns SRS's defaults (recording off).
func DefaultConfig() Config {
	return Config{
		Apply:        []string{"all"},
		Plan:         DefaultPlan,
		Path:         DefaultPath,
		Duration:     DefaultDuration,
		WaitKeyframe: true,
		TimeJitter:   live.JitterFull,
	}
}

// ParseConfig reads a vhost's dvr block; a nil block gives the defaults.
func ParseConfig(block *config.Directive) (Config, error) {
	c := DefaultConfig()
	if block == nil {
		return c, nil
	}
	c.Enabled = block.Get("enabled").Arg0() == "on"
	if d := block.Get("dvr_apply"); d != nil && len(d.Args) > 0 {
		c.Apply = slices.Clone(d.Args)
	}
	if d := block.Get("dvr_plan"); d != nil && d.Arg0() != "" {
		switch p := Plan(d.Arg0()); p {
		case PlanSession, PlanSegment:
			c.Plan = p
		default:
			return c, directiveError(d, "want session or segment", ErrInvalidConfig)
		}
	}
	if d := block.Get("dvr_path"); d != nil && d.Arg0() != "" {
		c.Path = d.Arg0()
	}
	if d := block.Get("dvr_duration"); d != nil && d.Arg0() != "" {
		secs, err := strconv.ParseFloat(d.Arg0(), 64)
		if err != nil || secs < 0 || math.IsInf(secs, 0) || math.IsNaN(secs) || secs > 1e9 {
			return c, directiveError(d, "want a number of seconds", ErrInvalidConfig)
		}
		c.Duration = time.Duration(secs * float64(time.Second))
	}
	// SRS prefers true: anything but "off" is on.
	c.WaitKeyframe = block.Get("dvr_wait_keyframe").Arg0() != "off"
	c.TimeJitter = live.ParseJitter(block.Get("time_jitter").Arg0())
	return c, nil
}

func directiveError(d *config.Directive, why string, err error) error {
	return fmt.Errorf("%s:%d: %s %q: %s: %w", d.File, d.Line, d.Name, strings.Join(d.Args, " "), why, err)
}

// Applies reports whether the stream app/stream of vhost is recorded:
// recording is enabled and dvr_apply is "all" or lists "app/stream" (SRS
// matches app and stream only, not the vhost).
func (c Config) Applies(vhost, app, stream string) bool {
	if !c.Enabled {
		return false
	}
	if len(c.Apply) == 0 || (len(c.Apply) == 1 && c.Apply[0] == "all") {
		return true
	}
	return slices.Contains(c.Apply, app+"/"+stream)
}
