package rtmp

import (
	"encoding/binary"
	"fmt"

	"github.com/cascade-live/cascade/buffer"
)

// Defaults for ChunkReader limits.
const (
	DefaultMaxMessageSize  = 8 << 20
	DefaultMaxChunkStreams = 256
)

// maxChunkHeaderSize is the longest chunk header: a 3-byte basic header, an
// 11-byte fmt 0 message header and a 4-byte extended timestamp.
const maxChunkHeaderSize = 3 + 11 + 4

// extendedTimestamp is the timestamp field value announcing a 4-byte
// extended timestamp.
const extendedTimestamp = 0xFFFFFF

// initialBodySize is the most a reader reserves for a message body before
// its payload arrives; larger bodies grow (at least doubling, from the
// buffer pool) as data is copied in, so a header announcing a large message
// costs nothing until the data comes.
const initialBodySize = 16 << 10

var messageHeaderSize = [4]int{11, 7, 3, 0}

// ChunkReader is an incremental chunk-stream parser: feed it whatever bytes
// arrived and it calls back with each complete message. It keeps partial
// chunk headers and partial messages between calls, so the input may be cut
// anywhere.
//
// The zero value is ready to use with the default limits. A ChunkReader is
// not safe for concurrent use.
type ChunkReader struct {
	// MaxMessageSize bounds the message length a chunk header may announce;
	// 0 means DefaultMaxMessageSize. Longer messages fail with ErrMessageTooLarge.
	MaxMessageSize int
	// MaxChunkStreams bounds the number of distinct chunk stream IDs the
	// peer may use; 0 means DefaultMaxChunkStreams.
	MaxChunkStreams int

	chunkSize int
	bytesRead uint64
	err       error // sticky protocol error

	// Chunk streams 2..9, the ones players and encoders use (ffmpeg's
	// go up to 8), inline; the others in high. A reader per player: 64
	// inline were half of its size.
	low      [10]*chunkStream
	high     map[uint32]*chunkStream
	nstreams int

	hdr    [maxChunkHeaderSize]byte // partial chunk header carried between Feed calls
	hdrLen int

	cur       *chunkStream // chunk stream whose chunk payload is being read
	chunkLeft int          // payload bytes left in the current chunk

	msg Message // handed to the callback; reused to avoid an allocation per message
}

// chunkStream is the receive state of one chunk stream ID.
type chunkStream struct {
	csid      uint32
	hasHeader bool
	typ       uint8
	streamID  uint32
	length    uint32
	timestamp uint32 // absolute timestamp of the current or last message
	// tsField is the last timestamp field value, with an extended timestamp
	// applied: the absolute timestamp after fmt 0, the delta after fmt 1 or 2.
	// A fmt 3 chunk starting a new message adds it again.
	tsField  uint32
	extended bool           // the last fmt 0/1/2 header used an extended timestamp
	body     *buffer.Buffer // message being assembled, nil between messages
}

// NewChunkReader returns a reader with the default chunk size (128) and limits.
func NewChunkReader() *ChunkReader {
	return &ChunkReader{chunkSize: DefaultChunkSize}
}

// ChunkSize returns the peer's current chunk size.
func (r *ChunkReader) ChunkSize() int {
	if r.chunkSize == 0 {
		return DefaultChunkSize
	}
	return r.chunkSize
}

// BytesRead returns the number of bytes consumed so far, the sequence
// number for acknowledgements.
func (r *ChunkReader) BytesRead() uint64 { return r.bytesRead }

// Feed consumes as much of b as it can and calls fn for each complete
// message, in order. Payload bytes are copied straight into the message's
// pooled Body, which grows as data arrives, never from an unchecked length.
//
// Set Chunk Size and Abort messages are applied by the reader as soon as
// they complete, so they govern the very next bytes of b; they are still
// passed to fn.
//
// fn owns msg.Body and must Release or keep it. The *Message itself is
// reused by the reader: fn must copy the struct, not keep the pointer.
//
// Feed returns the number of bytes consumed: all of b, unless fn returned an
// error (then the bytes up to the end of that message, and fn's error) or a
// protocol error occurred (then the bytes before it, and the error, which
// every later call returns too).
func (r *ChunkReader) Feed(b []byte, fn func(*Message) error) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.chunkSize == 0 {
		r.chunkSize = DefaultChunkSize
	}
	consumed := 0
	defer func() { r.bytesRead += uint64(consumed) }()
	for len(b) > 0 {
		var n int
		var err error
		if r.hdrLen > 0 {
			n, err = r.resumeHeader(b, fn)
		} else {
			n, err = r.feed(b, fn)
		}
		consumed += n
		b = b[n:]
		if err != nil {
			return consumed, err
		}
	}
	return consumed, nil
}

