package rtmp

import (
	"reflect"
	"testing"
)

func TestAppendChunks(t *testing.T) {
	video := fill(307, 0x40)
	tests := []struct {
		name      string
		csid      uint32
		typ       uint8
		streamID  uint32
		timestamp uint32
		payload   []byte
		chunkSize int
		golden    string
	}{
		{"spec example 2", 4, MsgVideo, 12345, 1000, video, 128, "append_chunks_video_128.golden"},
		{"one chunk", 6, MsgVideo, 1, 40, video, 4096, "append_chunks_video_4096.golden"},
		{"extended timestamp", 6, MsgVideo, 1, 0x01020304, video, 128, "append_chunks_extended.golden"},
		{"extended timestamp 0xffffff", 6, MsgVideo, 1, 0xffffff, video[:10], 128, "append_chunks_extended_ffffff.golden"},
		{"two-byte csid", 300, MsgAudio, 1, 7, video[:200], 100, "append_chunks_csid300.golden"},
		{"three-byte csid", 65599, MsgAudio, 1, 7, video[:200], 100, "append_chunks_csid65599.golden"},
		{"empty payload", 3, MsgAMF0Data, 1, 0, nil, 128, "append_chunks_empty.golden"},
		{"exact multiple of the chunk size", 6, MsgVideo, 1, 0, video[:256], 128, "append_chunks_exact.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("prefix")
			out := AppendChunks(prefix, tt.csid, tt.typ, tt.streamID, tt.timestamp, tt.payload, tt.chunkSize)
			if string(out[:len(prefix)]) != "prefix" {
				t.Fatal("dst prefix overwritten")
			}
			out = out[len(prefix):]
			if n := ChunksLen(tt.csid, len(tt.payload), tt.chunkSize, tt.timestamp); n != len(out) {
				t.Errorf("ChunksLen = %d, AppendChunks wrote %d", n, len(out))
			}
			checkGolden(t, tt.golden, out)

			r := NewChunkReader()
			r.chunkSize = tt.chunkSize
			got, err := readAll(r, out)
			if err != nil {
				t.Fatal(err)
			}
			want := []gotMessage{msg(tt.typ, tt.csid, tt.streamID, tt.timestamp, tt.payload)}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("read back %v, want %v", got, want)
			}
		})
	}
}

// The spec example is also checked against the hand-written chunks.
func TestAppendChunksSpecExample(t *testing.T) {
	video := fill(307, 0x40)
	want := cat(
		h("04 0003e8 000133 09 39300000"), video[:128],
		h("c4"), video[128:256],
		h("c4"), video[256:],
	)
	got := AppendChunks(nil, 4, MsgVideo, 12345, 1000, video, 128)
	if string(got) != string(want) {
		t.Fatalf("got %x\nwant %x", got, want)
	}
}

func TestChunksLen(t *testing.T) {
	for _, csid := range []uint32{2, 63, 64, 319, 320, 65599} {
		for _, ts := range []uint32{0, 0xfffffe, 0xffffff, 0xffffffff} {
			for _, size := range []int{0, 1, 2, 127, 128, 129, 256, 1000} {
				for _, cs := range []int{1, 3, 128, 4096} {
					n := len(AppendChunks(nil, csid, MsgVideo, 1, ts, make([]byte, size), cs))
					if got := ChunksLen(csid, size, cs, ts); got != n {
						t.Fatalf("ChunksLen(%d, %d, %d, %#x) = %d, want %d", csid, size, cs, ts, got, n)
					}
				}
			}
		}
	}
}

func TestAppendChunksPanics(t *testing.T) {
	for _, csid := range []uint32{0, 1, 65600} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("csid %d: no panic", csid)
				}
			}()
			AppendChunks(nil, csid, MsgVideo, 1, 0, nil, 128)
		}()
	}
}

