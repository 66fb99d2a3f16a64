package flv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// parseState is where a Parser is in the stream.
type parseState uint8

const (
	stateFileHeader parseState = iota // the 9-byte file header
	stateSkip                         // bytes up to DataOffset
	stateTagHeader                    // PreviousTagSize and the tag header
	stateData                         // the tag body
)

// tagHeadLen is what precedes every tag body: the PreviousTagSize of the
// tag before it and the tag header.
const tagHeadLen = PreviousTagSizeLen + TagHeaderLen

// Parser reads an FLV file or stream incrementally: Feed it bytes in pieces
// of any size, as they arrive from a socket, an event loop or an HTTP body,
// and it hands out each tag once it is complete. It is the one FLV framing
// parser of this package; Reader drives it from an io.Reader.
//
// A Parser keeps at most one tag's body (bounded by MaxDataSize) and only
// as much of it as has arrived. The zero value expects a file header; it is
// not safe for concurrent use.
type Parser struct {
	// MaxDataSize, when positive, fails the stream with ErrTagTooLarge at
	// the header of a tag larger than this, before any of its body is kept.
	MaxDataSize int
	// CheckPreviousTagSize fails the stream with ErrPreviousTagSize when a
	// PreviousTagSize field does not match the tag before it.
	CheckPreviousTagSize bool
	// Skipped counts the tags Feed dropped because their Filter bit was set
	// (encrypted bodies).
	Skipped uint64

	state    parseState
	hdr      [tagHeadLen]byte
	nhdr     int
	headAt   int64 // offset of the PreviousTagSize before the tag being read
	skip     int64 // bytes left to skip up to DataOffset
	size     int   // DataSize of the tag being read
	filtered bool  // the Filter bit of the tag being read
	tag      Tag
	buf      []byte // body of the tag being read, when it came in pieces
	prevSize uint32 // expected PreviousTagSize
	offset   int64  // bytes consumed
	version  uint8
	flags    uint8
	err      error
}

// Version returns the version field of the file header (1), once read.
func (p *Parser) Version() uint8 { return p.version }

// HasAudio reports the TypeFlagsAudio bit of the file header.
func (p *Parser) HasAudio() bool { return p.flags&flagAudio != 0 }

// HasVideo reports the TypeFlagsVideo bit of the file header.
func (p *Parser) HasVideo() bool { return p.flags&flagVideo != 0 }

// Offset returns the number of bytes consumed so far.
func (p *Parser) Offset() int64 { return p.offset }

// Feed consumes b and calls fn with every tag it completes. The Tag and its
// Data are only valid until fn returns. Tags with the Filter bit set are
// skipped and counted in Skipped. Feed returns the first error of the
// stream (ErrNotFLV, ErrTagTooLarge, ErrPreviousTagSize), which every later
// call returns again, or the first error fn returns, dropping the rest of b.
func (p *Parser) Feed(b []byte, fn func(*Tag) error) error {
	for len(b) > 0 {
		n, t, err := p.step(b)
		b = b[n:]
		switch {
		case errors.Is(err, ErrEncrypted):
			p.Skipped++
		case err != nil:
			return err
		case t != nil:
			if err := fn(t); err != nil {
				return err
			}
		}
	}
	return p.err
}

