package testpeer

import (
	"net"
	"strconv"
	"testing"
	"time"
)

// RedisServer starts Debian's redis-server on loopback, without
// persistence, and waits until it accepts connections. port 0 picks a free
// one; give a port again to restart a stopped server at the same address.
// It is stopped when the test ends.
func RedisServer(t testing.TB, port int) (*Process, string) {
	t.Helper()
	Require(t, "redis-server")
	if port == 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testpeer: pick a port for redis-server: %v", err)
		}
		port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p := Start(t, "redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return p, addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("testpeer: redis-server on %s did not start: %v\n%s", addr, err, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
