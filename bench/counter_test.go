package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/rtmp"
)

// cuts returns b whole, byte by byte, and in random pieces.
func cuts(b []byte) map[string][][]byte {
	out := map[string][][]byte{"whole": {b}}
	var bytewise [][]byte
	for i := range b {
		bytewise = append(bytewise, b[i:i+1])
	}
	out["bytewise"] = bytewise
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 3 {
		var parts [][]byte
		for rest := b; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(300))
			parts = append(parts, rest[:k])
			rest = rest[k:]
		}
		out[fmt.Sprintf("random%d", round)] = parts
	}
	return out
}

// mediaEvent is one OnMedia call.
type mediaEvent struct {
	typ  uint8
	head string
}

// rtmpStream chunks msgs the way a server would: control messages, a
// command, a chunk size change after the first messages, compressed
// headers, an abort of a partly sent message.
func rtmpStream(t *testing.T, msgs []fakeMsg, baseTS uint32, videoCSID, audioCSID uint32) (stream []byte, controls int) {
	t.Helper()
	var w rtmp.ChunkWriter
	b := rtmp.AppendWindowAckSize(nil, 2500000)
	b = rtmp.AppendSetPeerBandwidth(b, 2500000, rtmp.LimitDynamic)
	controls += 2
	cmd, err := rtmp.ConnectResult(1, 0).AppendPayload(nil)
	require.NoError(t, err)
	b = w.AppendChunks(b, rtmp.CSIDCommand, rtmp.MsgAMF0Command, 0, 0, cmd)
	controls++
	// An aborted message: two chunks of a 300-byte video message, never
	// finished (not media the player gets, but counted as it arrives).
	b = rtmp.AppendChunks(b, 9, rtmp.MsgVideo, 1, 0, fill(300, 1), 128)[:len(b)+1+11+128+1+128]
	b = rtmp.AppendAbort(b, 9)
	controls++
	for i, m := range msgs {
		if i == 4 {
			b = rtmp.AppendSetChunkSize(b, 1000)
			w.ChunkSize = 1000
			controls++
		}
		csid := uint32(rtmp.CSIDData)
		switch m.typ {
		case flv.TagVideo:
			csid = videoCSID
		case flv.TagAudio:
			csid = audioCSID
		}
		b = w.AppendChunks(b, csid, m.typ, 1, baseTS+m.ts, m.payload)
	}
	return b, controls
}

func TestChunkCounterExact(t *testing.T) {
	msgs := syntheticStream(25, true)
	for _, tc := range []struct {
		name         string
		baseTS       uint32
		video, sound uint32
	}{
		{"usual", 0, 6, 7},
		{"extended timestamps", 0xFFFFF0, 6, 7},
		{"two- and three-byte chunk stream IDs", 0, 400, 70},
	} {
		stream, controls := rtmpStream(t, msgs, tc.baseTS, tc.video, tc.sound)
		for cut, parts := range cuts(stream) {
			t.Run(tc.name+"/"+cut, func(t *testing.T) {
				c := NewChunkCounter()
				var events []mediaEvent
				var others []uint8
				c.OnMedia = func(typ uint8, head []byte) { events = append(events, mediaEvent{typ, string(head)}) }
				c.OnMessage = func(typ uint8, _ uint32, payload []byte) error {
					others = append(others, typ)
					if typ == rtmp.MsgAMF0Command {
						cmd, err := rtmp.ParseCommand(typ, payload)
						require.NoError(t, err)
						assert.Equal(t, rtmp.CmdResult, cmd.Name)
					}
					return nil
				}
				c.WantVideoHead = func() bool { return true }
				for _, p := range parts {
					require.NoError(t, c.Feed(p))
				}
				// The aborted message's 256 bytes were counted as they came.
				assert.Equal(t, mediaBytes(msgs)+256, c.Media)
				assert.Equal(t, uint64(len(stream)), c.Total)
				assert.Equal(t, 1000, c.ChunkSize())
				assert.Len(t, others, controls)
				var want []mediaEvent
				for _, m := range msgs {
					switch m.typ {
					case flv.TagVideo:
						want = append(want, mediaEvent{m.typ, string(m.payload[:min(len(m.payload), videoHeadSize)])})
					case flv.TagAudio:
						want = append(want, mediaEvent{m.typ, ""})
					}
				}
				assert.Equal(t, want, events)
			})
		}
	}
}

func TestChunkCounterErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"type 3 header first":   {0xc6, 1, 2, 3},
		"type 1 header first":   {0x46, 0, 0, 0, 0, 0, 1, 9},
		"chunk size 0":          rtmp.AppendChunks(nil, 2, rtmp.MsgSetChunkSize, 0, 0, []byte{0, 0, 0, 0}, 128),
		"short set chunk size":  rtmp.AppendChunks(nil, 2, rtmp.MsgSetChunkSize, 0, 0, []byte{0, 1}, 128),
		"bad command":           rtmp.AppendChunks(nil, 3, rtmp.MsgAMF0Command, 0, 0, []byte{0x42}, 128),
		"too many chunk stream": manyChunkStreams(maxChunkStreams + 1),
	} {
		t.Run(name, func(t *testing.T) {
			c := NewChunkCounter()
			c.OnMessage = func(typ uint8, _ uint32, payload []byte) error {
				_, err := rtmp.ParseCommand(typ, payload)
				return err
			}
			assert.Error(t, c.Feed(b))
		})
	}
}

func manyChunkStreams(n int) []byte {
	var b []byte
	for i := range n {
		b = rtmp.AppendChunks(b, uint32(64+i), rtmp.MsgAudio, 1, 0, []byte{0xaf, 1}, 128)
	}
	return b
}

