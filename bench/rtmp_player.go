package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/rtmp"
)

// Transaction IDs of the commands a player sends.
const (
	txConnect      = 1
	txCreateStream = 2
)

// bufferLengthMS is the buffer length a player announces, as ffplay does.
const bufferLengthMS = 3000

// rtmpPhase is how far an RTMP player's setup has got.
type rtmpPhase uint8

const (
	phaseConnect rtmpPhase = iota
	phaseCreateStream
	phasePlay
	phasePlaying
)

// rtmpPlayer is the state of one RTMP player.
type rtmpPlayer struct {
	p        *player
	t        *Target
	conn     net.Conn
	counter  *ChunkCounter
	phase    rtmpPhase
	streamID uint32
	out      []byte // scratch for what the player sends

	ackWindow uint32
	lastAck   uint64
}

// playRTMP runs one RTMP player until ctx is done or the connection fails.
func playRTMP(ctx context.Context, p *player, t *Target, cfg *Config, buf []byte) {
	deadline := time.Now().Add(cfg.Timeout)
	conn, err := dial(ctx, t.Addr, deadline)
	if err != nil {
		p.fail(ctx, "dial", err)
		return
	}
	defer conn.Close()
	stop := closeOnDone(ctx, conn)
	defer stop()
	_ = conn.SetDeadline(deadline)

	if err := rtmpHandshake(conn, buf); err != nil {
		p.fail(ctx, "handshake", err)
		return
	}
	p.handshake.Store(int64(max(p.clock()-p.start, 1)))
	p.wire.Add(1 + 2*rtmp.HandshakeSize)
	r := &rtmpPlayer{p: p, t: t, conn: conn, counter: NewChunkCounter()}
	r.counter.OnMessage = r.onMessage
	r.counter.OnMedia = p.onMedia
	r.counter.WantVideoHead = p.wantsVideoHead
	if err := r.connect(); err != nil {
		p.fail(ctx, "connect", err)
		return
	}
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			media := r.counter.Media
			ferr := r.counter.Feed(buf[:n])
			p.account(n, r.counter.Media-media)
			if ferr == nil {
				ferr = r.acknowledge()
			}
			if ferr != nil {
				p.fail(ctx, r.stage(), ferr)
				return
			}
		}
		if err != nil {
			p.fail(ctx, r.stage(), err)
			return
		}
	}
}

// rtmpHandshake does the client side of the simple handshake; buf must
// hold S0+S1+S2.
func rtmpHandshake(conn net.Conn, buf []byte) error {
	h, err := rtmp.NewClientHandshake(false, nil)
	if err != nil {
		return err
	}
	if _, err := conn.Write(h.C0C1()); err != nil {
		return err
	}
	s := buf[:1+2*rtmp.HandshakeSize]
	if _, err := io.ReadFull(conn, s); err != nil {
		return err
	}
	c2, err := h.Respond(s, nil)
	if err != nil {
		return err
	}
	_, err = conn.Write(c2)
	return err
}

// stage names the phase a failure happened in.
func (r *rtmpPlayer) stage() string {
	switch r.phase {
	case phaseConnect:
		return "connect"
	case phaseCreateStream:
		return "createStream"
	case phasePlay:
		return "play"
	}
	return "stream"
}

// connect sends the connect command.
func (r *rtmpPlayer) connect() error {
	return r.command(rtmp.CSIDCommand, 0, &rtmp.Command{
		Name:          rtmp.CmdConnect,
		TransactionID: txConnect,
		Object: amf.Object{
			{Key: "app", Value: r.t.App},
			{Key: "flashVer", Value: "LNX 9,0,124,2"},
			{Key: "tcUrl", Value: r.t.TcURL},
			{Key: "fpad", Value: false},
			{Key: "capabilities", Value: float64(15)},
			{Key: "audioCodecs", Value: float64(4071)},
			{Key: "videoCodecs", Value: float64(252)},
			{Key: "videoFunction", Value: float64(1)},
		},
	})
}

