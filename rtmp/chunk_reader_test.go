package rtmp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// gotMessage is a Message with its payload copied out, for comparisons.
type gotMessage struct {
	Type      uint8
	CSID      uint32
	StreamID  uint32
	Timestamp uint32
	Payload   string // hex
}

func (g gotMessage) String() string {
	p := g.Payload
	if len(p) > 24 {
		p = p[:24] + "…"
	}
	return fmt.Sprintf("{type %d csid %d sid %d ts %d len %d %s}", g.Type, g.CSID, g.StreamID, g.Timestamp, len(g.Payload)/2, p)
}

func copyMessage(m *Message) gotMessage {
	return gotMessage{m.Type, m.CSID, m.StreamID, m.Timestamp, hex.EncodeToString(m.Payload())}
}

// readAll feeds parts to a new reader and collects the messages.
func readAll(r *ChunkReader, parts ...[]byte) ([]gotMessage, error) {
	var got []gotMessage
	for _, p := range parts {
		n, err := r.Feed(p, func(m *Message) error {
			got = append(got, copyMessage(m))
			m.Body.Release()
			return nil
		})
		if err != nil {
			return got, err
		}
		if n != len(p) {
			return got, fmt.Errorf("consumed %d of %d bytes without error", n, len(p))
		}
	}
	return got, nil
}

// splits returns b whole, byte by byte, and in a few random cuts.
func splits(b []byte) map[string][][]byte {
	out := map[string][][]byte{"whole": {b}}
	var bytewise [][]byte
	for i := range b {
		bytewise = append(bytewise, b[i:i+1])
	}
	out["bytewise"] = bytewise
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 3; k++ {
		var parts [][]byte
		for rest := b; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(40))
			parts = append(parts, rest[:n])
			rest = rest[n:]
		}
		out[fmt.Sprintf("random%d", k)] = parts
	}
	return out
}

// h decodes a hex string with spaces, for hand-written chunk streams.
func h(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

func fill(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i)
	}
	return p
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func msg(typ uint8, csid, sid, ts uint32, payload []byte) gotMessage {
	return gotMessage{typ, csid, sid, ts, hex.EncodeToString(payload)}
}