func TestFLVCounterExact(t *testing.T) {
	msgs := syntheticStream(25, true)
	body := flv.AppendHeader(nil, true, true)
	for _, m := range msgs {
		body = flv.AppendTag(body, m.typ, m.ts, m.payload)
	}
	// A tag with the Filter bit and an empty audio tag.
	body = flv.AppendTag(body, 0x20|flv.TagAudio, 0, []byte{1, 2, 3})
	body = flv.AppendTag(body, flv.TagAudio, 0, nil)
	want := mediaBytes(msgs) + 3
	for cut, parts := range cuts(body) {
		t.Run(cut, func(t *testing.T) {
			var c FLVCounter
			heads := 0
			c.WantVideoHead = func() bool { return heads < 2 }
			var events []mediaEvent
			c.OnMedia = func(typ uint8, head []byte) {
				if len(head) > 0 {
					heads++
				}
				events = append(events, mediaEvent{typ, string(head)})
			}
			for _, p := range parts {
				require.NoError(t, c.Feed(p))
			}
			assert.Equal(t, want, c.Media)
			assert.Equal(t, uint64(len(msgs)+2), c.Tags)
			require.Len(t, events, len(msgs)+1)
			assert.Equal(t, string(msgs[1].payload), events[0].head, "the sequence header's head")
			assert.Equal(t, string(msgs[3].payload[:videoHeadSize]), events[2].head, "the first frame's head")
			assert.Empty(t, events[4].head, "heads after the wanted ones")
		})
	}
}

func TestFLVCounterRejectsOtherData(t *testing.T) {
	var c FLVCounter
	assert.ErrorIs(t, c.Feed([]byte("<html><body>hello</body></html>")), ErrProtocol)
	var d FLVCounter
	assert.ErrorIs(t, d.Feed([]byte{'F', 'L', 'V', 1, 5, 0, 0, 0, 3}), ErrProtocol)
}

func TestChunkedDecoder(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 100)
	var body []byte
	for rest := data; len(rest) > 0; {
		k := min(len(rest), 333)
		body = fmt.Appendf(body, "%X; name=value\r\n", k)
		body = append(append(body, rest[:k]...), "\r\n"...)
		rest = rest[k:]
	}
	body = append(body, "0\r\n\r\n"...)
	for cut, parts := range cuts(body) {
		t.Run(cut, func(t *testing.T) {
			var d chunkedDecoder
			var got []byte
			var err error
			for _, p := range parts {
				if err = d.Feed(p, func(b []byte) error { got = append(got, b...); return nil }); err != nil {
					break
				}
			}
			assert.ErrorIs(t, err, errEndOfBody)
			assert.Equal(t, data, got)
		})
	}
	var d chunkedDecoder
	assert.ErrorIs(t, d.Feed([]byte("zz\r\n"), func([]byte) error { return nil }), ErrProtocol)
}

func TestClassifyFirstVideo(t *testing.T) {
	for _, tc := range []struct {
		name    string
		head    []byte
		key, ok bool
	}{
		{"AVC sequence header", []byte{0x17, 0, 0, 0, 0, 1}, false, false},
		{"AVC keyframe", []byte{0x17, 1, 0, 0, 0, 0x65}, true, true},
		{"AVC inter frame", []byte{0x27, 1, 0, 0, 0, 0x41}, false, true},
		{"AVC end of sequence", []byte{0x17, 2, 0, 0, 0}, false, false},
		{"command frame", []byte{0x57, 0}, false, false},
		{"H.263 keyframe", []byte{0x12, 0}, true, true},
		{"Enhanced HEVC sequence start", []byte{0x90, 'h', 'v', 'c', '1', 1}, false, false},
		{"Enhanced HEVC keyframe", []byte{0x91, 'h', 'v', 'c', '1', 0, 0, 0, 1}, true, true},
		{"Enhanced HEVC inter frame X", []byte{0xa3, 'h', 'v', 'c', '1', 1}, false, true},
		{"Enhanced metadata", []byte{0x94, 'h', 'v', 'c', '1', 2}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, ok := classifyFirstVideo(tc.head)
			assert.Equal(t, tc.ok, ok, "ok")
			assert.Equal(t, tc.key, key, "key")
		})
	}
}

func benchmarkChunkCounter(b *testing.B, chunkSize int) {
	msgs := syntheticStream(100, true)
	var w rtmp.ChunkWriter
	stream := rtmp.AppendSetChunkSize(nil, uint32(chunkSize))
	w.ChunkSize = chunkSize
	for _, m := range msgs[1:] {
		stream = w.AppendChunks(stream, uint32(m.typ), m.typ, 1, m.ts, m.payload)
	}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		c := NewChunkCounter()
		for p := stream; len(p) > 0; {
			k := min(len(p), 32<<10)
			if err := c.Feed(p[:k]); err != nil {
				b.Fatal(err)
			}
			p = p[k:]
		}
	}
}

func BenchmarkChunkCounter128(b *testing.B)   { benchmarkChunkCounter(b, 128) }
func BenchmarkChunkCounter60000(b *testing.B) { benchmarkChunkCounter(b, 60000) }

func BenchmarkFLVCounter(b *testing.B) {
	body := flv.AppendHeader(nil, true, true)
	for _, m := range syntheticStream(100, true) {
		body = flv.AppendTag(body, m.typ, m.ts, m.payload)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var c FLVCounter
		for p := body; len(p) > 0; {
			k := min(len(p), 32<<10)
			if err := c.Feed(p[:k]); err != nil {
				b.Fatal(err)
			}
			p = p[k:]
		}
	}
}
