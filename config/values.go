package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A reader reads typed values out of directives. It keeps the first error
// and, once it has one, its methods return defaults, so a run of reads is
// checked once at the end. Each method takes the directive to read, which
// may be nil, and the default to use when the directive or its value is
// absent. It also collects warnings about values it corrects.
type reader struct {
	err      error
	warnings []string
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// arg0Or returns the first argument of d, or def if it has none.
func arg0Or(d *Directive, def string) string {
	if v := d.Arg0(); v != "" {
		return v
	}
	return def
}

// isOn reads a switch as SRS does: when the default is on, anything but
// "off" is on (SRS_CONF_PREFER_TRUE); when the default is off, only "on" is
// on (SRS_CONF_PREFER_FALSE). An absent or empty value gives def.
func isOn(d *Directive, def bool) bool {
	v := d.Arg0()
	if v == "" {
		return def
	}
	if def {
		return v != "off"
	}
	return v == "on"
}

// integer reads a decimal integer in [lo, hi].
func (r *reader) integer(d *Directive, def, lo, hi int) int {
	v := d.Arg0()
	if r.err != nil || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(valueError(d, v, ErrInvalidValue, "not an integer"))
		return def
	}
	if n < lo || n > hi {
		r.fail(valueError(d, v, ErrOutOfRange, "must be in [%d, %d]", lo, hi))
		return def
	}
	return n
}

// duration reads a non-negative decimal number, fractions allowed, of unit.
func (r *reader) duration(d *Directive, def, unit time.Duration) time.Duration {
	v := d.Arg0()
	if r.err != nil || v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		r.fail(valueError(d, v, ErrInvalidValue, "not a number"))
		return def
	}
	total := f * float64(unit)
	if total < 0 || total > math.MaxInt64/2 {
		r.fail(valueError(d, v, ErrOutOfRange, "must be a non-negative number of %s", unitName(unit)))
		return def
	}
	return time.Duration(math.Round(total))
}

func unitName(unit time.Duration) string {
	if unit == time.Millisecond {
		return "milliseconds"
	}
	return "seconds"
}

// oneOf reads one of the allowed words, case-insensitively, and returns it
// in lower case.
func (r *reader) oneOf(d *Directive, def string, allowed ...string) string {
	v := d.Arg0()
	if r.err != nil || v == "" {
		return def
	}
	if w := strings.ToLower(v); slices.Contains(allowed, w) {
		return w
	}
	r.fail(valueError(d, v, ErrInvalidValue, "must be one of %s", strings.Join(allowed, ", ")))
	return def
}

// endpoints reads the listen endpoints in the arguments of d, normalised by
// normalizeEndpoint. A directive without arguments gives def.
func (r *reader) endpoints(d *Directive, def []string) []string {
	if r.err != nil || d == nil || len(d.Args) == 0 {
		return slices.Clone(def)
	}
	out := make([]string, 0, len(d.Args))
	for _, a := range d.Args {
		ep, err := normalizeEndpoint(a)
		if err != nil {
			r.fail(valueError(d, a, ErrInvalidValue, "%v", err))
			return slices.Clone(def)
		}
		out = append(out, ep)
	}
	return out
}

// normalizeEndpoint turns an SRS listen endpoint, "port", "ip:port" or
// "[ipv6]:port", into the "host:port" form of package net: "1935" becomes
// ":1935". The host must be an IP address, as SRS requires; the port must be
// in [0, 65535] (0, to let the system pick, is useful in tests).
func normalizeEndpoint(s string) (string, error) {
	host, port := "", s
	if strings.ContainsAny(s, ":[]") {
		var err error
		if host, port, err = net.SplitHostPort(s); err != nil {
			return "", errors.New("not [ip:]port")
		}
		if host != "" {
			if _, err := netip.ParseAddr(host); err != nil {
				return "", fmt.Errorf("host %q is not an IP address", host)
			}
		}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || strings.HasPrefix(port, "+") {
		return "", fmt.Errorf("port %q is not in [0, 65535]", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}