// feed runs the chunk state machine over b. It returns when b is used up
// (a trailing partial header is kept in r.hdr) or on an error.
func (r *ChunkReader) feed(b []byte, fn func(*Message) error) (int, error) {
	off := 0
	for off < len(b) {
		if r.cur == nil {
			n, err := r.parseHeader(b[off:])
			if err != nil {
				return off, r.fail(err)
			}
			if n == 0 {
				r.hdrLen = copy(r.hdr[:], b[off:])
				return len(b), nil
			}
			off += n
			if r.chunkLeft == 0 { // zero-length message
				if err := r.complete(r.cur, fn); err != nil {
					return off, err
				}
			}
			continue
		}
		k := min(r.chunkLeft, len(b)-off)
		cs := r.cur
		cs.body = growBody(cs.body, k, int(cs.length))
		cs.body.B = append(cs.body.B, b[off:off+k]...)
		off += k
		r.chunkLeft -= k
		if r.chunkLeft > 0 {
			break
		}
		r.cur = nil
		if len(cs.body.B) == int(cs.length) {
			if err := r.complete(cs, fn); err != nil {
				return off, err
			}
		}
	}
	return off, nil
}

// resumeHeader completes the partial header kept in r.hdr with bytes from b
// and returns how many bytes of b it used.
func (r *ChunkReader) resumeHeader(b []byte, fn func(*Message) error) (int, error) {
	k := copy(r.hdr[r.hdrLen:], b)
	have := r.hdrLen
	n, err := r.parseHeader(r.hdr[:have+k])
	if err != nil {
		return 0, r.fail(err)
	}
	if n == 0 {
		r.hdrLen += k
		return k, nil
	}
	r.hdrLen = 0
	if n < have {
		// The bytes peeked for a repeated extended timestamp turned out to
		// be payload: run them through the state machine again. What fn's
		// error leaves unread starts the next header, so keep it there.
		// (This only happens on a continuation chunk, so the payload
		// expected, r.chunkLeft, is not zero.)
		var rest [maxChunkHeaderSize]byte
		m := copy(rest[:], r.hdr[n:have])
		used, err := r.feed(rest[:m], fn)
		if err != nil && r.err == nil {
			r.hdrLen = copy(r.hdr[:], rest[used:m])
		}
		return 0, err
	}
	used := n - have
	if r.chunkLeft == 0 {
		if err := r.complete(r.cur, fn); err != nil {
			return used, err
		}
	}
	return used, nil
}

// parseHeader parses one chunk header at the start of p and commits it to
// the chunk stream state. It returns 0 and no error when p is too short.
func (r *ChunkReader) parseHeader(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	format := p[0] >> 6
	csid := uint32(p[0] & 0x3f)
	n := 1
	switch csid {
	case 0:
		if len(p) < 2 {
			return 0, nil
		}
		csid = 64 + uint32(p[1])
		n = 2
	case 1:
		if len(p) < 3 {
			return 0, nil
		}
		csid = 64 + uint32(p[1]) + uint32(p[2])<<8
		n = 3
	}
	mh := messageHeaderSize[format]
	if len(p) < n+mh {
		return 0, nil
	}
	h := p[n : n+mh]
	n += mh

	cs := r.lookup(csid)
	known := cs != nil && cs.hasHeader
	inProgress := cs != nil && cs.body != nil
	// A fresh chunk stream must start with a full header. librtmp sends its
	// first ping response as fmt 1 on a fresh chunk stream 2, which carries
	// everything but the message stream ID (0 for control messages), so
	// fmt 1 is accepted as SRS does.
	if !known && format >= 2 {
		return 0, fmt.Errorf("rtmp: chunk stream %d: fmt %d: %w", csid, format, ErrNoPreviousHeader)
	}
	if inProgress && format == 0 {
		return 0, fmt.Errorf("rtmp: chunk stream %d: fmt 0 with %d of %d bytes read: %w",
			csid, len(cs.body.B), cs.length, ErrUnexpectedHeader)
	}

	var tsField, length uint32
	var extended bool
	if format <= 2 {
		tsField = be24(h)
		if tsField == extendedTimestamp {
			if len(p) < n+4 {
				return 0, nil
			}
			tsField = binary.BigEndian.Uint32(p[n:])
			n += 4
			extended = true
		}
	}
	if format <= 1 {
		length = be24(h[3:])
		if int(length) > r.maxMessageSize() {
			return 0, fmt.Errorf("rtmp: chunk stream %d: message length %d, limit %d: %w",
				csid, length, r.maxMessageSize(), ErrMessageTooLarge)
		}
		if inProgress && length != cs.length {
			return 0, fmt.Errorf("rtmp: chunk stream %d: length %d changes to %d mid-message: %w",
				csid, cs.length, length, ErrUnexpectedHeader)
		}
	}
	if format == 3 && cs.extended {
		if !inProgress {
			// A fmt 3 chunk starting a message repeats the extended field.
			if len(p) < n+4 {
				return 0, nil
			}
			tsField = binary.BigEndian.Uint32(p[n:])
			n += 4
		} else {
			// Continuation chunks repeat the extended timestamp per the
			// specification, Flash and FMS; ffmpeg and librtmp (older
			// versions) and nginx-rtmp may omit it. It is present when
			// the next 4 bytes equal the header's value.
			switch present, decided := peekExtended(p[n:], cs.tsField); {
			case !decided:
				return 0, nil
			case present:
				n += 4
			}
		}
	}

	if cs == nil {
		var err error
		if cs, err = r.newStream(csid); err != nil {
			return 0, err
		}
	}
	switch format {
	case 0:
		cs.timestamp = tsField
		cs.tsField = tsField
		cs.extended = extended
		cs.length = length
		cs.typ = h[6]
		cs.streamID = binary.LittleEndian.Uint32(h[7:])
	case 1, 2:
		if format == 1 {
			cs.length = length
			cs.typ = h[6]
		}
		cs.timestamp += tsField
		cs.tsField = tsField
		cs.extended = extended
	case 3:
		if !inProgress {
			if cs.extended {
				cs.tsField = tsField
			}
			cs.timestamp += cs.tsField
		}
	}
	cs.hasHeader = true
	if !inProgress {
		cs.body = buffer.GetSize(min(int(cs.length), initialBodySize))
		cs.body.B = cs.body.B[:0]
	}
	r.cur = cs
	r.chunkLeft = min(r.chunkSize, int(cs.length)-len(cs.body.B))
	return n, nil
}

