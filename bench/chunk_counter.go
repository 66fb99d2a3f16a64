package bench

import (
	"encoding/binary"
	"fmt"

	"github.com/cascade-live/cascade/rtmp"
)

// Limits of what a ChunkCounter keeps of a message's payload.
const (
	maxCapturedCommand = 64 << 10 // commands longer than this are skipped
	maxChunkStreams    = 256
)

// chunkHeaderMax is the longest chunk header: 3-byte basic header, 11-byte
// message header and 4-byte extended timestamp.
const chunkHeaderMax = 3 + 11 + 4

var messageHeaderLen = [4]int{11, 7, 3, 0}

// MessageFunc receives a message a ChunkCounter kept whole: protocol
// control, user control and command messages. payload is valid only during
// the call.
type MessageFunc func(typ uint8, streamID uint32, payload []byte) error

// MediaFunc is called at the end of each audio, video or aggregate message.
// head holds the first payload bytes of a video message when the counter
// was asked for them, and is valid only during the call.
type MediaFunc func(typ uint8, head []byte)

// ChunkCounter walks an RTMP chunk stream (the bytes after the handshake)
// and counts the payload bytes of audio, video and aggregate messages
// without assembling them. It keeps the payloads of control and command
// messages, which are small, and applies Set Chunk Size and Abort itself.
// The input may be cut anywhere. The zero value is not usable: use
// NewChunkCounter.
type ChunkCounter struct {
	// OnMessage receives control and command messages; nil drops them.
	OnMessage MessageFunc
	// OnMedia is told of each media message end; nil tells no one.
	OnMedia MediaFunc
	// WantVideoHead reports whether the next video message's first bytes
	// are wanted by OnMedia; nil means never.
	WantVideoHead func() bool

	// Media is the number of audio/video payload bytes counted so far.
	Media uint64
	// Total is the number of bytes fed so far.
	Total uint64

	chunkSize uint32
	hdr       [chunkHeaderMax]byte // partial header carried between Feed calls
	hdrLen    int
	cur       *chunkStreamState // stream whose chunk payload is being read
	chunkLeft uint32

	low   [64]*chunkStreamState
	high  map[uint32]*chunkStreamState
	count int
}

// chunkStreamState is what a ChunkCounter knows of one chunk stream.
type chunkStreamState struct {
	csid      uint32
	hasHeader bool
	typ       uint8
	streamID  uint32
	length    uint32
	extended  bool   // the last fmt 0-2 header had an extended timestamp
	left      uint32 // payload bytes left in the current message; 0 between messages
	capture   int    // how many leading payload bytes to keep
	buf       []byte // the kept bytes
}

// NewChunkCounter returns a counter at the default chunk size (128).
func NewChunkCounter() *ChunkCounter {
	return &ChunkCounter{chunkSize: rtmp.DefaultChunkSize}
}

// ChunkSize returns the peer's current chunk size.
func (c *ChunkCounter) ChunkSize() int { return int(c.chunkSize) }

// Feed walks b. It returns a protocol error, or the first error returned
// by OnMessage; the counter is not usable after an error.
func (c *ChunkCounter) Feed(b []byte) error {
	c.Total += uint64(len(b))
	for len(b) > 0 {
		if c.chunkLeft > 0 {
			n := min(int(c.chunkLeft), len(b))
			if err := c.payload(b[:n]); err != nil {
				return err
			}
			b = b[n:]
			continue
		}
		if c.hdrLen == 0 {
			n, err := c.header(b)
			if err != nil {
				return err
			}
			if n == 0 { // a partial header: keep it for the next call
				c.hdrLen = copy(c.hdr[:], b)
				return nil
			}
			b = b[n:]
			continue
		}
		k := copy(c.hdr[c.hdrLen:], b)
		n, err := c.header(c.hdr[:c.hdrLen+k])
		if err != nil {
			return err
		}
		if n == 0 {
			c.hdrLen += k
			b = b[k:]
			continue
		}
		b = b[n-c.hdrLen:]
		c.hdrLen = 0
	}
	return nil
}

