package hds

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-live/cascade/config"
)

// SRS's defaults (trunk/conf/full.conf).
const (
	DefaultFragment = 10 * time.Second
	DefaultWindow   = 60 * time.Second
	DefaultPath     = "./objs/nginx/html"
)

// Config is a vhost's hds block.
type Config struct {
	Enabled bool
	// Fragment is hds_fragment, the length of a fragment (cut on the
	// first keyframe after it).
	Fragment time.Duration
	// Window is hds_window, the media the bootstrap keeps listing.
	Window time.Duration
	// Path is hds_path, the directory under which [app]/ is written.
	Path string
}

// DefaultConfig returns SRS's defaults (HDS off).
func DefaultConfig() Config {
	return Config{Fragment: DefaultFragment, Window: DefaultWindow, Path: DefaultPath}
}

// ParseConfig reads a vhost's hds block; a nil block gives the defaults.
func ParseConfig(block *config.Directive) (Config, error) {
	c := DefaultConfig()
	if block == nil {
		return c, nil
	}
	c.Enabled = block.Get("enabled").Arg0() == "on"
	var err error
	if c.Fragment, err = seconds(block.Get("hds_fragment"), c.Fragment); err != nil {
		return c, err
	}
	if c.Window, err = seconds(block.Get("hds_window"), c.Window); err != nil {
		return c, err
	}
	if p := block.Get("hds_path").Arg0(); p != "" {
		c.Path = p
	}
	return c, nil
}

// seconds reads a positive number of seconds (SRS reads them with atof).
func seconds(d *config.Directive, def time.Duration) (time.Duration, error) {
	v := d.Arg0()
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e6 {
		return def, fmt.Errorf("%s:%d: %s %q: want a positive number of seconds: %w",
			d.File, d.Line, d.Name, strings.Join(d.Args, " "), ErrInvalidConfig)
	}
	return time.Duration(f * float64(time.Second)), nil
}
