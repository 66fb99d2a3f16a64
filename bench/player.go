package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cascade-live/cascade/flv"
)

// Player states.
const (
	stateConnecting int32 = iota
	statePlaying
	stateFailed
)

// player is the record of one simulated player. Its counters are updated
// by the player's goroutine and read at any time by the run's sampler.
type player struct {
	// start is when the player began to connect, on the run's clock.
	start time.Duration
	// storm marks the players of a join storm.
	storm bool
	// lat, when set, receives the delivery latency of stamped frames.
	lat *latencyHist
	// lowat, when set, makes the player read in bulk: its socket wakes it
	// only once that many bytes are waiting (SO_RCVLOWAT).
	lowat int
	// clock returns the time since the start of the run.
	clock func() time.Duration

	state atomic.Int32
	// media counts audio and video payload bytes, wire every byte read.
	media atomic.Uint64
	wire  atomic.Uint64
	// lastMedia is when media last arrived, on the run's clock (0: never).
	lastMedia atomic.Int64
	// firstMedia and firstVideo are the times from start to the end of
	// the first audio/video message and of the first video frame that is
	// not a sequence header (0: none yet).
	firstMedia atomic.Int64
	firstVideo atomic.Int64
	// firstVideoKey is 1 if that video frame was a keyframe, -1 if not.
	firstVideoKey atomic.Int32
	// handshake is the time from start to the server's handshake reply
	// (RTMP; 0: none yet): in a join storm, how long accepting took.
	handshake atomic.Int64

	// failure is the reason the player failed; written by the player's
	// goroutine before it sets stateFailed.
	failure string
}

// readInBulk makes a bulk reader's socket wake it only once p.lowat bytes
// wait: one wakeup per few hundred milliseconds of the stream, not one per
// server write. (On loopback the wakeup is part of the server's write: a
// player on another machine would not cost it.)
func (p *player) readInBulk(conn net.Conn) error {
	if p.lowat == 0 {
		return nil
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return fmt.Errorf("bench: SO_RCVLOWAT on a %T", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVLOWAT, p.lowat)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("bench: SO_RCVLOWAT: %w", serr)
	}
	return nil
}

// newPlayer returns a player that starts now on clock.
func newPlayer(clock func() time.Duration) *player {
	return &player{clock: clock, start: clock()}
}

// playerStats is a snapshot of a player's counters.
type playerStats struct {
	Playing    bool
	Failed     bool
	Failure    string // set when Failed
	Media      uint64
	Wire       uint64
	LastMedia  time.Duration // on the run's clock; 0 means never
	FirstMedia time.Duration // from the player's start; 0 means none
	FirstVideo time.Duration
	// FirstVideoKey is 1 if the first video frame was a keyframe, -1 if
	// not, 0 if there was none.
	FirstVideoKey int
	Handshake     time.Duration // RTMP: from the start to S0+S1+S2; 0 means none
}

// Stats returns a snapshot of p's counters.
func (p *player) Stats() playerStats {
	st := p.state.Load()
	s := playerStats{
		Playing:       st == statePlaying,
		Failed:        st == stateFailed,
		Media:         p.media.Load(),
		Wire:          p.wire.Load(),
		LastMedia:     time.Duration(p.lastMedia.Load()),
		FirstMedia:    time.Duration(p.firstMedia.Load()),
		FirstVideo:    time.Duration(p.firstVideo.Load()),
		FirstVideoKey: int(p.firstVideoKey.Load()),
		Handshake:     time.Duration(p.handshake.Load()),
	}
	if s.Failed {
		s.Failure = p.failure
	}
	return s
}

// fail records the reason the player stopped, unless the run is over.
func (p *player) fail(ctx context.Context, stage string, err error) {
	if ctx.Err() != nil {
		return
	}
	p.failure = reason(stage, err)
	p.state.Store(stateFailed)
}

// account adds the bytes of one read.
func (p *player) account(wire int, media uint64) {
	p.wire.Add(uint64(wire))
	if media > 0 {
		p.media.Add(media)
		p.lastMedia.Store(int64(p.clock()))
	}
}

