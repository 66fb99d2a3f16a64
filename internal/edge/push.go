package edge

import (
	"context"
	"time"

	"github.com/cascade-live/cascade/internal/forward"
	"github.com/cascade-live/cascade/internal/upstream"
)

// Published pushes a stream published to the edge on to the origins (as
// SRS's edge does for encoders), moving to the next origin when one fails,
// until Unpublished. A stream the edge itself pulls is not pushed back.
func (e *Edge) Published(st Stream, cfg Config) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pulls[st.Key()] != nil || e.pushes[st.Key()] != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.pushes[st.Key()] = cancel
	go func() {
		servers := upstream.NewServers(cfg.Origins)
		open := e.host.OpenLocal(st)
		for ctx.Err() == nil {
			if servers.Wait(ctx) != nil {
				return
			}
			t := upstream.Target{Server: servers.Current(), Vhost: st.Vhost, App: st.App, Stream: st.Stream, Param: st.Param}
			if cfg.Vhost != "" {
				t.Vhost = cfg.Vhost
			}
			start := time.Now()
			err := forward.Push(ctx, e.log, t, open)
			if ctx.Err() != nil {
				return
			}
			e.log.Warn("edge: pushing to the origin failed, trying the next", "stream", st.Key(), "origin", t.Server, "err", err)
			if time.Since(start) > 5*time.Second {
				servers.Worked()
			}
			servers.Failed(t.Server)
		}
	}()
}

// Unpublished stops pushing st to the origin.
func (e *Edge) Unpublished(st Stream) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cancel := e.pushes[st.Key()]; cancel != nil {
		cancel()
		delete(e.pushes, st.Key())
	}
}
