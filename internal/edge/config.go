package edge

import (
	"fmt"
	"net"
	"strings"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/upstream"
)

// Config is a vhost's cluster block, with SRS's directive names.
type Config struct {
	Remote        bool     // mode remote: this vhost is an edge
	Origins       []string // origin host:port …, tried round-robin
	Protocol      string   // upstream.ProtoRTMP (default) or upstream.ProtoFLV
	FollowClient  bool     // pull with the protocol of the player that asked (RTMP or FLV)
	TokenTraverse bool     // a client's connect is checked by the origin first
	Vhost         string   // the vhost asked of the origin (default: the client's)
	OriginCluster bool     // origin_cluster: redirect plays to coworkers
	Coworkers     []string // coworkers' HTTP API host:port
}

// ParseConfig reads a vhost's cluster block (nil: a plain origin).
func ParseConfig(d *config.Directive) (Config, error) {
	var c Config
	if d == nil {
		return c, nil
	}
	switch m := d.Get("mode").Arg0(); m {
	case "", "local":
	case "remote":
		c.Remote = true
	default:
		return c, fmt.Errorf("cluster: mode %q: want local or remote", m)
	}
	for _, o := range d.All("origin") {
		for _, a := range o.Args {
			c.Origins = append(c.Origins, withPort(a, "1935"))
		}
	}
	if c.Remote && len(c.Origins) == 0 {
		return c, fmt.Errorf("cluster: mode remote needs an origin")
	}
	switch p := d.Get("protocol").Arg0(); p {
	case "", upstream.ProtoRTMP:
		c.Protocol = upstream.ProtoRTMP
	case upstream.ProtoFLV:
		c.Protocol = upstream.ProtoFLV
	default:
		return c, fmt.Errorf("cluster: protocol %q: want rtmp or flv", p)
	}
	c.FollowClient = d.Get("follow_client").Arg0() == "on"
	c.TokenTraverse = d.Get("token_traverse").Arg0() == "on"
	c.Vhost = d.Get("vhost").Arg0()
	c.OriginCluster = d.Get("origin_cluster").Arg0() == "on"
	for _, w := range d.All("coworkers") {
		for _, a := range w.Args {
			c.Coworkers = append(c.Coworkers, withPort(a, "1985"))
		}
	}
	return c, nil
}

func withPort(hostport, port string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil || strings.Count(hostport, ":") > 1 {
		return hostport
	}
	return net.JoinHostPort(hostport, port)
}
