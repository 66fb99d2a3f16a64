package live

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
)

// ErrReaderClosed is returned by ReadTag and ReadBytes after Close.
var ErrReaderClosed = errors.New("live: reader closed")

// readerBuffer bounds the bytes a Reader holds that its goroutine has not
// read; beyond it the Reader's consumer queues references like a player
// whose socket is full, and so is cut to a keyframe or dropped the same way.
const readerBuffer = 4 << 20

// Reader is a player that is not a connection: a goroutine that reads a
// source as FLV tags (a forward, an edge's publish relay) or as the shared
// MPEG-TS form (an SRT player). Its consumer lives on an event loop like any
// player's, with the GOP cache at start and the same queue bounds; the bytes
// it takes are copied once into a bounded buffer that the goroutine drains.
type Reader struct {
	reg  *Registry
	loop *Loop
	c    *Consumer // set and used on loop

	mu     sync.Mutex
	tags   []*buffer.Buffer // what each write gave (whole FLV tags, or TS packets), not yet read
	size   int
	err    error
	ready  chan struct{} // one token: tags or an error arrived
	cur    *buffer.Buffer
	closed bool
}

// Tag is one message read by a Reader. Payload is valid until the next
// ReadTag or Close.
type Tag struct {
	Type      uint8 // 8 audio, 9 video, 18 script data
	Timestamp uint32
	Payload   []byte
}

type runFunc func()

func (f runFunc) Run(context.Context) error { f(); return nil }

// Read attaches a Reader of form (FormFLV, read with ReadTag, or FormTS,
// read with ReadBytes) to vhost/app/stream on loop l (any of the server's
// loops; spread them). It returns once the Reader has joined.
func (r *Registry) Read(ctx context.Context, l *Loop, vhost, app, stream string, cfg *Config, form Form) (*Reader, error) {
	rd := &Reader{reg: r, loop: l, ready: make(chan struct{}, 1)}
	joined := make(chan struct{})
	join := runFunc(func() {
		rd.c = r.Play(l, vhost, app, stream, cfg, readerSink{rd}, JoinOptions{Form: form})
		close(joined)
	})
	if err := l.exec.Execute(ctx, join); err != nil {
		return nil, fmt.Errorf("live: read %s: %w", Key(vhost, app, stream), err)
	}
	select {
	case <-joined:
		return rd, nil
	case <-ctx.Done():
		go func() { <-joined; rd.Close() }()
		return nil, ctx.Err()
	}
}

// Source is the stream read.
func (rd *Reader) Source() *Source { return rd.c.src }

// readerSink is the Reader as its consumer's connection.
type readerSink struct{ rd *Reader }

// Writev takes whole slices (tags, a packet's TS) while the buffer has
// room (called on the loop).
func (s readerSink) Writev(bufs [][]byte) (int, error) {
	rd := s.rd
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.closed {
		return 0, ErrReaderClosed
	}
	n := 0
	for _, b := range bufs {
		if rd.size > 0 && rd.size+len(b) > readerBuffer {
			break
		}
		t := buffer.GetSize(len(b))
		copy(t.B, b)
		rd.tags = append(rd.tags, t)
		rd.size += len(b)
		n += len(b)
	}
	if n > 0 {
		rd.signal()
	}
	return n, nil
}

// Close is the consumer's "connection" ending (on the loop): the goroutine
// reads what is buffered, then err. The consumer is closed by a task, as a
// connection's would be by its close event.
func (s readerSink) Close(err error) {
	rd := s.rd
	rd.mu.Lock()
	if rd.err == nil {
		rd.err = err
	}
	rd.signal()
	rd.mu.Unlock()
	rd.closeConsumer()
}

func (rd *Reader) closeConsumer() {
	_ = rd.loop.exec.Execute(context.Background(), runFunc(func() { rd.c.Close() }))
}

func (rd *Reader) signal() {
	select {
	case rd.ready <- struct{}{}:
	default:
	}
}

// ReadTag returns the next tag of a FormFLV Reader, waiting for one. After
// the consumer was dropped (too slow) it returns the error, wrapping
// ErrSlowConsumer.
func (rd *Reader) ReadTag(ctx context.Context) (Tag, error) {
	b, err := rd.ReadBytes(ctx)
	if err != nil {
		return Tag{}, err
	}
	if len(b) < flv.TagHeaderLen+flv.PreviousTagSizeLen {
		return Tag{}, fmt.Errorf("live: reader: short tag of %d bytes", len(b))
	}
	h := flv.ParseTagHeader(b)
	end := flv.TagHeaderLen + h.DataSize
	if end > len(b) {
		return Tag{}, fmt.Errorf("live: reader: tag of %d bytes says %d", len(b), h.DataSize)
	}
	return Tag{Type: h.Type, Timestamp: h.Timestamp, Payload: b[flv.TagHeaderLen:end]}, nil
}

// ReadBytes returns the next bytes in the Reader's form, waiting for them:
// one FLV tag, or a packet's MPEG-TS packets (a TS Reader starts with PAT
// and PMT, then a keyframe), copied from the form every player shares,
// and valid until the next read or Close. After the consumer was dropped (too slow) it
// returns the error, wrapping ErrSlowConsumer.
func (rd *Reader) ReadBytes(ctx context.Context) ([]byte, error) {
	for {
		rd.mu.Lock()
		if rd.cur != nil {
			rd.cur.Release()
			rd.cur = nil
		}
		if len(rd.tags) > 0 {
			t := rd.tags[0]
			rd.tags[0] = nil
			rd.tags = rd.tags[1:]
			rd.size -= len(t.B)
			rd.cur = t
			rd.mu.Unlock()
			return t.B, nil
		}
		if err := rd.err; err != nil {
			rd.mu.Unlock()
			return nil, err
		}
		rd.mu.Unlock()
		select {
		case <-rd.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close detaches the Reader and releases what it holds.
func (rd *Reader) Close() error {
	rd.mu.Lock()
	if rd.closed {
		rd.mu.Unlock()
		return nil
	}
	rd.closed = true
	if rd.err == nil {
		rd.err = ErrReaderClosed
	}
	for _, t := range rd.tags {
		t.Release()
	}
	rd.tags, rd.size = nil, 0
	if rd.cur != nil {
		rd.cur.Release()
		rd.cur = nil
	}
	rd.signal()
	rd.mu.Unlock()
	rd.closeConsumer()
	return nil
}
