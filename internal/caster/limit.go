package caster

import (
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/api"
)

// LimitListener holds at most n of ln's connections open at once (n <= 0:
// no limit), with api.LimitListener; refusals are logged at most once a
// second.
func LimitListener(ln net.Listener, n int, log *slog.Logger) net.Listener {
	if n <= 0 {
		return ln
	}
	var logged atomic.Int64 // unix second of the last refusal logged
	return api.LimitListener(ln, n, func(c net.Conn) {
		if now := time.Now().Unix(); logged.Swap(now) != now {
			log.Warn("too many connections; refusing", "from", c.RemoteAddr().String(), "max", n)
		}
	})
}
