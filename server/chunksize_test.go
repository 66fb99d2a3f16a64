package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

type fileTag struct {
	typ  uint8
	ts   uint32
	data []byte
}

// readFLVTags walks an FLV file's tags (test media is well-formed).
func readFLVTags(t testing.TB, path string) []fileTag {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var tags []fileTag
	for p := b[13:]; len(p) >= 15; {
		size := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
		ts := uint32(p[4])<<16 | uint32(p[5])<<8 | uint32(p[6]) | uint32(p[7])<<24
		tags = append(tags, fileTag{p[0], ts, p[11 : 11+size]})
		p = p[11+size+4:]
	}
	return tags
}

// TestPublishChunkSizes publishes a file's every tag with chunk sizes from
// the smallest to one larger than any message, and checks a player
// receives exactly the same media payloads, in order.
func TestPublishChunkSizes(t *testing.T) {
	tags := readFLVTags(t, testpeer.Media(t, "h264_aac_720p25.flv"))
	ts := startServer(t, nil)
	for _, size := range []int{128, 4096, 1 << 20} {
		t.Run("chunk_size="+itoa(size), func(t *testing.T) {
			stream := "cs" + itoa(size)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			player, pub := playAndPublish(t, ctx, ts, stream, client.WithChunkSize(size))
			var want []fileTag
			for _, tag := range tags {
				if tag.typ == 8 || tag.typ == 9 {
					require.NoError(t, pub.WritePayload(tag.typ, tag.ts, tag.data))
					want = append(want, tag)
				}
			}
			expectPayloads(t, player, want, 20*time.Second)
		})
	}
}

