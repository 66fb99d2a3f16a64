package netpoll

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/cascade-live/cascade/buffer"
)

// fileSender answers its first input with: before (a body queued with
// Send), head and a region of file (SendFile), then after (Write), as an
// HTTP session answers pipelined requests.
type fileSender struct {
	before, head, after []byte
	file                *buffer.File
	off, n              int64
	sndbuf              int // SO_SNDBUF to set first, 0 to leave it
	drained             chan struct{}
	closed              chan error
	outbound            chan [2]int
}

func (s *fileSender) OnTraffic(c *Conn) error {
	_, _ = c.Discard(c.InboundBuffered())
	if s.file == nil {
		return nil
	}
	f := s.file
	s.file = nil
	if s.sndbuf > 0 {
		if err := unix.SetsockoptInt(c.Fd(), unix.SOL_SOCKET, unix.SO_SNDBUF, s.sndbuf); err != nil {
			return err
		}
	}
	if len(s.before) > 0 {
		b := buffer.GetSize(len(s.before))
		copy(b.B, s.before)
		if err := c.Send(nil, b.B, b); err != nil {
			return err
		}
	}
	if err := c.SendFile(s.head, f, s.off, s.n); err != nil {
		return err
	}
	if _, err := c.Write(s.after); err != nil {
		return err
	}
	copied, shared := c.Outbound()
	s.outbound <- [2]int{copied, shared}
	return nil
}

func (s *fileSender) OnDrained(*Conn) error {
	s.drained <- struct{}{}
	return nil
}

func (s *fileSender) OnClose(_ *Conn, err error) { s.closed <- err }

// patternFile writes size bytes of a pattern to a new file and shares it.
func patternFile(t testing.TB, size int) (*buffer.File, []byte) {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i>>11)
	}
	name := filepath.Join(t.TempDir(), "f.ts")
	require.NoError(t, os.WriteFile(name, data, 0o644))
	f, err := os.Open(name)
	require.NoError(t, err)
	sf, err := buffer.NewFile(f)
	require.NoError(t, err)
	return sf, data
}

// TestSendFile: SendFile writes head and the file's region with
// sendfile(2) in order with what was sent before and after it, through
// partial writes when the peer reads slowly and the socket is small; the
// unsent region waits by reference (not copied, not counted against
// MaxOutbound) and the file is released once it is written, not before.
func TestSendFile(t *testing.T) {
	const size = 4 << 20
	for _, tt := range []struct {
		name   string
		slow   bool // the peer waits before reading, with small buffers
		before int
	}{
		{name: "fast peer"},
		{name: "slow peer, small buffers", slow: true},
		{name: "behind a queued body", slow: true, before: 1 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, ln := newEngine(t, 0)
			f, data := patternFile(t, size)
			keep := f.Retain()
			defer keep.Release()
			s := &fileSender{
				before: bytes.Repeat([]byte("b"), tt.before), head: []byte("HTTP/1.1 206 Partial Content\r\n\r\n"),
				after: []byte("next response"), file: f, off: 1000, n: size - 3000,
				drained: make(chan struct{}, 4), closed: make(chan error, 1), outbound: make(chan [2]int, 1),
			}
			var c net.Conn
			if tt.slow {
				s.sndbuf = 4096
				c = dialSmall(t, ln.Addr().String())
			} else {
				var err error
				c, err = net.Dial("tcp", ln.Addr().String())
				require.NoError(t, err)
				t.Cleanup(func() { c.Close() })
			}
			e.Serve(ln, "test", func(*Conn) Session { return s })
			_, err := c.Write([]byte("go"))
			require.NoError(t, err)

			o := <-s.outbound
			if tt.slow {
				assert.LessOrEqual(t, o[0], len(s.head)+len(s.after), "only the head and the reply after it are copied")
				assert.Greater(t, o[1], size/2, "the file waits by reference")
				time.Sleep(100 * time.Millisecond)
				assert.Equal(t, int32(2), keep.Refs(), "the queue holds the file while it waits")
			}

			want := slices.Concat(s.before, s.head, data[1000:size-2000], s.after)
			readAllDrained(t, c, want, s.drained)
			assert.Equal(t, int32(1), keep.Refs(), "released once written")
		})
	}
}

// TestSendFileReleasedOnClose: a connection that closes with a file region
// queued releases the file.
func TestSendFileReleasedOnClose(t *testing.T) {
	e, ln := newEngine(t, 0)
	f, _ := patternFile(t, 4<<20)
	keep := f.Retain()
	defer keep.Release()
	s := &fileSender{head: []byte("HEAD"), file: f, n: 4 << 20, sndbuf: 4096,
		drained: make(chan struct{}, 4), closed: make(chan error, 1), outbound: make(chan [2]int, 1)}
	e.Serve(ln, "test", func(*Conn) Session { return s })
	c := dialSmall(t, ln.Addr().String())
	_, err := c.Write([]byte("go"))
	require.NoError(t, err)
	<-s.outbound
	assert.Equal(t, int32(2), keep.Refs(), "queued")
	c.Close()
	select {
	case <-s.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("not closed")
	}
	assert.Equal(t, int32(1), keep.Refs(), "released when the connection closed")
}

// TestSendFileTruncated: a file that became shorter than the region asked
// for closes the connection with an error instead of stalling it.
func TestSendFileTruncated(t *testing.T) {
	e, ln := newEngine(t, 0)
	f, _ := patternFile(t, 64<<10)
	keep := f.Retain()
	defer keep.Release()
	require.NoError(t, os.Truncate(f.Name(), 1000))
	s := &fileSender{head: []byte("HEAD"), file: f, n: 64 << 10,
		drained: make(chan struct{}, 4), closed: make(chan error, 1), outbound: make(chan [2]int, 1)}
	e.Serve(ln, "test", func(*Conn) Session { return s })
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("go"))
	require.NoError(t, err)
	select {
	case err := <-s.closed:
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	case <-time.After(5 * time.Second):
		t.Fatal("not closed")
	}
	assert.Equal(t, int32(1), keep.Refs())
}

// BenchmarkSendFile is BenchmarkSend's answer with the body in a file,
// sent with sendfile(2) instead of copied by writev(2).
func BenchmarkSendFile(b *testing.B) {
	c := benchConn(b)
	head := make([]byte, 200)
	f, _ := patternFile(b, 64<<10)
	defer f.Release()
	b.SetBytes(int64(len(head)) + f.Size())
	b.ReportAllocs()
	b.ResetTimer()
	onLoop(b, c, func() {
		for i := 0; i < b.N; i++ {
			if err := c.SendFile(head, f.Retain(), 0, f.Size()); err != nil {
				b.Error(err)
				return
			}
			for !c.flushQueue() {
			}
		}
	})
}