func TestChunkReader(t *testing.T) {
	audio := fill(32, 0x10)
	video := fill(307, 0x40)
	big := fill(3000, 0x70)
	tests := []struct {
		name  string
		setup func(*ChunkReader)
		in    []byte
		want  []gotMessage
	}{
		{
			// RTMP specification 5.3.2.1, example 1: audio messages
			// compressed with fmt 2 and fmt 3 headers.
			name: "spec example 1",
			in: cat(
				h("03 0003e8 000020 08 39300000"), audio,
				h("83 000014"), audio,
				h("c3"), audio,
				h("c3"), audio,
			),
			want: []gotMessage{
				msg(MsgAudio, 3, 12345, 1000, audio),
				msg(MsgAudio, 3, 12345, 1020, audio),
				msg(MsgAudio, 3, 12345, 1040, audio),
				msg(MsgAudio, 3, 12345, 1060, audio),
			},
		},
		{
			// Example 2: a 307-byte video message in 128-byte chunks.
			name: "spec example 2",
			in: cat(
				h("04 0003e8 000133 09 39300000"), video[:128],
				h("c4"), video[128:256],
				h("c4"), video[256:],
			),
			want: []gotMessage{msg(MsgVideo, 4, 12345, 1000, video)},
		},
		{
			name: "fmt 3 after fmt 0 adds the fmt 0 timestamp as delta",
			in: cat(
				h("04 00001a 000020 08 01000000"), audio,
				h("c4"), audio,
			),
			want: []gotMessage{
				msg(MsgAudio, 4, 1, 26, audio),
				msg(MsgAudio, 4, 1, 52, audio),
			},
		},
		{
			name: "fmt 1 changes type and length",
			in: cat(
				h("06 000010 000020 08 01000000"), audio,
				h("46 000005 000133 09"), video[:128], h("c6"), video[128:256], h("c6"), video[256:],
			),
			want: []gotMessage{
				msg(MsgAudio, 6, 1, 16, audio),
				msg(MsgVideo, 6, 1, 21, video),
			},
		},
		{
			name: "extended timestamp repeated on fmt 3 continuations",
			in: cat(
				h("06 ffffff 000133 09 01000000 01020304"), video[:128],
				h("c6 01020304"), video[128:256],
				h("c6 01020304"), video[256:],
			),
			want: []gotMessage{msg(MsgVideo, 6, 1, 0x01020304, video)},
		},
		{
			name: "extended timestamp not repeated (older ffmpeg, librtmp)",
			in: cat(
				h("06 ffffff 000133 09 01000000 01020304"), video[:128],
				h("c6"), video[128:256],
				h("c6"), video[256:],
			),
			want: []gotMessage{msg(MsgVideo, 6, 1, 0x01020304, video)},
		},
		{
			name: "extended timestamp equal to 0xffffff",
			in: cat(
				h("06 ffffff 000020 08 01000000 00ffffff"), audio,
			),
			want: []gotMessage{msg(MsgAudio, 6, 1, 0xffffff, audio)},
		},
		{
			name: "extended delta on fmt 2 and a fmt 3 message repeating it",
			in: cat(
				h("06 000010 000020 08 01000000"), audio,
				h("86 ffffff 01000000"), audio,
				h("c6 01000000"), audio,
			),
			want: []gotMessage{
				msg(MsgAudio, 6, 1, 0x10, audio),
				msg(MsgAudio, 6, 1, 0x01000010, audio),
				msg(MsgAudio, 6, 1, 0x02000010, audio),
			},
		},
		{
			name: "two- and three-byte basic headers",
			in: cat(
				h("00 00 000000 000020 08 01000000"), audio, // csid 64
				h("00 ff 000000 000020 08 01000000"), audio, // csid 319
				h("01 00 01 000000 000020 08 01000000"), audio, // csid 320
				h("01 ff ff 000001 000020 08 01000000"), audio, // csid 65599
				h("c1 ff ff"), audio, // fmt 3 on csid 65599
			),
			want: []gotMessage{
				msg(MsgAudio, 64, 1, 0, audio),
				msg(MsgAudio, 319, 1, 0, audio),
				msg(MsgAudio, 320, 1, 0, audio),
				msg(MsgAudio, 65599, 1, 1, audio),
				msg(MsgAudio, 65599, 1, 2, audio),
			},
		},
		{
			name: "interleaved chunk streams",
			in: cat(
				h("06 000064 000133 09 01000000"), video[:128],
				h("04 000064 000020 08 01000000"), audio,
				h("c6"), video[128:256],
				h("84 000017"), audio,
				h("c6"), video[256:],
			),
			want: []gotMessage{
				msg(MsgAudio, 4, 1, 100, audio),
				msg(MsgAudio, 4, 1, 123, audio),
				msg(MsgVideo, 6, 1, 100, video),
			},
		},
		{
			name: "set chunk size applies to the next bytes",
			in: cat(
				h("02 000000 000004 01 00000000 00001000"),
				h("06 000000 000bb8 09 01000000"), big,
			),
			want: []gotMessage{
				msg(MsgSetChunkSize, 2, 0, 0, h("00001000")),
				msg(MsgVideo, 6, 1, 0, big),
			},
		},
		{
			name: "abort discards the partial message",
			in: cat(
				h("06 000000 000133 09 01000000"), video[:128],
				h("02 000000 000004 02 00000000 00000006"),
				h("06 000005 000020 08 01000000"), audio,
			),
			want: []gotMessage{
				msg(MsgAbort, 2, 0, 0, h("00000006")),
				msg(MsgAudio, 6, 1, 5, audio),
			},
		},
		{
			name: "zero-length message",
			in: cat(
				h("03 000000 000000 12 01000000"),
				h("03 000001 000020 08 01000000"), audio,
			),
			want: []gotMessage{
				msg(MsgAMF0Data, 3, 1, 0, nil),
				msg(MsgAudio, 3, 1, 1, audio),
			},
		},
		{
			// librtmp sends its first ping response with fmt 1 on a fresh
			// chunk stream 2.
			name: "fmt 1 on a fresh chunk stream",
			in:   h("42 000000 000006 04 0007 00000d0f"),
			want: []gotMessage{msg(MsgUserControl, 2, 0, 0, h("0007 00000d0f"))},
		},
		{
			name: "chunk size 1",
			setup: func(r *ChunkReader) {
				r.chunkSize = 1
			},
			in:   h("03 000000 000003 14 00000000 aa c3 bb c3 cc"),
			want: []gotMessage{msg(MsgAMF0Command, 3, 0, 0, h("aabbcc"))},
		},
	}
	for _, tt := range tests {
		for split, parts := range splits(tt.in) {
			t.Run(tt.name+"/"+split, func(t *testing.T) {
				r := NewChunkReader()
				if tt.setup != nil {
					tt.setup(r)
				}
				got, err := readAll(r, parts...)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got  %v\nwant %v", got, tt.want)
				}
				if r.BytesRead() != uint64(len(tt.in)) {
					t.Errorf("BytesRead = %d, want %d", r.BytesRead(), len(tt.in))
				}
			})
		}
	}
}