// Close reports whether the stream may end where it is: nil at the end of
// a tag (with or without the PreviousTagSize that follows it), the stream's
// error if it had one, else an error wrapping io.ErrUnexpectedEOF.
func (p *Parser) Close() error {
	switch {
	case p.err != nil:
		return p.err
	case p.state == stateTagHeader && (p.nhdr == 0 || p.nhdr == PreviousTagSizeLen):
		return nil
	case p.state == stateFileHeader && p.nhdr == 0 && p.offset == 0:
		return fmt.Errorf("flv: read file header: %w: %w", ErrNotFLV, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("flv: stream ends inside a structure at offset %d: %w", p.offset, io.ErrUnexpectedEOF)
}

// step consumes bytes of b up to the end of the next tag and returns how
// many it consumed and the tag if it completed one. A tag with the Filter
// bit set is consumed and reported with an error wrapping ErrEncrypted,
// which is not sticky; every other error is.
func (p *Parser) step(b []byte) (int, *Tag, error) {
	if p.err != nil {
		return len(b), nil, p.err
	}
	n, t, err := p.advance(b)
	p.offset += int64(n)
	if err != nil && !errors.Is(err, ErrEncrypted) {
		p.err = err
	}
	return n, t, err
}

func (p *Parser) advance(b []byte) (int, *Tag, error) {
	switch p.state {
	case stateFileHeader:
		n := copy(p.hdr[p.nhdr:HeaderLen], b)
		p.nhdr += n
		if p.nhdr < HeaderLen {
			return n, nil, nil
		}
		return n, nil, p.fileHeader()
	case stateSkip:
		n := int(min(p.skip, int64(len(b))))
		p.skip -= int64(n)
		if p.skip == 0 {
			p.state = stateTagHeader
		}
		return n, nil, nil
	case stateTagHeader:
		if p.nhdr == 0 {
			p.headAt = p.offset
		}
		n := copy(p.hdr[p.nhdr:], b)
		p.nhdr += n
		if p.nhdr < tagHeadLen {
			return n, nil, nil
		}
		p.nhdr = 0
		if err := p.tagHeader(); err != nil {
			return n, nil, err
		}
		if p.size > 0 {
			p.state = stateData
			return n, nil, nil
		}
		t, err := p.finish(p.buf[:0])
		return n, t, err
	default: // stateData
		if len(p.buf) == 0 && len(b) >= p.size {
			t, err := p.finish(b[:p.size]) // the whole body at hand: no copy
			return p.size, t, err
		}
		n := min(p.size-len(p.buf), len(b))
		p.buf = append(p.buf, b[:n]...)
		if len(p.buf) < p.size {
			return n, nil, nil
		}
		t, err := p.finish(p.buf)
		return n, t, err
	}
}

func (p *Parser) fileHeader() error {
	h := p.hdr[:HeaderLen]
	if h[0] != 'F' || h[1] != 'L' || h[2] != 'V' {
		return fmt.Errorf("flv: read file header: signature %q: %w", h[:3], ErrNotFLV)
	}
	offset := binary.BigEndian.Uint32(h[5:])
	if offset < HeaderLen || offset > maxDataOffset {
		return fmt.Errorf("flv: read file header: DataOffset %d: %w", offset, ErrNotFLV)
	}
	p.version, p.flags = h[3], h[4]
	p.nhdr = 0
	p.skip = int64(offset) - HeaderLen
	p.state = stateTagHeader
	if p.skip > 0 {
		p.state = stateSkip
	}
	return nil
}

func (p *Parser) tagHeader() error {
	tagOffset := p.headAt + PreviousTagSizeLen
	if prev := binary.BigEndian.Uint32(p.hdr[:]); p.CheckPreviousTagSize && prev != p.prevSize {
		return fmt.Errorf("flv: tag at offset %d: PreviousTagSize %d, want %d: %w", tagOffset, prev, p.prevSize, ErrPreviousTagSize)
	}
	h := ParseTagHeader(p.hdr[PreviousTagSizeLen:])
	p.size = h.DataSize
	if p.MaxDataSize > 0 && p.size > p.MaxDataSize {
		return fmt.Errorf("flv: tag at offset %d: DataSize %d > %d: %w", tagOffset, p.size, p.MaxDataSize, ErrTagTooLarge)
	}
	p.filtered = h.Filter
	p.tag = Tag{Type: h.Type, Timestamp: h.Timestamp, StreamID: h.StreamID}
	p.buf = p.buf[:0]
	return nil
}

// finish completes the tag being read with body data.
func (p *Parser) finish(data []byte) (*Tag, error) {
	p.tag.Data = data
	p.prevSize = uint32(TagHeaderLen + p.size)
	p.state = stateTagHeader
	if p.filtered {
		return &p.tag, fmt.Errorf("flv: tag at offset %d: %w", p.headAt+PreviousTagSizeLen, ErrEncrypted)
	}
	return &p.tag, nil
}
