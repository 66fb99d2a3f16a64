package listen

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// requireIPv6 fails the test loudly when IPv6 loopback is unavailable: the
// dual-stack tests must not pass without testing anything.
func requireIPv6(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatalf("IPv6 loopback (::1) is unavailable in this environment: %v", err)
	}
	ln.Close()
}

func TestDualStack(t *testing.T) {
	requireIPv6(t)
	// A free port, for both endpoints.
	probe, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(probe.Addr().String())
	probe.Close()

	tests := []struct {
		name  string
		addrs []string
		dial  []string // addresses that must reach one of the listeners
	}{
		{"bare and [::]", []string{":" + port, "[::]:" + port}, []string{"127.0.0.1:" + port, "[::1]:" + port}},
		{"0.0.0.0 and [::]", []string{"0.0.0.0:" + port, "[::]:" + port}, []string{"127.0.0.1:" + port, "[::1]:" + port}},
		{"[::] alone", []string{"[::]:" + port}, []string{"127.0.0.1:" + port, "[::1]:" + port}},
		{"bare alone", []string{":" + port}, []string{"127.0.0.1:" + port, "[::1]:" + port}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lns []net.Listener
			for _, a := range tt.addrs {
				ln, err := TCP(a, tt.addrs)
				if err != nil {
					t.Fatalf("listen %s with %q: %v", a, tt.addrs, err)
				}
				defer ln.Close()
				lns = append(lns, ln)
				go func() {
					for {
						c, err := ln.Accept()
						if err != nil {
							return
						}
						io.WriteString(c, ln.Addr().String())
						c.Close()
					}
				}()
			}
			seen := map[string]bool{}
			for _, d := range tt.dial {
				c, err := net.DialTimeout("tcp", d, 2*time.Second)
				if err != nil {
					t.Fatalf("dial %s: %v", d, err)
				}
				b, _ := io.ReadAll(c)
				c.Close()
				seen[string(b)] = true
			}
			if len(tt.addrs) == 2 && len(seen) != 2 {
				t.Errorf("IPv4 and IPv6 should reach different sockets, reached %v", seen)
			}
		})
	}
}

func TestDemux(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := NewDemux(ln, []string{"/api/", "/rtc/"}, 2*time.Second)
	api := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "api "+r.URL.Path) })}
	web := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "web "+r.URL.Path) })}
	go api.Serve(d.Matched())
	go web.Serve(d.Rest())
	defer api.Close()
	defer web.Close()

	tests := []struct{ path, want string }{
		{"/api/v1/versions", "api /api/v1/versions"},
		{"/rtc/v1/play/", "api /rtc/v1/play/"},
		{"/live/livestream.flv", "web /live/livestream.flv"},
		{"/api", "web /api"},
		{"/", "web /"},
		{"/apix/", "web /apix/"},
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, tt := range tests {
		resp, err := client.Get("http://" + ln.Addr().String() + tt.path)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != tt.want {
			t.Errorf("%s: %q, want %q", tt.path, b, tt.want)
		}
	}

	// A request line sent a few bytes at a time is still routed by its path.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"GET", " /a", "pi/v1/summaries HTTP/1.1\r\n", "Host: x\r\nConnection: close\r\n\r\n"} {
		io.WriteString(c, part)
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	c.Close()
	if !strings.HasPrefix(string(b), "api /api/v1/summaries") {
		t.Errorf("split request line: %q", b)
	}

	// Closing one side keeps the other serving; closing both frees the port.
	web.Close()
	resp, err = client.Get("http://" + ln.Addr().String() + "/api/v1/versions")
	if err != nil {
		t.Fatalf("API after the HTTP server closed: %v", err)
	}
	resp.Body.Close()
	api.Close()
	deadline := time.Now().Add(2 * time.Second)
	for {
		l2, err := net.Listen("tcp", ln.Addr().String())
		if err == nil {
			l2.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the port is still held after both sides closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