func TestChunkReaderErrors(t *testing.T) {
	audio := fill(32, 0)
	tests := []struct {
		name     string
		setup    func(*ChunkReader)
		in       []byte
		want     error
		consumed int // bytes consumed before the error
	}{
		{"fmt 2 on a fresh chunk stream", nil, h("83 000014"), ErrNoPreviousHeader, 0},
		{"fmt 3 on a fresh chunk stream", nil, h("c3 00"), ErrNoPreviousHeader, 0},
		{"fmt 3 on a fresh 3-byte chunk stream", nil, h("c1 ff ff 00"), ErrNoPreviousHeader, 0},
		{"message too large", nil, h("03 000000 800001 09 01000000"), ErrMessageTooLarge, 0},
		{"message above a custom limit", func(r *ChunkReader) { r.MaxMessageSize = 31 }, cat(h("03 000000 000020 08 01000000"), audio), ErrMessageTooLarge, 0},
		{"chunk size 0", nil, h("02 000000 000004 01 00000000 00000000 03"), ErrInvalidChunkSize, 16},
		{"chunk size above 0xffffff", nil, h("02 000000 000004 01 00000000 01000000"), ErrInvalidChunkSize, 16},
		{"chunk size with the top bit", nil, h("02 000000 000004 01 00000000 80000080"), ErrInvalidChunkSize, 16},
		{"short set chunk size", nil, h("02 000000 000002 01 00000000 0080"), ErrShortPayload, 14},
		{"short abort", nil, h("02 000000 000000 02 00000000"), ErrShortPayload, 12},
		{"fmt 0 in the middle of a message", nil, cat(h("03 000000 000100 09 01000000"), make([]byte, 128), h("03 000000 000020 08 01000000")), ErrUnexpectedHeader, 140},
		{"fmt 1 changing the length mid-message", nil, cat(h("03 000000 000100 09 01000000"), make([]byte, 128), h("43 000000 000020 08")), ErrUnexpectedHeader, 140},
		{
			"too many chunk streams",
			func(r *ChunkReader) { r.MaxChunkStreams = 2 },
			cat(h("03 000000 000000 08 01000000 04 000000 000000 08 01000000 05 000000 000000 08 01000000")),
			ErrTooManyChunkStreams, 24,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewChunkReader()
			if tt.setup != nil {
				tt.setup(r)
			}
			n, err := r.Feed(tt.in, func(m *Message) error { m.Body.Release(); return nil })
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if n != tt.consumed {
				t.Errorf("consumed %d, want %d", n, tt.consumed)
			}
			// Fed byte by byte, the error is the same.
			rb := NewChunkReader()
			if tt.setup != nil {
				tt.setup(rb)
			}
			var berr error
			for i := 0; i < len(tt.in) && berr == nil; i++ {
				_, berr = rb.Feed(tt.in[i:i+1], func(m *Message) error { m.Body.Release(); return nil })
			}
			if !errors.Is(berr, tt.want) {
				t.Fatalf("bytewise: err = %v, want %v", berr, tt.want)
			}
			rb.Close()
			// The error is sticky.
			if _, err2 := r.Feed([]byte{0x03}, nil); !errors.Is(err2, tt.want) {
				t.Errorf("second Feed: err = %v, want %v", err2, tt.want)
			}
			r.Close()
		})
	}
}