// command sends one command message.
func (r *rtmpPlayer) command(csid, streamID uint32, cmd *rtmp.Command) error {
	b, err := rtmp.AppendCommand(r.out[:0], csid, streamID, cmd, rtmp.DefaultChunkSize)
	if err != nil {
		return err
	}
	r.out = b
	_, err = r.conn.Write(b)
	return err
}

// onMessage answers what the server sends during setup and the pings it
// may send later.
func (r *rtmpPlayer) onMessage(typ uint8, streamID uint32, payload []byte) error {
	switch typ {
	case rtmp.MsgWindowAckSize:
		n, err := rtmp.ParseUint32(payload)
		if err != nil {
			return fmt.Errorf("window acknowledgement size: %w", err)
		}
		r.ackWindow = n
	case rtmp.MsgUserControl:
		uc, err := rtmp.ParseUserControl(payload)
		if err == nil && uc.Event == rtmp.EventPingRequest {
			r.out = rtmp.AppendUserControl(r.out[:0], rtmp.EventPingResponse, uc.Data)
			_, err = r.conn.Write(r.out)
			return err
		}
	case rtmp.MsgAMF0Command, rtmp.MsgAMF3Command:
		cmd, err := rtmp.ParseCommand(typ, payload)
		if err != nil {
			return err
		}
		return r.onCommand(cmd)
	}
	return nil
}

// onCommand moves the setup along: connect, createStream, play.
func (r *rtmpPlayer) onCommand(cmd *rtmp.Command) error {
	switch cmd.Name {
	case rtmp.CmdError:
		return protoErr("rejected: " + statusCode(cmd))
	case rtmp.CmdResult:
		switch {
		case r.phase == phaseConnect && cmd.TransactionID == txConnect:
			r.phase = phaseCreateStream
			return r.command(rtmp.CSIDCommand, 0, &rtmp.Command{Name: rtmp.CmdCreateStream, TransactionID: txCreateStream})
		case r.phase == phaseCreateStream && cmd.TransactionID == txCreateStream:
			id := float64(1)
			if len(cmd.Args) > 0 {
				if v, ok := cmd.Args[0].(float64); ok {
					id = v
				}
			}
			r.streamID = uint32(id)
			r.phase = phasePlay
			return r.play()
		}
	case rtmp.CmdOnStatus:
		info := rtmp.StatusInfo(cmd)
		level, _ := info.GetString("level")
		code, _ := info.GetString("code")
		if level == rtmp.LevelError {
			return protoErr("rejected: " + short(code))
		}
		if r.phase == phasePlay && code == rtmp.CodePlayStart {
			r.phase = phasePlaying
			r.p.state.Store(statePlaying)
			if err := r.p.readInBulk(r.conn); err != nil {
				return err
			}
			return r.conn.SetDeadline(time.Time{})
		}
	}
	return nil
}

// play asks for the stream, announcing a buffer length first.
func (r *rtmpPlayer) play() error {
	b := rtmp.AppendUserControl(r.out[:0], rtmp.EventSetBufferLength, r.streamID, bufferLengthMS)
	b, err := rtmp.AppendCommand(b, rtmp.CSIDStream, r.streamID, &rtmp.Command{
		Name: rtmp.CmdPlay,
		Args: []any{r.t.Stream, float64(-1000)},
	}, rtmp.DefaultChunkSize)
	if err != nil {
		return err
	}
	r.out = b
	_, err = r.conn.Write(b)
	return err
}

// acknowledge sends an Acknowledgement each time the server's window of
// bytes has arrived. Neither SRS nor cascade wait for it, but Flash Player
// and ffmpeg send it, and some servers stop sending without it.
func (r *rtmpPlayer) acknowledge() error {
	if r.ackWindow == 0 || r.counter.Total-r.lastAck < uint64(r.ackWindow) {
		return nil
	}
	r.lastAck = r.counter.Total
	r.out = rtmp.AppendAck(r.out[:0], uint32(r.counter.Total))
	_, err := r.conn.Write(r.out)
	return err
}

// statusCode returns the code of a command's information object.
func statusCode(cmd *rtmp.Command) string {
	code, _ := rtmp.StatusInfo(cmd).GetString("code")
	if code == "" {
		return "no code"
	}
	return short(code)
}
