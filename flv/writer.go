package flv

import (
	"fmt"
	"io"
)

// Writer writes an FLV file or stream.
type Writer struct {
	w   io.Writer
	buf []byte
	off int64
	err error
}

// NewWriter writes the FLV file header and PreviousTagSize0 to w.
func NewWriter(w io.Writer, hasAudio, hasVideo bool) (*Writer, error) {
	fw := &Writer{w: w}
	fw.write(AppendHeader(nil, hasAudio, hasVideo))
	if fw.err != nil {
		return nil, fmt.Errorf("flv: write file header: %w", fw.err)
	}
	return fw, nil
}

// WriteTag writes one tag, its header, data and PreviousTagSize, with a
// single Write call. After a failed write every later call fails with the
// same error.
func (w *Writer) WriteTag(typ uint8, timestamp uint32, data []byte) error {
	if w.err != nil {
		return w.err
	}
	if len(data) > MaxDataSize {
		return fmt.Errorf("flv: write tag: %d bytes: %w", len(data), ErrTagTooLarge)
	}
	w.buf = AppendTag(w.buf[:0], typ, timestamp, data)
	if w.write(w.buf); w.err != nil {
		w.err = fmt.Errorf("flv: write tag at offset %d: %w", w.off, w.err)
	}
	return w.err
}

// Offset returns the number of bytes written so far.
func (w *Writer) Offset() int64 { return w.off }

func (w *Writer) write(b []byte) {
	n, err := w.w.Write(b)
	w.off += int64(n)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	w.err = err
}
