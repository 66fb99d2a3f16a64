package rtmpconn

import (
	"fmt"
	"time"

	"github.com/cascade-live/cascade/internal/bandcheck"
	"github.com/cascade-live/cascade/internal/streamreq"
	"github.com/cascade-live/cascade/rtmp"
)

// startBandcheck answers an admitted connect to a vhost with bandcheck on:
// a wrong key or a check from the same IP within interval is refused,
// otherwise the connect is accepted and the check runs on this connection
// until it closes it.
func (r *session) startBandcheck(cmd *rtmp.Command, p *rtmp.ConnectParams, cfg bandcheck.Config) error {
	if err := cfg.CheckKey(p.TcURL); err != nil {
		r.reply(0, rtmp.ConnectRejected(cmd.TransactionID, err.Error()))
		return fmt.Errorf("rtmp: %w", err)
	}
	ip := streamreq.ClientIP(r.c).String()
	if !r.host.AllowBandcheck(ip, time.Now(), cfg.Interval) {
		r.reply(0, rtmp.ConnectRejected(cmd.TransactionID, bandcheck.ErrTooSoon.Error()))
		return fmt.Errorf("rtmp: %s: %w", ip, bandcheck.ErrTooSoon)
	}
	r.acceptConnect(cmd, p)
	r.bandcheck = bandcheck.NewSession(cfg, p.SwfURL != "")
	r.c.Log.Info("rtmp bandcheck start", "tcUrl", p.TcURL, "limit_kbps", cfg.LimitKbps)
	r.sendBandcheck(r.bandcheck.Start(time.Now()))
	return r.tickBandcheck()
}

func (r *session) bandcheckCounters() bandcheck.Counters {
	return bandcheck.Counters{Sent: r.c.BytesOut.Load(), Pending: uint64(r.c.OutboundBuffered()),
		Received: r.reader.BytesRead()}
}

func (r *session) sendBandcheck(cmds []*rtmp.Command) {
	for _, c := range cmds {
		r.reply(0, c)
	}
}

// onBandcheck handles a command from a client under test: the protocol's
// go to the check, others are ignored (no publish or play on this
// connection).
func (r *session) onBandcheck(cmd *rtmp.Command) error {
	if !bandcheck.IsCommand(cmd.Name) {
		return nil
	}
	out, err := r.bandcheck.OnCommand(time.Now(), r.bandcheckCounters(), cmd)
	if err != nil {
		return fmt.Errorf("rtmp: %w", err)
	}
	r.sendBandcheck(out)
	return r.tickBandcheck()
}

// tickBandcheck advances the check by the clock and schedules the next
// tick on the connection's loop.
func (r *session) tickBandcheck() error {
	out, next, err := r.bandcheck.Tick(time.Now(), r.bandcheckCounters())
	if err != nil {
		return fmt.Errorf("rtmp: %w", err)
	}
	r.sendBandcheck(out)
	if r.bandcheck.Done() {
		res := r.bandcheck.Result()
		r.c.Log.Info("rtmp bandcheck done", "play_kbps", int(res.PlayKbps), "publish_kbps", int(res.PublishKbps),
			"play_bytes", res.PlayBytes, "publish_bytes", res.PublishBytes)
		r.c.CloseGracefully()
		return nil
	}
	if r.bandTimer != nil {
		r.bandTimer.Stop()
	}
	if !next.IsZero() {
		r.bandTimer = time.AfterFunc(time.Until(next), func() { r.do(r.tickBandcheck) })
	}
	return nil
}
