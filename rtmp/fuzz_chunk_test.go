package rtmp

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// chunkSeeds are well-formed and near-miss chunk streams for the fuzzer.
func chunkSeeds() [][]byte {
	audio := fill(32, 0x10)
	video := fill(307, 0x40)
	var w ChunkWriter
	var compressed []byte
	for i, ts := range []uint32{0, 20, 40, 60, 0x01000000, 0x01000020} {
		compressed = w.AppendChunks(compressed, CSIDAudio, MsgAudio, 1, ts, audio)
		compressed = w.AppendChunks(compressed, CSIDVideo, MsgVideo, 1, ts+uint32(i), video)
	}
	return [][]byte{
		cat(h("03 0003e8 000020 08 39300000"), audio, h("83 000014"), audio, h("c3"), audio),
		cat(h("04 0003e8 000133 09 39300000"), video[:128], h("c4"), video[128:256], h("c4"), video[256:]),
		cat(h("06 ffffff 000133 09 01000000 01020304"), video[:128], h("c6"), video[128:256], h("c6 01020304"), video[256:]),
		cat(AppendSetChunkSize(nil, 3), h("06 ffffff 000008 09 01000000 01020304 aabbcc c6 010203 c6 01020304 ddee")),
		cat(h("06 000000 000133 09 01000000"), video[:128], AppendAbort(nil, 6), h("06 000005 000020 08 01000000"), audio),
		cat(h("01 ff ff 000001 000020 08 01000000"), audio, h("c1 ff ff"), audio, h("00 05 000000 000000 12 00000000")),
		cat(h("42 000000 000006 04 0007 00000d0f")),
		AppendUserControl(AppendSetPeerBandwidth(AppendWindowAckSize(nil, 2500000), 2500000, LimitDynamic), EventStreamBegin, 1),
		compressed,
		h("02 000000 000004 01 00000000 00000000"),
		h("c3 00"),
	}
}

func FuzzChunkReader(f *testing.F) {
	for i, s := range chunkSeeds() {
		f.Add(s, uint32(128), uint16(i*7))
		f.Add(s, uint32(1), uint16(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunkSize uint32, cut uint16) {
		const limit = 1 << 16
		whole, wholeErr := fuzzRead(limit, data)
		c := int(cut) % (len(data) + 1)
		parts, partsErr := fuzzRead(limit, data[:c], data[c:])
		if (wholeErr == nil) != (partsErr == nil) || !reflect.DeepEqual(whole, parts) {
			t.Fatalf("cut at %d changes the result:\nwhole %v %v\nparts %v %v", c, whole, wholeErr, parts, partsErr)
		}
		if wholeErr != nil {
			return
		}

		// Re-chunk the messages at an arbitrary chunk size, as AppendChunks
		// (what players get) and as ChunkWriter (compressed headers), and
		// read them back.
		size := uint32(chunkSize%70000) + 1
		want := append([]gotMessage{msg(MsgSetChunkSize, CSIDControl, 0, 0, binary.BigEndian.AppendUint32(nil, size))}, whole...)
		plain := AppendSetChunkSize(nil, size)
		w := ChunkWriter{ChunkSize: int(size)}
		compressed := AppendSetChunkSize(nil, size)
		cur := int(size)
		for _, m := range whole {
			p := h(m.Payload)
			plain = AppendChunks(plain, m.CSID, m.Type, m.StreamID, m.Timestamp, p, cur)
			compressed = w.AppendChunks(compressed, m.CSID, m.Type, m.StreamID, m.Timestamp, p)
			if m.Type == MsgSetChunkSize {
				cur = int(binary.BigEndian.Uint32(p))
				w.ChunkSize = cur
			}
		}
		for name, stream := range map[string][]byte{"AppendChunks": plain, "ChunkWriter": compressed} {
			got, err := fuzzRead(limit, stream)
			if err != nil {
				t.Fatalf("%s: re-read: %v", name, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: re-read\ngot  %v\nwant %v", name, got, want)
			}
		}
	})
}

func fuzzRead(limit int, parts ...[]byte) ([]gotMessage, error) {
	r := NewChunkReader()
	r.MaxMessageSize = limit
	defer r.Close()
	var got []gotMessage
	for _, p := range parts {
		n, err := r.Feed(p, func(m *Message) error {
			got = append(got, copyMessage(m))
			m.Body.Release()
			return nil
		})
		if err != nil {
			if n > len(p) {
				return got, fmt.Errorf("consumed %d of %d bytes", n, len(p))
			}
			return got, err
		}
		if n != len(p) {
			return got, fmt.Errorf("consumed %d of %d bytes without error", n, len(p))
		}
	}
	return got, nil
}

func FuzzServerHandshake(f *testing.F) {
	for _, name := range []string{"c0c1_ffmpeg.bin", "c0c1_rtmpdump.bin", "c0c1_rtmpdump_fp9.bin"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(makeC0C1(0, 1))
	f.Add([]byte{3})
	f.Fuzz(func(t *testing.T, c0c1 []byte) {
		out, complex, err := ServerHandshake(c0c1, seeded(1))
		if err != nil {
			return
		}
		if len(c0c1) != 1537 || len(out) != 3073 || out[0] != 3 {
			t.Fatalf("accepted %d bytes, answered %d", len(c0c1), len(out))
		}
		c1, s1, s2 := c0c1[1:], out[1:1537], out[1537:]
		clientSchema, c1Digest := testSchema(c1, testPlayerKey[:30])
		if complex != (clientSchema >= 0) {
			t.Fatalf("complex %v for a C1 of schema %d", complex, clientSchema)
		}
		if !complex {
			if string(s2) != string(c1) {
				t.Fatal("simple S2 does not echo C1")
			}
			return
		}
		if s, _ := testSchema(s1, testServerKey[:36]); s != clientSchema {
			t.Fatalf("S1 schema %d, C1 schema %d", s, clientSchema)
		}
		if !testSignedResponse(s2, testServerKey, c1Digest) {
			t.Fatal("S2 not signed with C1's digest")
		}
	})
}

// TestWriteFuzzCorpus writes the seeds as the committed corpus in
// testdata/fuzz when run with -update.
func TestWriteFuzzCorpus(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/fuzz")
	}
	for i, s := range chunkSeeds() {
		writeCorpus(t, "FuzzChunkReader", fmt.Sprintf("seed%02d", i), s, uint32(128+i*1000), uint16(i*5))
	}
	writeCorpus(t, "FuzzServerHandshake", "schema0", makeC0C1(0, 9))
	writeCorpus(t, "FuzzServerHandshake", "schema1", makeC0C1(1, 9))
	for i, s := range commandSeeds() {
		writeCorpus(t, "FuzzParseCommand", fmt.Sprintf("seed%02d", i), s.payload, s.typ)
	}
}

// writeCorpus writes one file in the go test fuzz v1 format.
func writeCorpus(t *testing.T, target, name string, args ...any) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	text := "go test fuzz v1\n"
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			text += fmt.Sprintf("[]byte(%q)\n", v)
		default:
			text += fmt.Sprintf("%T(%v)\n", v, v)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
