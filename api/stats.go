package api

import (
	"strconv"

	"github.com/cascade-live/cascade/config"
)

// ParseStatsConfig reads the top-level stats block of root:
//
//	stats { enabled on; network 0; disk sda sdb; }
//
// No block means stats off. A network that is not a non-negative integer is
// an error naming the file and line.
func ParseStatsConfig(root *config.Directive) (StatsConfig, error) {
	b := root.Get("stats")
	if b == nil {
		return StatsConfig{}, nil
	}
	c := StatsConfig{Enabled: b.Get("enabled").Arg0() != "off"}
	if d := b.Get("network"); d != nil {
		n, err := strconv.Atoi(d.Arg0())
		if err != nil || n < 0 {
			return StatsConfig{}, config.InvalidValue(d, d.Arg0(), "want an interface index (0, 1…)")
		}
		c.Network = n
	}
	for _, d := range b.All("disk") {
		c.Disks = append(c.Disks, d.Args...)
	}
	return c, nil
}