func TestChunkWriter(t *testing.T) {
	audio := fill(32, 0x10)
	video := fill(307, 0x40)
	type in struct {
		csid     uint32
		typ      uint8
		streamID uint32
		ts       uint32
		payload  []byte
	}
	msgs := []in{
		{3, MsgAudio, 12345, 1000, audio},       // fmt 0
		{3, MsgAudio, 12345, 1020, audio},       // fmt 2, delta 20
		{3, MsgAudio, 12345, 1040, audio},       // fmt 3, same delta
		{3, MsgAudio, 12345, 1060, audio},       // fmt 3
		{4, MsgVideo, 12345, 1000, video},       // fmt 0 on another csid
		{3, MsgAMF0Data, 12345, 1060, audio},    // fmt 1: type changes, delta 0
		{3, MsgAMF0Data, 12345, 1000, audio},    // fmt 0: timestamp goes back
		{3, MsgAMF0Data, 1, 1000, audio},        // fmt 0: stream ID changes
		{3, MsgAMF0Data, 1, 2000, audio},        // fmt 2
		{3, MsgAMF0Data, 1, 0x01002000, audio},  // fmt 2, extended delta
		{3, MsgAMF0Data, 1, 0x02002000, audio},  // fmt 3 repeating the extended delta
		{4, MsgVideo, 12345, 0x01000000, video}, // fmt 2 with extended delta over several chunks
		{4, MsgVideo, 12345, 0x01000001, video}, // fmt 2, delta 1
		{5, MsgVideo, 1, 0x7fffffff, video},     // fmt 0 extended, several chunks
		{5, MsgVideo, 1, 0x7fffffff, video},     // fmt 2 delta 0
		{5, MsgVideo, 1, 0x7fffffff, video},     // fmt 3 delta 0
		{7, MsgAudio, 1, 100, audio},            // fmt 0
		{7, MsgAudio, 1, 200, audio},            // fmt 2 (delta 100 equals the fmt 0 timestamp)
		{7, MsgAudio, 1, 300, audio},            // fmt 3
	}
	var w ChunkWriter
	var out []byte
	var want []gotMessage
	for _, m := range msgs {
		out = w.AppendChunks(out, m.csid, m.typ, m.streamID, m.ts, m.payload)
		want = append(want, msg(m.typ, m.csid, m.streamID, m.ts, m.payload))
	}
	checkGolden(t, "chunk_writer.golden", out)
	// The first four messages are the specification's example 1.
	if ex1 := cat(
		h("03 0003e8 000020 08 39300000"), audio,
		h("83 000014"), audio,
		h("c3"), audio,
		h("c3"), audio,
	); string(out[:len(ex1)]) != string(ex1) {
		t.Errorf("example 1: got %x\nwant %x", out[:len(ex1)], ex1)
	}
	for split, parts := range splits(out) {
		got, err := readAll(NewChunkReader(), parts...)
		if err != nil {
			t.Fatalf("%s: %v", split, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\ngot  %v\nwant %v", split, got, want)
		}
	}
}

func TestChunkWriterMessage(t *testing.T) {
	w := ChunkWriter{ChunkSize: 4096}
	payload := fill(300, 0)
	m := &Message{Type: MsgVideo, CSID: 6, StreamID: 1, Timestamp: 5}
	out := w.Append(nil, m) // nil Body: empty payload
	m.Timestamp = 10
	out = w.Append(out, m) // fmt 2, not 3: delta 5 equals the fmt 0 timestamp, which nginx-rtmp reads as 0
	if string(out) != string(h("06 000005 000000 09 01000000 86 000005")) {
		t.Fatalf("got %x", out)
	}
	r := NewChunkReader()
	r.chunkSize = 4096
	out = w.AppendChunks(out, 6, MsgVideo, 1, 20, payload)
	got, err := readAll(r, out)
	if err != nil || len(got) != 3 || got[1].Timestamp != 10 || got[2].Timestamp != 20 || len(got[2].Payload) != 600 {
		t.Fatalf("got %v, %v", got, err)
	}
}
