package mp4

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors of Walk.
var (
	// ErrTruncated means a box claims more bytes than there are.
	ErrTruncated = errors.New("mp4: truncated box")
	// ErrInvalidBox means a box's size is smaller than its header.
	ErrInvalidBox = errors.New("mp4: invalid box size")
	// ErrTooDeep means boxes are nested deeper than MaxDepth.
	ErrTooDeep = errors.New("mp4: boxes nested too deeply")
)

// MaxDepth bounds how deeply Walk descends.
const MaxDepth = 16

// Box is a box found by Walk.
type Box struct {
	Type   string // four characters
	Path   string // the types from the top level down to this box, joined by "/"
	Offset int    // of the box's header in the input
	Body   []byte // the box's content after its header
}

// containers are the boxes Walk descends into, with the bytes to skip
// before their children: a FullBox header, entry counts, the fixed fields
// of a sample entry.
var containers = map[string]int{
	"moov": 0, "trak": 0, "mdia": 0, "minf": 0, "dinf": 0, "stbl": 0,
	"mvex": 0, "moof": 0, "traf": 0, "edts": 0, "udta": 0,
	"stsd": 8, "dref": 8,
	"avc1": 78, "avc3": 78, "hvc1": 78, "hev1": 78, "mp4a": 28,
}

// Walk calls fn for every box in b, parents before their children, and
// descends into the container boxes of this package's files. It stops at
// the first error, from fn or for a malformed box.
func Walk(b []byte, fn func(Box) error) error {
	return walk(b, 0, "", 0, fn)
}

func walk(b []byte, base int, parent string, depth int, fn func(Box) error) error {
	if depth > MaxDepth {
		return fmt.Errorf("%w at offset %d", ErrTooDeep, base)
	}
	for off := 0; off < len(b); {
		if len(b)-off < 8 {
			return fmt.Errorf("%w: %d bytes of a header at offset %d", ErrTruncated, len(b)-off, base+off)
		}
		size := uint64(binary.BigEndian.Uint32(b[off:]))
		typ := string(b[off+4 : off+8])
		header := uint64(8)
		switch size {
		case 0: // to the end
			size = uint64(len(b) - off)
		case 1: // a 64-bit size follows
			if len(b)-off < 16 {
				return fmt.Errorf("%w: large size of %q at offset %d", ErrTruncated, typ, base+off)
			}
			size = binary.BigEndian.Uint64(b[off+8:])
			header = 16
		}
		if size < header {
			return fmt.Errorf("%w: %q of %d bytes at offset %d", ErrInvalidBox, typ, size, base+off)
		}
		if size > uint64(len(b)-off) {
			return fmt.Errorf("%w: %q of %d bytes at offset %d, %d left", ErrTruncated, typ, size, base+off, len(b)-off)
		}
		path := typ
		if parent != "" {
			path = parent + "/" + typ
		}
		body := b[off+int(header) : off+int(size)]
		if err := fn(Box{Type: typ, Path: path, Offset: base + off, Body: body}); err != nil {
			return err
		}
		if skip, ok := containers[typ]; ok {
			if skip > len(body) {
				return fmt.Errorf("%w: %q needs %d bytes before its children, has %d", ErrTruncated, typ, skip, len(body))
			}
			if err := walk(body[skip:], base+off+int(header)+skip, path, depth+1, fn); err != nil {
				return err
			}
		}
		off += int(size)
	}
	return nil
}
