// Package listen opens the server's listening sockets the way SRS lets an
// operator configure them: IPv4 and IPv6 sockets on one port side by side
// ("listen 1935 [::]:1935;"), and one port shared by the HTTP API and the
// HTTP server (see Demux).
package listen

import (
	"fmt"
	"net"
	"net/netip"
)

// TCP opens a TCP listener on addr, a "host:port" endpoint, knowing the
// other endpoints the server opens (others, which may include addr). Alone,
// a bare port (":1935") and "[::]:1935" both serve IPv4 and IPv6. When an
// IPv6 endpoint and an IPv4 or bare one share a port, the IPv6 socket is
// made IPv6-only (IPV6_V6ONLY) and a bare port listens on IPv4 only, so
// that both can bind.
func TCP(addr string, others []string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	v6, v4 := false, false // another endpoint on this port is IPv6 / IPv4 or bare
	for _, o := range others {
		oh, op, err := net.SplitHostPort(o)
		if err != nil || op != port || o == addr || port == "0" {
			continue
		}
		if isV6(oh) {
			v6 = true
		} else {
			v4 = true
		}
	}
	network := "tcp"
	switch {
	case !isV6(host) && v6: // package net would take ":p" and "0.0.0.0:p" as dual stack
		network = "tcp4"
	case isV6(host) && v4:
		network = "tcp6" // package net sets IPV6_V6ONLY on a tcp6 listener
	}
	return net.Listen(network, addr)
}

func isV6(host string) bool {
	a, err := netip.ParseAddr(host)
	return err == nil && a.Is6() && !a.Is4In6()
}
