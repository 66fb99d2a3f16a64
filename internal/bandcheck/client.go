package bandcheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// Report is what the client measured, and what the server reported in
// onSrsBandCheckFinished.
type Report struct {
	RTT         time.Duration // the TCP connect's round trip
	PlayKbps    float64       // received by the client in the play phase
	PublishKbps float64       // received by the server in the publish phase, as it reported
	PlayBytes   uint64        // filler bytes the client received
	Server      Result        // the server's onSrsBandCheckFinished
}

// ErrRefused is returned when the server refuses the connect (wrong key,
// another check too recently, no bandcheck on the vhost).
var ErrRefused = errors.New("bandcheck: refused by the server")

// Run runs a check against rawURL, rtmp://host[:port]/app?key=KEY, which
// ctx bounds. It speaks the protocol of the package comment, so it works
// with SRS 3 as with cascade.
func Run(ctx context.Context, rawURL string) (Report, error) {
	var rep Report
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		start := time.Now()
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		rep.RTT = time.Since(start)
		return c, err
	}
	c, err := client.Dial(ctx, rawURL, client.WithDialer(dial))
	if err != nil {
		var se *client.StatusError
		if errors.As(err, &se) {
			return rep, fmt.Errorf("%w: %v", ErrRefused, err)
		}
		return rep, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	r := &runner{c: c}
	if err := r.run(&rep); err != nil {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		return rep, err
	}
	return rep, nil
}

type runner struct{ c *client.Conn }

// next reads until a protocol command, counting the bytes of the filler
// packets it passes.
func (r *runner) next(filler *uint64) (*rtmp.Command, error) {
	for {
		m, err := r.c.ReadMessage()
		if err != nil {
			return nil, err
		}
		if m.Type != rtmp.MsgAMF0Command && m.Type != rtmp.MsgAMF3Command {
			m.Body.Release()
			continue
		}
		size := len(m.Payload())
		cmd, err := rtmp.ParseCommand(m.Type, m.Payload())
		m.Body.Release()
		if err != nil {
			return nil, err
		}
		if cmd.Name == Playing {
			if filler != nil {
				*filler += uint64(size)
			}
			continue
		}
		if cmd.Name == rtmp.CmdError || cmd.Name == rtmp.CmdOnStatus {
			return nil, fmt.Errorf("%w: %s", ErrRefused, cmd.Name)
		}
		if IsCommand(cmd.Name) {
			return cmd, nil
		}
	}
}

// expect reads until the command name.
func (r *runner) expect(name string, filler *uint64) (*rtmp.Command, error) {
	for {
		cmd, err := r.next(filler)
		if err != nil {
			return nil, fmt.Errorf("bandcheck: waiting for %s: %w", name, err)
		}
		if cmd.Name == name {
			return cmd, nil
		}
	}
}

func (r *runner) send(cmd *rtmp.Command) error {
	b := buffer.Get()
	defer b.Release()
	var err error
	if b.B, err = cmd.AppendPayload(b.B); err != nil {
		return err
	}
	return r.c.WriteMessage(&rtmp.Message{Type: rtmp.MsgAMF0Command, CSID: rtmp.CSIDCommand, Body: b})
}

func (r *runner) run(rep *Report) error {
	if _, err := r.expect(StartPlay, nil); err != nil {
		return err
	}
	if err := r.send(packet(StartingPlay, nil)); err != nil {
		return err
	}
	start := time.Now()
	if _, err := r.expect(StopPlay, &rep.PlayBytes); err != nil {
		return err
	}
	rep.PlayKbps = kbps(rep.PlayBytes, time.Since(start))
	if err := r.send(packet(StoppedPlay, nil)); err != nil {
		return err
	}

	cmd, err := r.expect(StartPublish, nil)
	if err != nil {
		return err
	}
	limit, duration := number(dataOf(cmd), "limit_kbps"), number(dataOf(cmd), "duration_ms")
	if limit <= 0 || duration <= 0 {
		return fmt.Errorf("%w: %s without limit_kbps or duration_ms", ErrUnexpected, StartPublish)
	}
	if err := r.send(packet(StartingPublish, nil)); err != nil {
		return err
	}
	if err := r.publish(limit, time.Duration(duration)*time.Millisecond); err != nil {
		return err
	}
	if err := r.send(packet(StopPublish, nil)); err != nil {
		return err
	}
	if _, err := r.expect(StopPublish, nil); err != nil {
		return err
	}
	if err := r.send(packet(StoppedPublish, nil)); err != nil {
		return err
	}
	fin, err := r.expect(Finished, nil)
	if err != nil {
		return err
	}
	d := dataOf(fin)
	rep.Server = Result{
		Start: time.UnixMilli(int64(number(d, "start_time"))), End: time.UnixMilli(int64(number(d, "end_time"))),
		PlayKbps: number(d, "play_kbps"), PublishKbps: number(d, "publish_kbps"),
		PlayBytes: uint64(number(d, "play_bytes")), PublishBytes: uint64(number(d, "publish_bytes")),
		PlayTime:    time.Duration(number(d, "play_time")) * time.Millisecond,
		PublishTime: time.Duration(number(d, "publish_time")) * time.Millisecond,
	}
	rep.PublishKbps = rep.Server.PublishKbps
	return r.send(packet(Final, nil))
}

// publish sends filler for d at limitKbps.
func (r *runner) publish(limitKbps float64, d time.Duration) error {
	fill := filler(Publishing, min(max(int(limitKbps*1000/8/100), 256), 32<<10))
	payload, err := fill.AppendPayload(nil)
	if err != nil {
		return err
	}
	size := uint64(len(payload))
	start := time.Now()
	var sent uint64
	for elapsed := time.Duration(0); elapsed < d; elapsed = time.Since(start) {
		allowed := uint64(limitKbps*1000/8*elapsed.Seconds()) + size
		for sent+size <= allowed {
			if err := r.send(fill); err != nil {
				return err
			}
			sent += size
		}
		time.Sleep(tickEvery)
	}
	return nil
}