// peekExtended reports whether p starts with the 4-byte big-endian value v.
// decided is false while the bytes seen so far match but are fewer than 4.
func peekExtended(p []byte, v uint32) (present, decided bool) {
	var want [4]byte
	binary.BigEndian.PutUint32(want[:], v)
	for i := 0; i < 4; i++ {
		if i == len(p) {
			return false, false
		}
		if p[i] != want[i] {
			return false, true
		}
	}
	return true, true
}

// complete hands the message of cs, whose payload is all read, to fn after
// applying Set Chunk Size and Abort.
func (r *ChunkReader) complete(cs *chunkStream, fn func(*Message) error) error {
	r.cur = nil
	body := cs.body
	cs.body = nil
	switch cs.typ {
	case MsgSetChunkSize:
		size, err := ParseUint32(body.B)
		if err == nil {
			err = checkChunkSize(size)
		}
		if err != nil {
			body.Release()
			return r.fail(fmt.Errorf("rtmp: set chunk size: %w", err))
		}
		r.chunkSize = int(size)
	case MsgAbort:
		id, err := ParseUint32(body.B)
		if err != nil {
			body.Release()
			return r.fail(fmt.Errorf("rtmp: abort: %w", err))
		}
		if s := r.lookup(id); s != nil && s.body != nil {
			s.body.Release()
			s.body = nil
		}
	}
	r.msg = Message{Type: cs.typ, CSID: cs.csid, StreamID: cs.streamID, Timestamp: cs.timestamp, Body: body}
	return fn(&r.msg)
}

func (r *ChunkReader) fail(err error) error {
	if r.err == nil {
		r.err = err
	}
	return r.err
}

func (r *ChunkReader) maxMessageSize() int {
	if r.MaxMessageSize > 0 {
		return r.MaxMessageSize
	}
	return DefaultMaxMessageSize
}

func (r *ChunkReader) lookup(csid uint32) *chunkStream {
	if csid < uint32(len(r.low)) {
		return r.low[csid]
	}
	return r.high[csid]
}

func (r *ChunkReader) newStream(csid uint32) (*chunkStream, error) {
	limit := r.MaxChunkStreams
	if limit <= 0 {
		limit = DefaultMaxChunkStreams
	}
	if r.nstreams >= limit {
		return nil, fmt.Errorf("rtmp: chunk stream %d: more than %d streams: %w", csid, limit, ErrTooManyChunkStreams)
	}
	r.nstreams++
	cs := &chunkStream{csid: csid}
	if csid < uint32(len(r.low)) {
		r.low[csid] = cs
	} else {
		if r.high == nil {
			r.high = make(map[uint32]*chunkStream)
		}
		r.high[csid] = cs
	}
	return cs, nil
}

// Close releases the bodies of partially received messages. The reader
// must not be used afterwards.
func (r *ChunkReader) Close() {
	release := func(cs *chunkStream) {
		if cs != nil && cs.body != nil {
			cs.body.Release()
			cs.body = nil
		}
	}
	for _, cs := range r.low {
		release(cs)
	}
	for _, cs := range r.high {
		release(cs)
	}
	r.cur = nil
}

// growBody makes room in body for n more bytes of a message of length
// limit: it moves the bytes to a pooled buffer at least twice as large
// (never beyond limit) when the capacity is short.
func growBody(body *buffer.Buffer, n, limit int) *buffer.Buffer {
	need := len(body.B) + n
	if need <= cap(body.B) {
		return body
	}
	nb := buffer.GetSize(min(max(need, 2*cap(body.B)), limit))
	nb.B = append(nb.B[:0], body.B...)
	body.Release()
	return nb
}

func be24(b []byte) uint32 {
	_ = b[2]
	return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
}

func checkChunkSize(n uint32) error {
	if n < 1 || n > MaxChunkSize {
		return fmt.Errorf("%d: %w", n, ErrInvalidChunkSize)
	}
	return nil
}
