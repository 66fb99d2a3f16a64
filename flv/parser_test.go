package flv

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// feedTags feeds in to a Parser in pieces of step bytes and returns copies
// of the tags it hands out and the error of the stream (Close's at the end).
func feedTags(p *Parser, in []byte, step int) ([]Tag, error) {
	var tags []Tag
	collect := func(t *Tag) error {
		c := *t
		c.Data = bytes.Clone(t.Data)
		tags = append(tags, c)
		return nil
	}
	for len(in) > 0 {
		n := min(step, len(in))
		if err := p.Feed(in[:n], collect); err != nil {
			return tags, err
		}
		in = in[n:]
	}
	return tags, p.Close()
}

func TestParserPieces(t *testing.T) {
	stream := testStream()
	encrypted := append(AppendHeader(nil, true, true), 0, 0, 0, 0)
	encrypted = AppendTag(encrypted[:13], TagVideo|0x20, 0, []byte{1, 2})
	encrypted = AppendTag(encrypted, TagAudio, 5, aacRaw)
	long := append([]byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 12, 9, 9, 9}, stream[9:]...)
	tests := []struct {
		name    string
		in      []byte
		max     int
		tags    int
		skipped uint64
		err     error
	}{
		{name: "stream", in: stream, tags: 3},
		{name: "without last PreviousTagSize", in: stream[:len(stream)-4], tags: 3},
		{name: "DataOffset past 9", in: long, tags: 3},
		{name: "encrypted tag skipped", in: encrypted, tags: 1, skipped: 1},
		{name: "not FLV", in: []byte("GET / HTTP/1.1\r\n"), err: ErrNotFLV},
		{name: "empty", in: nil, err: io.ErrUnexpectedEOF},
		{name: "cut in a tag", in: stream[:len(stream)-9], tags: 2, err: io.ErrUnexpectedEOF},
		{name: "too large", in: stream, max: 3, err: ErrTagTooLarge},
	}
	for _, tc := range tests {
		for _, step := range []int{1, 2, 7, 15, len(tc.in) + 1} {
			p := &Parser{MaxDataSize: tc.max}
			tags, err := feedTags(p, tc.in, step)
			if len(tags) != tc.tags || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) || p.Skipped != tc.skipped {
				t.Errorf("%s, pieces of %d: %d tags, %d skipped, err %v; want %d, %d, %v",
					tc.name, step, len(tags), p.Skipped, err, tc.tags, tc.skipped, tc.err)
			}
			if tc.err == nil && p.Offset() != int64(len(tc.in)) {
				t.Errorf("%s, pieces of %d: Offset %d, want %d", tc.name, step, p.Offset(), len(tc.in))
			}
		}
	}
}

// A tag announcing 16 MiB keeps only what arrived.
func TestParserBoundedByArrival(t *testing.T) {
	in := AppendHeader(nil, false, true)
	in = append(in, TagVideo, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x17, 1, 2)
	var p Parser
	if err := p.Feed(in, func(*Tag) error { t.Fatal("tag from a cut stream"); return nil }); err != nil {
		t.Fatal(err)
	}
	if cap(p.buf) > 64 {
		t.Errorf("buffer cap %d for 3 bytes", cap(p.buf))
	}
}

// FuzzParser checks that pieces of any size give the tags the Reader reads
// from the whole stream.
func FuzzParser(f *testing.F) {
	f.Add(testStream(), uint8(1))
	f.Add(testStream(), uint8(5))
	f.Add(AppendHeader(nil, false, false), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		var want []Tag
		if r, err := NewReader(bytes.NewReader(data)); err == nil {
			r.MaxDataSize = 1 << 16
			want = readUnencrypted(r)
		}
		p := &Parser{MaxDataSize: 1 << 16}
		got, _ := feedTags(p, data, int(step)+1)
		if len(got) != len(want) {
			t.Fatalf("parser %d tags, reader %d", len(got), len(want))
		}
		for i := range got {
			if got[i].Type != want[i].Type || got[i].Timestamp != want[i].Timestamp || !bytes.Equal(got[i].Data, want[i].Data) {
				t.Fatalf("tag %d: parser %+v, reader %+v", i, got[i], want[i])
			}
		}
	})
}
