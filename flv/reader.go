package flv

import (
	"errors"
	"fmt"
	"io"
)

// Tag is one FLV tag.
type Tag struct {
	Type      uint8  // TagAudio, TagVideo, TagScript
	Timestamp uint32 // milliseconds, with TimestampExtended as the top 8 bits
	StreamID  uint32 // always 0 in conforming files
	Data      []byte // tag body (RTMP message payload)
}

// maxDataOffset bounds the DataOffset of the file header: a header larger
// than this is not an FLV file this package reads.
const maxDataOffset = 1 << 20

// readChunk is the step by which a Reader grows a tag buffer, so that a
// DataSize from a short or hostile stream cannot make it allocate more than
// the stream really holds plus one chunk.
const readChunk = 1 << 20

// Reader reads tags from an FLV file or stream. It does the I/O and leaves
// the parsing to a Parser, reading exactly what the Parser needs next.
type Reader struct {
	// ReuseTag makes ReadTag return the same *Tag on every call, with Data
	// in a buffer that the next call overwrites.
	ReuseTag bool
	// MaxDataSize, when positive, makes ReadTag fail with ErrTagTooLarge
	// on tags larger than this, before reading their data.
	MaxDataSize int
	// CheckPreviousTagSize makes ReadTag fail with ErrPreviousTagSize when
	// a PreviousTagSize field does not match the tag before it. It is off
	// by default because some muxers write wrong values.
	CheckPreviousTagSize bool

	r   io.Reader
	p   Parser
	hdr [tagHeadLen]byte
	buf []byte
	err error
}

// NewReader reads and validates the FLV file header from r and returns a
// Reader positioned at the first tag. Wrap r in a bufio.Reader when it is
// not buffered: ReadTag makes two reads per tag.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{r: r}
	var h [HeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: %w", ErrNotFLV, io.ErrUnexpectedEOF)
		}
		return nil, fmt.Errorf("flv: read file header: %w", err)
	}
	if _, _, err := rd.p.step(h[:]); err != nil {
		return nil, err
	}
	if rd.p.skip > 0 {
		if _, err := io.CopyN(parserSkipper{&rd.p}, r, rd.p.skip); err != nil {
			return nil, fmt.Errorf("flv: read file header: skip to DataOffset %d: %w", rd.p.offset+rd.p.skip, noEOF(err))
		}
	}
	return rd, nil
}

// parserSkipper feeds the bytes before DataOffset to a Parser.
type parserSkipper struct{ p *Parser }

func (s parserSkipper) Write(b []byte) (int, error) {
	n, _, err := s.p.step(b)
	return n, err
}

// Version returns the version field of the file header (1).
func (r *Reader) Version() uint8 { return r.p.Version() }

// HasAudio reports the TypeFlagsAudio bit of the file header.
func (r *Reader) HasAudio() bool { return r.p.HasAudio() }

// HasVideo reports the TypeFlagsVideo bit of the file header.
func (r *Reader) HasVideo() bool { return r.p.HasVideo() }

// Offset returns the number of bytes consumed so far: the file offset of
// the PreviousTagSize field before the next tag.
func (r *Reader) Offset() int64 { return r.p.Offset() }

// ReadTag reads the next tag. It returns io.EOF at the end of the stream,
// after the PreviousTagSize of the last tag or when that field is
// missing; a stream that ends inside a tag yields io.ErrUnexpectedEOF.
//
// A tag with the Filter bit set is consumed and reported with
// ErrEncrypted; reading can go on with the next tag. Any other error is
// returned again by every later call.
func (r *Reader) ReadTag() (*Tag, error) {
	if r.err != nil {
		return nil, r.err
	}
	t, err := r.readTag()
	if err != nil && !errors.Is(err, ErrEncrypted) {
		r.err = err
	}
	return t, err
}

func (r *Reader) readTag() (*Tag, error) {
	r.p.MaxDataSize, r.p.CheckPreviousTagSize = r.MaxDataSize, r.CheckPreviousTagSize
	at := r.p.Offset()
	n, err := io.ReadFull(r.r, r.hdr[:])
	if err != nil {
		r.p.step(r.hdr[:n]) // count what was read
	}
	switch {
	case n == 0 && err == io.EOF, n == PreviousTagSizeLen && err == io.ErrUnexpectedEOF:
		return nil, io.EOF
	case n < PreviousTagSizeLen && err == io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("flv: read PreviousTagSize at offset %d: %w", at, err)
	case err != nil:
		return nil, fmt.Errorf("flv: read tag header at offset %d: %w", at+PreviousTagSizeLen, noEOF(err))
	}
	if _, t, err := r.p.step(r.hdr[:]); t != nil || err != nil {
		return r.own(t, err)
	}
	var data []byte
	if r.ReuseTag {
		data = r.buf[:0]
	}
	data, err = readData(r.r, data, r.p.size)
	if r.ReuseTag {
		r.buf = data
	}
	if err != nil {
		return nil, fmt.Errorf("flv: read tag data at offset %d (DataSize %d): %w", at+tagHeadLen, r.p.size, noEOF(err))
	}
	_, t, err := r.p.step(data)
	return r.own(t, err)
}

// own returns the Parser's tag as the caller may keep it: a new Tag unless
// ReuseTag is set. Its Data is already the Reader's buffer.
func (r *Reader) own(t *Tag, err error) (*Tag, error) {
	if t == nil {
		return nil, err
	}
	if !r.ReuseTag {
		c := *t
		if len(c.Data) == 0 {
			c.Data = []byte{}
		}
		t = &c
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// readData reads n bytes into buf[:0], growing it at most readChunk bytes
// ahead of what has arrived.
func readData(r io.Reader, buf []byte, n int) ([]byte, error) {
	if cap(buf) >= n || n <= readChunk {
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		m, err := io.ReadFull(r, buf)
		return buf[:m], err
	}
	for len(buf) < n {
		step := min(n-len(buf), readChunk)
		buf = append(buf, make([]byte, step)...)
		m, err := io.ReadFull(r, buf[len(buf)-step:])
		if err != nil {
			return buf[:len(buf)-step+m], err
		}
	}
	return buf, nil
}

// noEOF turns io.EOF into io.ErrUnexpectedEOF: inside a structure the end
// of the stream is never expected.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
