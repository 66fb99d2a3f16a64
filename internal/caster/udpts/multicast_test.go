package udpts

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cascade-live/cascade/internal/caster/castertest"
	"github.com/cascade-live/cascade/internal/testpeer"
)

// mcChildEnv marks the test binary run inside the network namespace.
const mcChildEnv = "CASCADE_UDPTS_MULTICAST_CHILD"

// TestMulticast: a caster listening on a multicast group receives what
// ffmpeg sends to the group. It runs in a network namespace the test makes
// (loopback with multicast on and a route for 224.0.0.0/4), by running
// this test binary there again.
func TestMulticast(t *testing.T) {
	testpeer.Require(t, "ip", "ffmpeg", "ffprobe")
	ns := fmt.Sprintf("cascade-mc-%d", os.Getpid())
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	ip("netns", "exec", ns, "ip", "link", "set", "lo", "up", "multicast", "on")
	ip("netns", "exec", ns, "ip", "route", "add", "224.0.0.0/4", "dev", "lo")
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run", "^TestMulticastChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), mcChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestMulticastChild") {
		t.Fatalf("child in %s: %v\n%s", ns, err, out)
	}
	t.Logf("child:\n%s", out)
}

// TestMulticastChild is TestMulticast's half inside the namespace.
func TestMulticastChild(t *testing.T) {
	if os.Getenv(mcChildEnv) == "" {
		t.Skip("run by TestMulticast inside its network namespace")
	}
	host := castertest.NewHost()
	c, err := Listen(Config{Listen: "239.255.0.7:5004", Output: "rtmp://127.0.0.1/live/mc", Timeout: time.Second}, host, castertest.Log(t))
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	defer c.Close()
	st := castertest.Streams[1]
	if err := castertest.Push(t, st.Media, "mpegts", "udp://239.255.0.7:5004?pkt_size=1316&ttl=1"); err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	p := host.WaitClosed(t, 15*time.Second, 100)
	castertest.Probe(t, p.Save(t), st, st.Duration)
}
