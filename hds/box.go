package hds

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Box types of the HDS bootstrap and fragment formats (Adobe F4V/HDS
// specification, annex "F4V file format").
const (
	TypeBootstrap    = "abst" // bootstrap info
	TypeSegmentRun   = "asrt" // segment run table
	TypeFragmentRun  = "afrt" // fragment run table
	TypeRandomAccess = "afra" // fragment random access
	TypeMediaData    = "mdat"
)

// boxHeaderLen is the size of a box header with a 32-bit size.
const boxHeaderLen = 8

// appendBoxHeader appends a header for a box with size bytes of content.
func appendBoxHeader(dst []byte, typ string, size int) []byte {
	if total := uint64(size) + boxHeaderLen; total <= math.MaxUint32 {
		dst = binary.BigEndian.AppendUint32(dst, uint32(total))
		return append(dst, typ...)
	}
	dst = binary.BigEndian.AppendUint32(dst, 1) // a 64-bit size follows
	dst = append(dst, typ...)
	return binary.BigEndian.AppendUint64(dst, uint64(size)+boxHeaderLen+8)
}

// appendBox appends a box whose content is written by body, patching the
// 32-bit size once it is known.
func appendBox(dst []byte, typ string, body func([]byte) []byte) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = append(dst, typ...)
	dst = body(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start))
	return dst
}

// NextBox splits the first box off b: its type, its content (after the
// header) and the bytes after it.
func NextBox(b []byte) (typ string, content, rest []byte, err error) {
	if len(b) < boxHeaderLen {
		return "", nil, nil, fmt.Errorf("hds: box header of %d bytes: %w", len(b), ErrShortBox)
	}
	size := uint64(binary.BigEndian.Uint32(b))
	typ = string(b[4:8])
	hdr := uint64(boxHeaderLen)
	switch size {
	case 0: // to the end of the data
		size = uint64(len(b))
	case 1:
		if len(b) < 16 {
			return "", nil, nil, fmt.Errorf("hds: %q box: 64-bit size: %w", typ, ErrShortBox)
		}
		size, hdr = binary.BigEndian.Uint64(b[8:]), 16
	}
	if size < hdr {
		return "", nil, nil, fmt.Errorf("hds: %q box of size %d: %w", typ, size, ErrInvalidBox)
	}
	if size > uint64(len(b)) {
		return "", nil, nil, fmt.Errorf("hds: %q box of size %d in %d bytes: %w", typ, size, len(b), ErrShortBox)
	}
	return typ, b[hdr:size], b[size:], nil
}

// reader reads the fields of a box's content; the first error sticks.
type reader struct {
	b   []byte
	off int
	err error
	box string
}

func (r *reader) need(n int, what string) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = fmt.Errorf("hds: %s: %s at offset %d: %w", r.box, what, r.off, ErrShortBox)
		return false
	}
	return true
}

func (r *reader) u8(what string) uint8 {
	if !r.need(1, what) {
		return 0
	}
	r.off++
	return r.b[r.off-1]
}

func (r *reader) u16(what string) uint16 {
	if !r.need(2, what) {
		return 0
	}
	r.off += 2
	return binary.BigEndian.Uint16(r.b[r.off-2:])
}

func (r *reader) u24(what string) uint32 {
	if !r.need(3, what) {
		return 0
	}
	r.off += 3
	b := r.b[r.off-3:]
	return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
}

func (r *reader) u32(what string) uint32 {
	if !r.need(4, what) {
		return 0
	}
	r.off += 4
	return binary.BigEndian.Uint32(r.b[r.off-4:])
}

func (r *reader) u64(what string) uint64 {
	if !r.need(8, what) {
		return 0
	}
	r.off += 8
	return binary.BigEndian.Uint64(r.b[r.off-8:])
}

// str reads a null-terminated string.
func (r *reader) str(what string) string {
	if r.err != nil {
		return ""
	}
	for i := r.off; i < len(r.b); i++ {
		if r.b[i] == 0 {
			s := string(r.b[r.off:i])
			r.off = i + 1
			return s
		}
	}
	r.err = fmt.Errorf("hds: %s: %s at offset %d: no terminating null: %w", r.box, what, r.off, ErrShortBox)
	return ""
}

// count reads a count of entries of at least minSize bytes each and
// checks that they can fit in what is left.
func (r *reader) count(n uint64, minSize int, what string) int {
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.b)-r.off)/uint64(minSize) {
		r.err = fmt.Errorf("hds: %s: %d %s in %d bytes: %w", r.box, n, what, len(r.b)-r.off, ErrInvalidBox)
		return 0
	}
	return int(n)
}

func (r *reader) strings(n int, what string) []string {
	n = r.count(uint64(n), 1, what)
	if n == 0 {
		return nil
	}
	ss := make([]string, 0, n)
	for range n {
		ss = append(ss, r.str(what))
	}
	return ss
}

// child reads a nested box of type typ.
func (r *reader) child(typ string) []byte {
	if r.err != nil {
		return nil
	}
	got, content, rest, err := NextBox(r.b[r.off:])
	if err != nil {
		r.err = fmt.Errorf("hds: %s: %w", r.box, err)
		return nil
	}
	if got != typ {
		r.err = fmt.Errorf("hds: %s: got a %q box, want %q: %w", r.box, got, typ, ErrInvalidBox)
		return nil
	}
	r.off = len(r.b) - len(rest)
	return content
}

func appendString(dst []byte, s string) []byte {
	return append(append(dst, s...), 0)
}

func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, uint8(len(ss)))
	for _, s := range ss {
		dst = appendString(dst, s)
	}
	return dst
}

// parseBox checks that b is exactly one box of type typ and returns a
// reader over its content, past the version and flags of a full box.
func parseBox(b []byte, typ string) (r *reader, version uint8, flags uint32, err error) {
	got, content, rest, err := NextBox(b)
	if err != nil {
		return nil, 0, 0, err
	}
	if got != typ {
		return nil, 0, 0, fmt.Errorf("hds: got a %q box, want %q: %w", got, typ, ErrInvalidBox)
	}
	if len(rest) != 0 {
		return nil, 0, 0, fmt.Errorf("hds: %d bytes after the %q box: %w", len(rest), typ, ErrInvalidBox)
	}
	r = &reader{b: content, box: typ}
	version = r.u8("version")
	flags = r.u24("flags")
	return r, version, flags, r.err
}