// TestAMF3Commands: a client that sends its commands as AMF3 command
// messages (type 17, as Flash does with objectEncoding 3) connects and plays.
func TestAMF3Commands(t *testing.T) {
	ts := startServer(t, nil)
	c := dialRaw(t, ts.RTMPAddr(), 0)
	c.handshake()
	send := func(streamID uint32, cmd *rtmp.Command) {
		p, err := cmd.AppendPayload([]byte{0}) // AMF3 command: a 0 byte, then AMF0 values
		require.NoError(t, err)
		_, err = c.Write(rtmp.AppendChunks(nil, rtmp.CSIDCommand, rtmp.MsgAMF3Command, streamID, 0, p, rtmp.DefaultChunkSize))
		require.NoError(t, err)
	}
	send(0, &rtmp.Command{Name: "connect", TransactionID: 1, Object: amf.Object{
		{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://127.0.0.1/live"}, {Key: "objectEncoding", Value: 3.0}}})
	send(0, &rtmp.Command{Name: "createStream", TransactionID: 2})
	send(1, &rtmp.Command{Name: "play", Args: []any{"amf3"}})

	r := rtmp.NewChunkReader()
	var codes []string
	buf := make([]byte, 4096)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	started := func() bool {
		for _, c := range codes {
			if c == "onStatus "+rtmp.CodePlayStart {
				return true
			}
		}
		return false
	}
	for !started() {
		n, err := c.Read(buf)
		if err == io.EOF || n == 0 {
			require.NoError(t, err)
		}
		_, ferr := r.Feed(buf[:n], func(m *rtmp.Message) error {
			defer m.Body.Release()
			if m.Type != rtmp.MsgAMF0Command {
				return nil
			}
			cmd, err := rtmp.ParseCommand(m.Type, m.Payload())
			if err != nil {
				return err
			}
			code := cmd.Name
			if info := rtmp.StatusInfo(cmd); info != nil {
				if s, ok := info.GetString("code"); ok {
					code += " " + s
				}
			}
			codes = append(codes, code)
			return nil
		})
		require.NoError(t, ferr)
	}
	assert.Equal(t, "_result "+rtmp.CodeConnectSuccess, codes[0])
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestAggregatePublish: media published in aggregate messages (type 22,
// as some encoders and FMS relays send) reaches players as single messages.
func TestAggregatePublish(t *testing.T) {
	tags := readFLVTags(t, testpeer.Media(t, "h264_aac_720p25.flv"))
	ts := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	player, pub := playAndPublish(t, ctx, ts, "agg")

	// Five media tags per aggregate, each with its FLV-style header.
	var want []fileTag
	var agg []byte
	var first uint32
	n := 0
	for _, tag := range tags {
		if tag.typ != 8 && tag.typ != 9 {
			continue
		}
		if n == 0 {
			first = tag.ts
		}
		size := len(tag.data)
		agg = append(agg, tag.typ, byte(size>>16), byte(size>>8), byte(size),
			byte(tag.ts>>16), byte(tag.ts>>8), byte(tag.ts), byte(tag.ts>>24), 0, 0, 0)
		agg = append(agg, tag.data...)
		agg = append(agg, 0, 0, 0, 0)
		want = append(want, tag)
		if n++; n == 5 {
			require.NoError(t, pub.WritePayload(rtmp.MsgAggregate, first, agg))
			agg, n = agg[:0], 0
		}
		if len(want) >= 200 {
			break
		}
	}
	want = want[:len(want)-n]
	expectPayloads(t, player, want, 10*time.Second)
}

// TestChunkSizeReloadJoiner: a reload changes chunk_size while a stream
// is live. A player joining right after, before the publisher sends again,
// gets the GOP cache (chunked at the old size) and must be told that size;
// then every player follows the change. Payloads and timestamps arrive
// exactly.
func TestChunkSizeReloadJoiner(t *testing.T) {
	const conf = `
listen 127.0.0.1:0;
chunk_size %d;
vhost __defaultVhost__ { play { gop_cache on; } }
`
	ts, path := startServerConf(t, fmt.Sprintf(conf, 128))
	tags := readFLVTags(t, testpeer.Media(t, "h264_aac_720p25.flv"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	early, pub := playAndPublish(t, ctx, ts, "cs")

	isKey := func(tag fileTag) bool { return tag.typ == 9 && tag.data[0]>>4 == 1 && tag.data[1] == 1 }
	isHeader := func(tag fileTag) bool {
		return (tag.typ == 9 && tag.data[1] == 0) || (tag.typ == 8 && tag.data[1] == 0)
	}
	const first = 200 // past the second keyframe (GOP of 2 s)
	var wantEarly, headers []fileTag
	lastKey := 0
	for i, tag := range tags[:first] {
		if tag.typ != 8 && tag.typ != 9 {
			continue
		}
		require.NoError(t, pub.WritePayload(tag.typ, tag.ts, tag.data))
		wantEarly = append(wantEarly, tag)
		if isHeader(tag) {
			headers = append(headers, tag)
		}
		if isKey(tag) {
			lastKey = i
		}
	}
	require.Greater(t, lastKey, 0)
	expectPayloads(t, early, wantEarly, 10*time.Second)

	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(conf, 4096)), 0o644))
	require.NoError(t, ts.Reload())
	late, err := client.Dial(ctx, ts.rtmpURL("cs"))
	require.NoError(t, err)
	t.Cleanup(func() { late.Close() })
	require.NoError(t, late.Play(ctx, "cs"))
	// Play.Start precedes the join: the cache the late player gets is the
	// one it finds when it has joined.
	src := ts.source("cs", true)
	waitFor(t, 5*time.Second, "the late player to join", func() bool { return src.Consumers() == 2 })

	wantLate := append([]fileTag(nil), headers...)
	for _, tag := range tags[lastKey:first] {
		if tag.typ == 8 || tag.typ == 9 {
			wantLate = append(wantLate, tag)
		}
	}
	var rest []fileTag
	for _, tag := range tags[first:400] {
		if tag.typ != 8 && tag.typ != 9 {
			continue
		}
		require.NoError(t, pub.WritePayload(tag.typ, tag.ts, tag.data))
		rest = append(rest, tag)
	}
	expectPayloads(t, late, append(wantLate, rest...), 10*time.Second)
	expectPayloads(t, early, rest, 10*time.Second)
}
