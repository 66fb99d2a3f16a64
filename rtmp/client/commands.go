package client

import (
	"context"
	"fmt"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/rtmp"
)

// Publish publishes a live stream the way FMLE, OBS and ffmpeg do:
// releaseStream, FCPublish, createStream, then publish(stream, "live"),
// and waits for onStatus NetStream.Publish.Start. A refusal (an _error or
// an onStatus of level error, such as NetStream.Publish.BadName) is a
// *StatusError. An empty stream means the stream of the Dial URL.
func (c *Conn) Publish(ctx context.Context, stream string) error {
	if stream == "" {
		stream = c.url.Stream
	}
	if stream == "" {
		return fmt.Errorf("rtmp client: publish: no stream name")
	}
	defer c.watch(ctx)()
	for _, name := range []string{rtmp.CmdReleaseStream, rtmp.CmdFCPublish} {
		if err := c.call(rtmp.CSIDCommand, 0, &rtmp.Command{Name: name, TransactionID: c.nextTx(), Args: []any{stream}}); err != nil {
			return ctxErr(ctx, err)
		}
	}
	if err := c.createStream(); err != nil {
		return ctxErr(ctx, err)
	}
	tx := c.nextTx()
	if err := c.call(rtmp.CSIDStream, c.streamID, &rtmp.Command{Name: rtmp.CmdPublish, TransactionID: tx, Args: []any{stream, rtmp.PublishLive}}); err != nil {
		return ctxErr(ctx, err)
	}
	return ctxErr(ctx, c.awaitStatus(rtmp.CmdPublish, tx, rtmp.CodePublishStart))
}

// Play plays a stream: createStream, play(stream, -2) and Set Buffer
// Length, then waits for onStatus NetStream.Play.Start. Media that arrives
// meanwhile is kept for ReadMessage. A refusal (NetStream.Play.StreamNotFound,
// an onStatus of level error or an _error) is a *StatusError. An empty
// stream means the stream of the Dial URL.
func (c *Conn) Play(ctx context.Context, stream string) error {
	if stream == "" {
		stream = c.url.Stream
	}
	if stream == "" {
		return fmt.Errorf("rtmp client: play: no stream name")
	}
	defer c.watch(ctx)()
	if err := c.createStream(); err != nil {
		return ctxErr(ctx, err)
	}
	tx := c.nextTx()
	if err := c.call(rtmp.CSIDStream, c.streamID, &rtmp.Command{Name: rtmp.CmdPlay, TransactionID: tx, Args: []any{stream, -2.0}}); err != nil {
		return ctxErr(ctx, err)
	}
	err := c.writeRaw(func(b []byte) ([]byte, error) {
		return rtmp.AppendUserControl(b, rtmp.EventSetBufferLength, c.streamID, 3000), nil
	})
	if err != nil {
		return ctxErr(ctx, err)
	}
	return ctxErr(ctx, c.awaitStatus(rtmp.CmdPlay, tx, rtmp.CodePlayStart))
}

func (c *Conn) createStream() error {
	tx := c.nextTx()
	if err := c.call(rtmp.CSIDCommand, 0, &rtmp.Command{Name: rtmp.CmdCreateStream, TransactionID: tx}); err != nil {
		return err
	}
	res, err := c.awaitResult(rtmp.CmdCreateStream, tx)
	if err != nil {
		return err
	}
	if len(res.Args) > 0 {
		if id, ok := res.Args[0].(float64); ok && id >= 0 && id <= 0xFFFFFFFF {
			c.streamID = uint32(id)
			return nil
		}
	}
	return fmt.Errorf("rtmp client: createStream result %v: %w", res.Args, ErrUnexpectedResponse)
}

// awaitResult waits for the _result or _error of transaction tx.
func (c *Conn) awaitResult(what string, tx float64) (*rtmp.Command, error) {
	var res *rtmp.Command
	err := c.await(what, func(cmd *rtmp.Command) (bool, error) {
		switch {
		case cmd.Name == rtmp.CmdResult && cmd.TransactionID == tx:
			res = cmd
			return true, nil
		case cmd.Name == rtmp.CmdError && cmd.TransactionID == tx,
			cmd.Name == rtmp.CmdOnStatus && statusLevel(cmd) == rtmp.LevelError:
			return true, statusError(what, cmd)
		}
		return false, nil
	})
	return res, err
}

// awaitStatus waits for an onStatus with code, failing on an error status,
// on the _error of transaction tx, and on codes that end the request.
func (c *Conn) awaitStatus(what string, tx float64, code string) error {
	return c.await(what, func(cmd *rtmp.Command) (bool, error) {
		switch cmd.Name {
		case rtmp.CmdOnStatus:
			info := rtmp.StatusInfo(cmd)
			got, _ := info.GetString("code")
			switch {
			case got == code:
				return true, nil
			case statusLevel(cmd) == rtmp.LevelError,
				got == rtmp.CodePlayStreamNotFound, got == rtmp.CodePlayFailed,
				got == rtmp.CodePublishBadName, got == rtmp.CodeStreamFailed:
				return true, statusError(what, cmd)
			}
		case rtmp.CmdError:
			if cmd.TransactionID == tx {
				return true, statusError(what, cmd)
			}
		}
		return false, nil
	})
}

// await reads messages until match accepts a command. Media and data
// messages read meanwhile are held for ReadMessage; other commands are
// dropped.
func (c *Conn) await(what string, match func(*rtmp.Command) (bool, error)) error {
	for {
		m, err := c.next()
		if err != nil {
			return fmt.Errorf("rtmp client: %s: %w", what, err)
		}
		if m.Type != rtmp.MsgAMF0Command && m.Type != rtmp.MsgAMF3Command {
			c.held = append(c.held, m)
			continue
		}
		cmd, err := rtmp.ParseCommand(m.Type, m.Payload())
		m.Body.Release()
		if err != nil {
			return fmt.Errorf("rtmp client: %s: %w", what, err)
		}
		if done, err := match(cmd); done {
			return err
		}
	}
}

func statusLevel(cmd *rtmp.Command) string {
	level, _ := rtmp.StatusInfo(cmd).GetString("level")
	return level
}

func statusError(what string, cmd *rtmp.Command) *StatusError {
	info := rtmp.StatusInfo(cmd)
	e := &StatusError{Command: what}
	e.Level, _ = info.GetString("level")
	e.Code, _ = info.GetString("code")
	e.Description, _ = info.GetString("description")
	if e.Code == "" {
		e.Code = cmd.Name
	}
	if v, ok := info.Get("ex"); ok {
		ex, _ := v.(amf.Object)
		if code, _ := ex.GetNumber("code"); code == 302 {
			e.Redirect, _ = ex.GetString("redirect2")
			if e.Redirect == "" {
				e.Redirect, _ = ex.GetString("redirect")
			}
		}
	}
	return e
}
