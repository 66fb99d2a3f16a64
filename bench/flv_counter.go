package bench

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cascade-live/cascade/flv"
)

// errEndOfBody reports that a chunked response body ended: the server
// closed the stream.
var errEndOfBody = errors.New("end of response body")

type flvState uint8

const (
	flvFileHeader flvState = iota
	flvSkip                // PreviousTagSize fields and bytes before the first tag
	flvTagHeader
	flvTagData
)

// FLVCounter walks an FLV stream (file header, then tags) and counts the
// data bytes of audio and video tags without copying them. The input may be
// cut anywhere. The zero value is ready to use.
type FLVCounter struct {
	// OnMedia is told of each audio and video tag end; nil tells no one.
	OnMedia MediaFunc
	// WantVideoHead reports whether the next video tag's first bytes are
	// wanted by OnMedia; nil means never.
	WantVideoHead func() bool

	// Media is the number of audio/video tag data bytes counted so far.
	Media uint64
	// Tags is the number of complete tags.
	Tags uint64

	state    flvState
	hdr      [flv.TagHeaderLen]byte // partial file or tag header
	hdrLen   int
	skip     uint32
	typ      uint8
	dataLeft uint32
	capture  int
	head     []byte
}

// Feed walks b and returns an error if it is not an FLV stream.
func (c *FLVCounter) Feed(b []byte) error {
	for len(b) > 0 {
		switch c.state {
		case flvFileHeader, flvTagHeader:
			want := flv.TagHeaderLen
			if c.state == flvFileHeader {
				want = flv.HeaderLen
			}
			k := copy(c.hdr[c.hdrLen:want], b)
			c.hdrLen += k
			b = b[k:]
			if c.hdrLen < want {
				return nil
			}
			c.hdrLen = 0
			var err error
			if c.state == flvFileHeader {
				err = c.fileHeader()
			} else {
				c.tagHeader()
			}
			if err != nil {
				return err
			}
		case flvSkip:
			k := min(int(c.skip), len(b))
			c.skip -= uint32(k)
			b = b[k:]
			if c.skip == 0 {
				c.state = flvTagHeader
			}
		case flvTagData:
			k := min(int(c.dataLeft), len(b))
			c.data(b[:k])
			b = b[k:]
		}
	}
	return nil
}

// fileHeader checks the FLV file header and skips to the first tag.
func (c *FLVCounter) fileHeader() error {
	h := c.hdr[:flv.HeaderLen]
	if h[0] != 'F' || h[1] != 'L' || h[2] != 'V' {
		return fmt.Errorf("bench: flv: signature %q: %w", h[:3], ErrProtocol)
	}
	off := binary.BigEndian.Uint32(h[5:9])
	if off < flv.HeaderLen || off > 1<<20 {
		return fmt.Errorf("bench: flv: header size %d: %w", off, ErrProtocol)
	}
	c.skip = off - flv.HeaderLen + flv.PreviousTagSizeLen
	c.state = flvSkip
	return nil
}

// tagHeader starts a tag.
func (c *FLVCounter) tagHeader() {
	c.typ = c.hdr[0] & 0x1f // without the Filter bit
	c.dataLeft = be24(c.hdr[1:4])
	c.head = c.head[:0]
	c.capture = 0
	if c.typ == flv.TagVideo && c.WantVideoHead != nil && c.WantVideoHead() {
		c.capture = videoHeadSize
	}
	c.state = flvTagData
	if c.dataLeft == 0 {
		c.endTag()
	}
}

// data consumes bytes of the current tag's data.
func (c *FLVCounter) data(b []byte) {
	c.dataLeft -= uint32(len(b))
	if c.typ == flv.TagAudio || c.typ == flv.TagVideo {
		c.Media += uint64(len(b))
	}
	if k := c.capture - len(c.head); k > 0 {
		c.head = append(c.head, b[:min(k, len(b))]...)
	}
	if c.dataLeft == 0 {
		c.endTag()
	}
}

// endTag finishes a tag and skips its PreviousTagSize.
func (c *FLVCounter) endTag() {
	c.Tags++
	if (c.typ == flv.TagAudio || c.typ == flv.TagVideo) && c.OnMedia != nil {
		c.OnMedia(c.typ, c.head)
	}
	c.skip = flv.PreviousTagSizeLen
	c.state = flvSkip
}

type chunkedState uint8

const (
	chunkedSize chunkedState = iota
	chunkedExt               // chunk extensions, up to the end of the size line
	chunkedData
	chunkedDataEnd // the CRLF after the data
	chunkedDone
)

// maxChunkLen bounds the size of one chunk of a chunked body.
const maxChunkLen = 1 << 40

// chunkedDecoder removes the chunked transfer coding (RFC 9112 7.1) from a
// response body, handing the chunk data on without copying it.
type chunkedDecoder struct {
	state  chunkedState
	size   uint64
	digits int
}

// Feed walks b and calls fn with each run of chunk data. It returns
// errEndOfBody once the last chunk has been seen.
func (d *chunkedDecoder) Feed(b []byte, fn func([]byte) error) error {
	for len(b) > 0 {
		switch d.state {
		case chunkedSize, chunkedExt:
			ch := b[0]
			b = b[1:]
			switch {
			case ch == '\n':
				if d.digits == 0 {
					return fmt.Errorf("bench: chunked body: empty chunk size: %w", ErrProtocol)
				}
				if d.size == 0 {
					d.state = chunkedDone
					return errEndOfBody
				}
				d.state = chunkedData
			case ch == '\r' || d.state == chunkedExt:
			case ch == ';' || ch == ' ' || ch == '\t':
				d.state = chunkedExt
			default:
				v, ok := unhex(ch)
				if !ok || d.size >= maxChunkLen {
					return fmt.Errorf("bench: chunked body: bad chunk size byte %q: %w", ch, ErrProtocol)
				}
				d.size = d.size<<4 | uint64(v)
				d.digits++
			}
		case chunkedData:
			k := int(min(d.size, uint64(len(b))))
			d.size -= uint64(k)
			if err := fn(b[:k]); err != nil {
				return err
			}
			b = b[k:]
			if d.size == 0 {
				d.state = chunkedDataEnd
			}
		case chunkedDataEnd:
			ch := b[0]
			b = b[1:]
			switch ch {
			case '\r':
			case '\n':
				d.state, d.digits = chunkedSize, 0
			default:
				return fmt.Errorf("bench: chunked body: %q after chunk data: %w", ch, ErrProtocol)
			}
		case chunkedDone:
			return errEndOfBody
		}
	}
	return nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