// header parses the chunk header at the start of p and returns its length,
// or 0 if p holds only part of it. A header that starts a message with an
// empty payload completes that message at once.
func (c *ChunkCounter) header(p []byte) (int, error) {
	format := p[0] >> 6
	csid := uint32(p[0] & 0x3f)
	n := 1
	switch csid {
	case 0:
		if len(p) < 2 {
			return 0, nil
		}
		csid, n = 64+uint32(p[1]), 2
	case 1:
		if len(p) < 3 {
			return 0, nil
		}
		csid, n = 64+uint32(p[1])+uint32(p[2])<<8, 3
	}
	mh := messageHeaderLen[format]
	if len(p) < n+mh {
		return 0, nil
	}
	cs, err := c.stream(csid)
	if err != nil {
		return 0, err
	}
	var ext bool
	if format < 3 {
		ext = be24(p[n:]) == 0xFFFFFF
	} else {
		if !cs.hasHeader {
			return 0, fmt.Errorf("bench: rtmp: chunk stream %d starts with a type 3 header: %w", csid, ErrProtocol)
		}
		ext = cs.extended
	}
	total := n + mh
	if ext {
		total += 4
	}
	if len(p) < total {
		return 0, nil
	}
	if format == 0 {
		cs.streamID = binary.LittleEndian.Uint32(p[n+7:])
	}
	if format <= 1 {
		cs.length = be24(p[n+3:])
		cs.typ = p[n+6]
	}
	if format < 3 {
		if !cs.hasHeader && format != 0 {
			return 0, fmt.Errorf("bench: rtmp: chunk stream %d starts with a type %d header: %w", csid, format, ErrProtocol)
		}
		cs.hasHeader = true
		cs.extended = ext
		// A new header in the middle of a message abandons that message.
		cs.left = 0
	}
	if cs.left == 0 {
		c.begin(cs)
		if cs.left == 0 {
			return total, c.complete(cs)
		}
	}
	c.cur = cs
	c.chunkLeft = min(c.chunkSize, cs.left)
	return total, nil
}

// begin starts a message on cs.
func (c *ChunkCounter) begin(cs *chunkStreamState) {
	cs.left = cs.length
	cs.buf = cs.buf[:0]
	switch cs.typ {
	case rtmp.MsgAudio, rtmp.MsgAggregate, rtmp.MsgAMF0Data, rtmp.MsgAMF3Data:
		cs.capture = 0
	case rtmp.MsgVideo:
		cs.capture = 0
		if c.WantVideoHead != nil && c.WantVideoHead() {
			cs.capture = videoHeadSize
		}
	default:
		cs.capture = 0
		if cs.length <= maxCapturedCommand {
			cs.capture = int(cs.length)
		}
	}
}

// payload consumes bytes of the current chunk.
func (c *ChunkCounter) payload(b []byte) error {
	cs := c.cur
	n := uint32(len(b))
	c.chunkLeft -= n
	cs.left -= n
	switch cs.typ {
	case rtmp.MsgAudio, rtmp.MsgVideo, rtmp.MsgAggregate:
		c.Media += uint64(n)
	}
	if k := cs.capture - len(cs.buf); k > 0 {
		cs.buf = append(cs.buf, b[:min(k, len(b))]...)
	}
	if cs.left == 0 {
		return c.complete(cs)
	}
	return nil
}

// complete handles the end of a message on cs.
func (c *ChunkCounter) complete(cs *chunkStreamState) error {
	switch cs.typ {
	case rtmp.MsgAudio, rtmp.MsgVideo, rtmp.MsgAggregate:
		if c.OnMedia != nil {
			c.OnMedia(cs.typ, cs.buf)
		}
		return nil
	case rtmp.MsgAMF0Data, rtmp.MsgAMF3Data:
		return nil
	}
	if len(cs.buf) < int(cs.length) {
		return nil // a command too long to keep
	}
	switch cs.typ {
	case rtmp.MsgSetChunkSize:
		n, err := rtmp.ParseUint32(cs.buf)
		if err != nil {
			return fmt.Errorf("bench: rtmp: set chunk size: %w", err)
		}
		n &= 0x7FFFFFFF
		if n < 1 {
			return fmt.Errorf("bench: rtmp: chunk size %d: %w", n, ErrProtocol)
		}
		c.chunkSize = min(n, rtmp.MaxChunkSize)
	case rtmp.MsgAbort:
		id, err := rtmp.ParseUint32(cs.buf)
		if err != nil {
			return fmt.Errorf("bench: rtmp: abort: %w", err)
		}
		if s := c.lookup(id); s != nil {
			s.left = 0
		}
	}
	if c.OnMessage != nil {
		return c.OnMessage(cs.typ, cs.streamID, cs.buf)
	}
	return nil
}

func (c *ChunkCounter) lookup(csid uint32) *chunkStreamState {
	if csid < uint32(len(c.low)) {
		return c.low[csid]
	}
	return c.high[csid]
}

// stream returns the state of csid, creating it on first use.
func (c *ChunkCounter) stream(csid uint32) (*chunkStreamState, error) {
	if cs := c.lookup(csid); cs != nil {
		return cs, nil
	}
	if c.count >= maxChunkStreams {
		return nil, fmt.Errorf("bench: rtmp: more than %d chunk streams: %w", maxChunkStreams, ErrProtocol)
	}
	c.count++
	cs := &chunkStreamState{csid: csid}
	if csid < uint32(len(c.low)) {
		c.low[csid] = cs
	} else {
		if c.high == nil {
			c.high = make(map[uint32]*chunkStreamState)
		}
		c.high[csid] = cs
	}
	return cs, nil
}

func be24(b []byte) uint32 { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }
