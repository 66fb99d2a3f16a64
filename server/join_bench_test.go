package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/rtmp"
)

// BenchmarkRTMPJoin is what one player of a join storm costs the server:
// per op, a connection is accepted, does the handshake, connect,
// createStream and play, receives the replies and the cached GOP of the
// reference 720p stream, and closes. The player is raw bytes on a socket
// (the requests are encoded once, the replies counted, not parsed), so
// allocs/op is the server's plus the client's dial and close.
func BenchmarkRTMPJoin(b *testing.B) {
	for _, complexHS := range []bool{false, true} {
		name := "simple"
		if complexHS {
			name = "complex"
		}
		b.Run(name, func(b *testing.B) { benchmarkRTMPJoin(b, complexHS) })
	}
}

func benchmarkRTMPJoin(b *testing.B, complexHS bool) {
	ts := startServer(b, nil)
	publishFirstGOP(b, ts, "join")

	p := newJoinPlayer(b, ts.RTMPAddr().String(), complexHS)
	// A first player learns how many bytes each answer is (they are the
	// same for every player), waiting until the server stays quiet.
	sizes := p.join(nil)
	b.Logf("bytes per join: handshake %d, connect %d, createStream %d, play and GOP %d", sizes[0], sizes[1], sizes[2], sizes[3])
	b.ReportAllocs()
	b.SetBytes(int64(sizes[0] + sizes[1] + sizes[2] + sizes[3]))
	b.ResetTimer()
	for range b.N {
		p.join(sizes)
	}
}

// publishFirstGOP publishes live/stream with the metadata, the sequence
// headers and the first GOP of the reference stream: what a joiner gets at
// once.
func publishFirstGOP(b *testing.B, ts *testServer, stream string) {
	st := ts.state.Load()
	v := st.cfg.Vhost(DefaultVhost)
	pub, err := ts.Registry().Publish(nil, v.Name, "live", stream, st.live(v))
	require.NoError(b, err)
	b.Cleanup(pub.Unpublish)
	keyframes := 0
	for _, tag := range readFLVTags(b, testpeer.Media(b, "h264_aac_720p25.flv")) {
		if tag.typ == flv.TagVideo && flv.IsVideoKeyframe(tag.data) && !flv.IsVideoSequenceHeader(tag.data) {
			if keyframes++; keyframes == 2 {
				break
			}
		}
		body := buffer.GetSize(len(tag.data))
		copy(body.B, tag.data)
		pub.Write(tag.typ, tag.ts, body)
	}
}

// joinPlayer plays with requests encoded once.
type joinPlayer struct {
	b    testing.TB
	addr string
	// steps are what the player writes before each answer: C0+C1, then
	// C2+connect, createStream, and play.
	steps [4][]byte
	buf   []byte
}

func newJoinPlayer(b testing.TB, addr string, complexHS bool) *joinPlayer {
	h, err := rtmp.NewClientHandshake(complexHS, nil)
	require.NoError(b, err)
	p := &joinPlayer{b: b, addr: addr, buf: make([]byte, 64<<10)}
	p.steps[0] = h.C0C1()
	c2 := make([]byte, rtmp.HandshakeSize) // cascade does not check C2
	p.steps[1], err = rtmp.AppendCommand(c2, rtmp.CSIDCommand, 0, &rtmp.Command{Name: rtmp.CmdConnect, TransactionID: 1,
		Object: amf.Object{{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://" + addr + "/live"}}}, rtmp.DefaultChunkSize)
	require.NoError(b, err)
	p.steps[2], err = rtmp.AppendCommand(nil, rtmp.CSIDCommand, 0, &rtmp.Command{Name: rtmp.CmdCreateStream, TransactionID: 2}, rtmp.DefaultChunkSize)
	require.NoError(b, err)
	play := rtmp.AppendUserControl(nil, rtmp.EventSetBufferLength, 1, 3000)
	p.steps[3], err = rtmp.AppendCommand(play, rtmp.CSIDStream, 1, &rtmp.Command{Name: rtmp.CmdPlay, Args: []any{"join", float64(-1000)}}, rtmp.DefaultChunkSize)
	require.NoError(b, err)
	return p
}

// join runs one player to the end of its GOP burst and closes it. With
// sizes nil it reads each answer until the server is quiet and returns
// their sizes; otherwise it reads exactly sizes.
func (p *joinPlayer) join(sizes []int) []int {
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		p.b.Fatal(err)
	}
	defer c.Close()
	got := make([]int, 0, len(p.steps))
	for i, step := range p.steps {
		if _, err := c.Write(step); err != nil {
			p.b.Fatal(err)
		}
		if sizes == nil {
			got = append(got, p.readQuiet(c))
			continue
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := p.readN(c, sizes[i]); err != nil {
			p.b.Fatalf("step %d: %v", i, err)
		}
	}
	return got
}

func (p *joinPlayer) readN(c net.Conn, n int) error {
	for n > 0 {
		m, err := c.Read(p.buf[:min(n, len(p.buf))])
		n -= m
		if err != nil {
			return fmt.Errorf("%d bytes short: %w", n, err)
		}
	}
	return nil
}

func (p *joinPlayer) readQuiet(c net.Conn) int {
	total := 0
	for {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(p.buf)
		total += n
		if err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				p.b.Fatal(err)
			}
			return total
		}
	}
}
