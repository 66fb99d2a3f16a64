package netpoll

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a log sink the test reads while the loop writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// faulty echoes lines, and panics where the test says.
type faulty struct {
	where      string // "traffic", "do", "close"
	closePanic atomic.Bool
}

func (f *faulty) OnTraffic(c *Conn) error {
	b := c.PeekAll()
	_, _ = c.Discard(len(b))
	if string(b) == "boom\n" {
		switch f.where {
		case "traffic":
			panic("boom in OnTraffic")
		case "do":
			c.Do(func() error { panic("boom in a task on the loop") })
			return nil
		case "close":
			f.closePanic.Store(true)
			return io.EOF
		}
	}
	_, _ = c.Write(b)
	return nil
}

func (f *faulty) OnClose(*Conn, error) {
	if f.closePanic.Load() {
		panic("boom in OnClose")
	}
}

// TestPanicClosesOnlyItsConnection: a panic while handling one connection
// (its OnOpen, OnTraffic, a task run on the loop for it, its OnClose)
// closes that connection with an ERROR line and the stack; a connection
// on the same loop keeps being served, and new ones are accepted.
func TestPanicClosesOnlyItsConnection(t *testing.T) {
	for _, where := range []string{"open", "traffic", "do", "close"} {
		t.Run(where, func(t *testing.T) {
			logs := &syncBuffer{}
			e, err := New(Options{EventLoops: 1, Logger: slog.New(slog.NewTextHandler(logs, nil))})
			require.NoError(t, err)
			require.NoError(t, e.Start())
			t.Cleanup(func() { _ = e.Stop() })
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			var n atomic.Int32
			e.Serve(ln, "test", func(c *Conn) Session {
				// The second connection panics at open when the test says.
				if n.Add(1) == 2 && where == "open" {
					panic("boom in OnOpen")
				}
				return &faulty{where: where}
			})

			dial := func() (net.Conn, *bufio.Reader) {
				c, err := net.Dial("tcp", ln.Addr().String())
				require.NoError(t, err)
				t.Cleanup(func() { c.Close() })
				return c, bufio.NewReader(c)
			}
			echo := func(c net.Conn, r *bufio.Reader, line string) {
				t.Helper()
				_, err := c.Write([]byte(line + "\n"))
				require.NoError(t, err)
				require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
				got, err := r.ReadString('\n')
				require.NoError(t, err)
				assert.Equal(t, line+"\n", got)
			}

			healthy, hr := dial()
			echo(healthy, hr, "hello")

			bad, br := dial()
			if where != "open" {
				echo(bad, br, "hi")
				_, err = bad.Write([]byte("boom\n"))
				require.NoError(t, err)
			}
			require.NoError(t, bad.SetReadDeadline(time.Now().Add(5*time.Second)))
			_, err = br.ReadString('\n')
			assert.ErrorIs(t, err, io.EOF, "the faulty connection is closed")

			echo(healthy, hr, "still here")
			again, ar := dial()
			echo(again, ar, "new one")

			require.Eventually(t, func() bool { return strings.Contains(logs.String(), "level=ERROR") }, 5*time.Second, 10*time.Millisecond)
			var errLines []string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "level=ERROR") {
					errLines = append(errLines, l)
				}
			}
			require.Len(t, errLines, 1, "one ERROR line:\n%s", logs.String())
			assert.Contains(t, errLines[0], "boom in")
			assert.Contains(t, errLines[0], "recover_test.go", "the line holds the stack")
			assert.Equal(t, 2, e.Connections(), "the faulty connection gave its slot back")
		})
	}
}

// BenchmarkGuard: the recover wrapper every OnTraffic goes through.
func BenchmarkGuard(b *testing.B) {
	n := 0
	b.ReportAllocs()
	for range b.N {
		_ = guard(func() error { n++; return nil })
	}
	if n != b.N {
		b.Fatal(n)
	}
}
