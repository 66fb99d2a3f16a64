package flv

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// testStream is a header and three tags: video, audio with an extended
// timestamp, and an empty script tag.
func testStream() []byte {
	b := AppendHeader(nil, true, true)
	b = AppendTag(b, TagVideo, 0, avcSeqHeader)
	b = AppendTag(b, TagAudio, 0x01000020, aacRaw)
	return AppendTag(b, TagScript, 40, nil)
}

func readAll(r *Reader) ([]Tag, error) {
	var tags []Tag
	for {
		t, err := r.ReadTag()
		if err != nil {
			return tags, err
		}
		tags = append(tags, Tag{t.Type, t.Timestamp, t.StreamID, bytes.Clone(t.Data)})
	}
}

func TestReader(t *testing.T) {
	want := []Tag{
		{TagVideo, 0, 0, avcSeqHeader},
		{TagAudio, 0x01000020, 0, aacRaw},
		{TagScript, 40, 0, []byte{}},
	}
	stream := testStream()
	for _, tc := range []struct {
		name string
		in   []byte
		r    func(io.Reader) io.Reader
	}{
		{"whole", stream, nil},
		{"one byte reads", stream, iotest.OneByteReader},
		{"data errors with EOF", stream, iotest.DataErrReader},
		{"last PreviousTagSize missing", stream[:len(stream)-4], nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var src io.Reader = bytes.NewReader(tc.in)
			if tc.r != nil {
				src = tc.r(src)
			}
			r, err := NewReader(src)
			if err != nil {
				t.Fatal(err)
			}
			r.CheckPreviousTagSize = true
			if !r.HasAudio() || !r.HasVideo() || r.Version() != 1 {
				t.Errorf("HasAudio %v HasVideo %v Version %d", r.HasAudio(), r.HasVideo(), r.Version())
			}
			tags, err := readAll(r)
			if err != io.EOF {
				t.Fatalf("err = %v, want io.EOF", err)
			}
			if len(tags) != len(want) {
				t.Fatalf("read %d tags, want %d", len(tags), len(want))
			}
			for i := range want {
				if tags[i].Type != want[i].Type || tags[i].Timestamp != want[i].Timestamp || !bytes.Equal(tags[i].Data, want[i].Data) {
					t.Errorf("tag %d = %+v, want %+v", i, tags[i], want[i])
				}
			}
			if _, err := r.ReadTag(); err != io.EOF {
				t.Errorf("ReadTag after EOF: %v", err)
			}
		})
	}
}

func TestReaderDataOffset(t *testing.T) {
	in := []byte{'F', 'L', 'V', 1, 1, 0, 0, 0, 12, 0xaa, 0xbb, 0xcc}
	in = append(in, AppendTag([]byte{0, 0, 0, 0}, TagVideo, 7, []byte{0x27})...)
	r, err := NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if r.HasAudio() || !r.HasVideo() {
		t.Error("header flags")
	}
	tag, err := r.ReadTag()
	if err != nil || tag.Timestamp != 7 || !bytes.Equal(tag.Data, []byte{0x27}) {
		t.Errorf("ReadTag = %+v, %v", tag, err)
	}
}

func TestReaderErrors(t *testing.T) {
	stream := testStream()
	badPrev := bytes.Clone(stream)
	badPrev[13+TagLen(len(avcSeqHeader))-1]++ // PreviousTagSize of the first tag
	encrypted := AppendHeader(nil, true, false)
	encrypted = AppendTag(encrypted, TagAudio|0x20, 0, []byte{1, 2})
	encrypted = AppendTag(encrypted, TagAudio, 1, aacRaw)

	for _, tc := range []struct {
		name       string
		in         []byte
		configure  func(*Reader)
		headerErr  error
		tags       int // tags read before err
		err        error
		afterError bool // reading can go on after err
	}{
		{name: "empty", in: nil, headerErr: ErrNotFLV},
		{name: "short header", in: stream[:5], headerErr: io.ErrUnexpectedEOF},
		{name: "bad signature", in: append([]byte("FLX"), stream[3:]...), headerErr: ErrNotFLV},
		{name: "DataOffset too small", in: []byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 8, 0, 0, 0, 0}, headerErr: ErrNotFLV},
		{name: "DataOffset huge", in: []byte{'F', 'L', 'V', 1, 5, 0x7f, 0, 0, 0, 0, 0, 0, 0}, headerErr: ErrNotFLV},
		{name: "DataOffset past end", in: []byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 20, 0, 0}, headerErr: io.ErrUnexpectedEOF},
		{name: "truncated PreviousTagSize0", in: stream[:11], err: io.ErrUnexpectedEOF},
		{name: "truncated tag header", in: stream[:20], err: io.ErrUnexpectedEOF},
		{name: "truncated tag data", in: stream[:13+TagHeaderLen+2], err: io.ErrUnexpectedEOF},
		{name: "truncated second tag", in: stream[:13+TagLen(len(avcSeqHeader))+3], tags: 1, err: io.ErrUnexpectedEOF},
		{name: "PreviousTagSize mismatch", in: badPrev, tags: 1, err: ErrPreviousTagSize,
			configure: func(r *Reader) { r.CheckPreviousTagSize = true }},
		{name: "MaxDataSize", in: stream, err: ErrTagTooLarge,
			configure: func(r *Reader) { r.MaxDataSize = len(avcSeqHeader) - 1 }},
		{name: "encrypted tag", in: encrypted, err: ErrEncrypted, afterError: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tc.in))
			if !errors.Is(err, tc.headerErr) {
				t.Fatalf("NewReader err = %v, want %v", err, tc.headerErr)
			}
			if err != nil {
				return
			}
			if tc.configure != nil {
				tc.configure(r)
			}
			tags, err := readAll(r)
			if len(tags) != tc.tags || !errors.Is(err, tc.err) {
				t.Fatalf("read %d tags, err %v; want %d, %v", len(tags), err, tc.tags, tc.err)
			}
			_, err = r.ReadTag()
			if tc.afterError {
				if err != nil {
					t.Errorf("ReadTag after %v: %v", tc.err, err)
				}
			} else if !errors.Is(err, tc.err) {
				t.Errorf("ReadTag after error: %v, want the same error again", err)
			}
		})
	}
}

