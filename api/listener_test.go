package api

import (
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLimitListener: over the limit a connection is closed at once and
// reported; closing one frees its slot, once however often it is closed.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var refused atomic.Int32
	ln := LimitListener(inner, 2, func(net.Conn) { refused.Add(1) })
	defer ln.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", inner.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	closedAtOnce := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := c.Read(make([]byte, 1))
		return err == io.EOF
	}
	dial()
	dial()
	a := <-accepted
	<-accepted
	third := dial()
	assert.True(t, closedAtOnce(third), "over the limit: closed")
	assert.Equal(t, int32(1), refused.Load())

	require.NoError(t, a.Close())
	_ = a.Close() // a second Close frees nothing more
	dial()
	select {
	case <-accepted:
	case <-time.After(2 * time.Second):
		t.Fatal("the freed slot was not reused")
	}
	assert.True(t, closedAtOnce(dial()), "the limit holds again")
	assert.Equal(t, int32(2), refused.Load())
}
