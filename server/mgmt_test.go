package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAPIConnectionsBounded: the HTTP API closes idle keep-alive
// connections and heads that never end, and holds at most MgmtConnections
// connections open, closing more at once with a log line.
func TestAPIConnectionsBounded(t *testing.T) {
	const limit = 4
	ts := startServer(t, nil, func(s *Server) {
		s.IdleTimeout = 500 * time.Millisecond
		s.RequestHeadTimeout = 500 * time.Millisecond
		s.MgmtConnections = limit
	})
	addr := ts.MgmtAddr("api")
	require.NotNil(t, addr)
	get := func(c net.Conn) {
		t.Helper()
		_, err := fmt.Fprintf(c, "GET /api/v1/versions HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
	}

	// Idle keep-alive, and a head that never ends.
	idle := dialRaw(t, addr, 0)
	get(idle)
	slow := dialRaw(t, addr, 0)
	_, err := slow.Write([]byte("GET /api/v1/versions HTTP/1.1\r\nHost: x\r\nX-Slow: "))
	require.NoError(t, err)
	start := time.Now()
	assert.True(t, closedByServer(idle, 5*time.Second), "an idle keep-alive connection is closed")
	assert.True(t, closedByServer(slow, 5*time.Second), "a head that never ends is cut")
	assert.Less(t, time.Since(start), 4*time.Second)

	// The cap: limit connections held (each kept busy), one more refused.
	held := make([]*rawConn, limit)
	for i := range held {
		held[i] = dialRaw(t, addr, 0)
		get(held[i])
	}
	extra := dialRaw(t, addr, 0)
	_, _ = extra.Write([]byte("GET /api/v1/versions HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, extra.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	n, _ := extra.Read(make([]byte, 1))
	assert.Zero(t, n, "over the cap: no answer")
	waitFor(t, 2*time.Second, "the refusal logged", func() bool {
		return len(ts.logs.Lines("api connection refused", "remote="+extra.LocalAddr().String())) == 1
	})
	// Once they go idle and are closed, the API serves again.
	for _, c := range held {
		assert.True(t, closedByServer(c, 5*time.Second))
	}
	waitFor(t, 2*time.Second, "a slot free", func() bool {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			return false
		}
		defer c.Close()
		_, _ = fmt.Fprintf(c, "GET /api/v1/versions HTTP/1.1\r\nHost: x\r\n\r\n")
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}