// A tag that claims 16 MiB in a short stream fails, and the buffer grows
// with the data that arrives rather than with the claimed size.
func TestReaderHugeDataSizeShortStream(t *testing.T) {
	in := AppendHeader(nil, false, true)
	in = append(in, TagVideo, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x17)
	r, err := NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadTag(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	buf, err := readData(bytes.NewReader([]byte{1, 2, 3}), nil, MaxDataSize)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(buf, []byte{1, 2, 3}) || cap(buf) > 2*readChunk {
		t.Errorf("readData: %x cap %d err %v", buf, cap(buf), err)
	}
	big := bytes.Repeat([]byte{7}, 3*readChunk+5)
	buf, err = readData(bytes.NewReader(big), nil, len(big))
	if err != nil || !bytes.Equal(buf, big) {
		t.Errorf("readData of %d bytes: len %d err %v", len(big), len(buf), err)
	}
}

func TestReaderReuseTag(t *testing.T) {
	r, err := NewReader(bytes.NewReader(testStream()))
	if err != nil {
		t.Fatal(err)
	}
	r.ReuseTag = true
	a, err := r.ReadTag()
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.ReadTag()
	if err != nil {
		t.Fatal(err)
	}
	if a != b || b.Type != TagAudio || !bytes.Equal(b.Data, aacRaw) {
		t.Errorf("ReuseTag: got distinct tags or wrong data: %p %p %+v", a, b, b)
	}
}

type failingWriter struct {
	n   int // bytes accepted before failing
	err error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	n := w.n
	w.n = 0
	return n, w.err
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if w.Offset() != 13 {
		t.Errorf("Offset after header = %d, want 13", w.Offset())
	}
	for _, tag := range []Tag{{TagVideo, 0, 0, avcSeqHeader}, {TagAudio, 0x01000020, 0, aacRaw}, {TagScript, 40, 0, nil}} {
		if err := w.WriteTag(tag.Type, tag.Timestamp, tag.Data); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(buf.Bytes(), testStream()) || w.Offset() != int64(buf.Len()) {
		t.Errorf("Writer output %x, Offset %d", buf.Bytes(), w.Offset())
	}
	if err := w.WriteTag(TagVideo, 0, make([]byte, MaxDataSize+1)); !errors.Is(err, ErrTagTooLarge) {
		t.Errorf("oversized tag: %v", err)
	}
}

func TestWriterErrors(t *testing.T) {
	boom := errors.New("boom")
	if _, err := NewWriter(&failingWriter{n: 5, err: boom}, true, true); !errors.Is(err, boom) {
		t.Errorf("NewWriter err = %v", err)
	}
	w, err := NewWriter(&failingWriter{n: 20, err: boom}, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteTag(TagAudio, 0, aacRaw); !errors.Is(err, boom) {
		t.Errorf("WriteTag err = %v", err)
	}
	if w.Offset() != 20 {
		t.Errorf("Offset = %d, want 20", w.Offset())
	}
	if err := w.WriteTag(TagAudio, 0, aacRaw); !errors.Is(err, boom) {
		t.Errorf("WriteTag after failure err = %v", err)
	}
	w, _ = NewWriter(&failingWriter{n: 20}, true, true) // short write, nil error
	if err := w.WriteTag(TagAudio, 0, aacRaw); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("short write err = %v", err)
	}
}