func TestChunkReaderCallbackError(t *testing.T) {
	audio := fill(32, 0)
	in := cat(
		h("03 000000 000020 08 01000000"), audio,
		h("c3"), audio,
	)
	stop := errors.New("stop")
	r := NewChunkReader()
	calls := 0
	fn := func(m *Message) error {
		calls++
		m.Body.Release()
		if calls == 1 {
			return stop
		}
		return nil
	}
	n, err := r.Feed(in, fn)
	if !errors.Is(err, stop) || n != 44 {
		t.Fatalf("Feed = %d, %v; want 44, stop", n, err)
	}
	// The rest can be fed again.
	n, err = r.Feed(in[n:], fn)
	if err != nil || n != 33 || calls != 2 {
		t.Fatalf("second Feed = %d, %v (calls %d); want 33, nil (2)", n, err, calls)
	}
}

// An extended-timestamp peek that turns out to be payload, cut at every
// position, with and without the callback failing on every message.
func TestChunkReaderPeekPushback(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []gotMessage
	}{
		{
			name: "peeked bytes are payload",
			in: cat(
				h("02 000000 000004 01 00000000 00000003"), // chunk size 3
				h("06 ffffff 000008 09 01000000 01020304 aabbcc"),
				h("c6 010203"),        // payload that starts like the extended timestamp
				h("c6 01020304 ddee"), // the extended timestamp repeated
				h("06 000000 000001 08 01000000 55"),
			),
			want: []gotMessage{
				msg(MsgSetChunkSize, 2, 0, 0, h("00000003")),
				msg(MsgVideo, 6, 1, 0x01020304, h("aabbcc010203ddee")),
				msg(MsgAudio, 6, 1, 0, h("55")),
			},
		},
		{
			name: "peeked bytes end the message and start the next header",
			in: cat(
				h("02 000000 000004 01 00000000 00000003"),
				h("06 ffffff 000004 09 01000000 01020304 aabbcc"),
				h("c6 01"), // last payload byte, then a header starting with 02
				h("02 000000 000003 08 01000000 ddeeff"),
			),
			want: []gotMessage{
				msg(MsgSetChunkSize, 2, 0, 0, h("00000003")),
				msg(MsgVideo, 6, 1, 0x01020304, h("aabbcc01")),
				msg(MsgAudio, 2, 1, 0, h("ddeeff")),
			},
		},
	}
	for _, tt := range tests {
		in, want := tt.in, tt.want
		for cut := 0; cut <= len(in); cut++ {
			for _, failing := range []bool{false, true} {
				r := NewChunkReader()
				var got []gotMessage
				fn := func(m *Message) error {
					got = append(got, copyMessage(m))
					m.Body.Release()
					if failing {
						return errors.New("stop")
					}
					return nil
				}
				for _, part := range [][]byte{in[:cut], in[cut:]} {
					for len(part) > 0 {
						n, err := r.Feed(part, fn)
						if err != nil && !failing {
							t.Fatalf("cut %d: %v", cut, err)
						}
						part = part[n:]
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: cut %d failing %v:\ngot  %v\nwant %v", tt.name, cut, failing, got, want)
				}
			}
		}
	}
}