// onMedia is called at the end of each audio or video message, with the
// first bytes of the payload for video messages until the first frame has
// been classified.
func (p *player) onMedia(typ uint8, head []byte) {
	if p.firstMedia.Load() == 0 {
		p.firstMedia.Store(int64(max(p.clock()-p.start, 1)))
	}
	if p.lat != nil && typ == flv.TagVideo {
		if sent, ok := readStamp(head); ok {
			p.lat.add(p.clock() - sent)
		}
	}
	if typ != flv.TagVideo || p.firstVideo.Load() != 0 || len(head) == 0 {
		return
	}
	key, ok := classifyFirstVideo(head)
	if !ok {
		return
	}
	v := int32(-1)
	if key {
		v = 1
	}
	p.firstVideoKey.Store(v)
	p.firstVideo.Store(int64(max(p.clock()-p.start, 1)))
}

// wantsVideoHead reports whether the next video message's first bytes are
// needed to classify the first frame.
func (p *player) wantsVideoHead() bool { return p.lat != nil || p.firstVideo.Load() == 0 }

// videoHeadSize is how many leading payload bytes of a video message are
// kept to classify it.
const videoHeadSize = 64

// classifyFirstVideo tells whether a video message is a frame (ok) and if
// so whether it is a keyframe. Sequence headers, end-of-sequence markers,
// command frames and metadata are not frames.
func classifyFirstVideo(head []byte) (key, ok bool) {
	h, err := flv.ParseVideoTagHeader(head)
	if err != nil {
		// A head too short for an Enhanced multitrack header: fall back
		// to the frame type bits.
		if flv.IsVideoSequenceHeader(head) {
			return false, false
		}
		return flv.IsVideoKeyframe(head), true
	}
	switch {
	case h.IsCommand(), h.IsSequenceHeader():
		return false, false
	case h.Enhanced && (h.PacketType == flv.VideoPacketMetadata || h.PacketType == flv.VideoPacketSequenceEnd):
		return false, false
	case !h.Enhanced && (h.Codec == flv.VideoCodecAVC || h.Codec == flv.VideoCodecHEVC) && h.PacketType == flv.AVCPacketEndOfSequence:
		return false, false
	}
	return h.FrameType == flv.FrameTypeKey || h.FrameType == flv.FrameTypeGeneratedKey, true
}

// reason names a failure for the report: the stage and a short kind of
// error, so that failures of one kind add up under one name.
func reason(stage string, err error) string {
	var kind string
	var ne net.Error
	switch {
	case err == nil:
		kind = "unknown"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		kind = "closed by server"
	case errors.Is(err, syscall.ECONNREFUSED):
		kind = "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		kind = "connection reset"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		kind = "too many open files"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		kind = "no local port"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		kind = "timeout"
	default:
		var pe *protocolError
		switch {
		case errors.As(err, &pe):
			kind = pe.kind
		case errors.Is(err, ErrProtocol):
			kind = "protocol error"
		default:
			kind = short(err.Error())
		}
	}
	return stage + ": " + kind
}

// protocolError is a failure the server caused by what it answered; its
// text names it in reports, so it must not vary much between players.
type protocolError struct{ kind string }

func (e *protocolError) Error() string { return e.kind }

// protoErr returns a protocolError of the given kind.
func protoErr(kind string) error { return &protocolError{kind: kind} }

// dial connects to addr within the setup deadline.
func dial(ctx context.Context, addr string, deadline time.Time) (net.Conn, error) {
	d := net.Dialer{Deadline: deadline}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return c, nil
}

// closeOnDone closes c when ctx is done, so that a blocked read returns.
// The returned function stops it.
func closeOnDone(ctx context.Context, c net.Conn) func() bool {
	return context.AfterFunc(ctx, func() { _ = c.Close() })
}

// short shortens an untrusted string for a failure reason.
func short(s string) string {
	const n = 60
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
