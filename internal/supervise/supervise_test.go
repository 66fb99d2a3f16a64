package supervise

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// helperEnv makes the test binary act as a server that supervises a
// `sleep` and prints its pid (for the SIGKILL test).
const helperEnv = "SUPERVISE_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		s := New(nil)
		p, err := s.Start(Spec{Kind: "test", Name: "sleep", Args: []string{"sleep", "60"}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		for p.Pid() == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		fmt.Println(p.Pid())
		// Start from other goroutines (other threads) must not matter.
		go func() { time.Sleep(time.Hour) }()
		select {}
	}
	os.Exit(m.Run())
}

func newSupervisor(t *testing.T) *Supervisor {
	s := New(nil)
	s.MinBackoff, s.MaxBackoff = 50*time.Millisecond, 200*time.Millisecond
	s.StopGrace = time.Second
	t.Cleanup(s.Close)
	return s
}

var alive = Alive

// groupAlive reports whether any live process is in process group pgid.
func groupAlive(pgid int) bool {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, err := syscall.Getpgid(pid); err == nil && g == pgid && alive(pid) {
			return true
		}
	}
	return false
}

func waitPid(t *testing.T, p *Process, not int) int {
	t.Helper()
	var pid int
	require.Eventually(t, func() bool { pid = p.Pid(); return pid != 0 && pid != not }, 5*time.Second, 10*time.Millisecond)
	return pid
}

func TestRestartAfterKill(t *testing.T) {
	s := newSupervisor(t)
	p, err := s.Start(Spec{Kind: "test", Name: "sleep", Args: []string{"sleep", "60"}})
	require.NoError(t, err)
	first := waitPid(t, p, 0)
	require.NoError(t, syscall.Kill(first, syscall.SIGKILL))
	second := waitPid(t, p, first)
	require.NotEqual(t, first, second)
	info := p.Info()
	require.Equal(t, 1, info.Restarts)
	require.Equal(t, StateRunning, info.State)
	require.Equal(t, "signal killed", info.LastExit)
	require.Equal(t, "sleep 60", info.Cmdline)
	require.False(t, alive(first), "the killed child was not reaped")
	p.Stop()
	require.False(t, alive(second))
	require.Empty(t, s.List())
}

func TestStopKillsTheGroup(t *testing.T) {
	s := newSupervisor(t)
	// The shell ignores SIGTERM; its grandchildren must still go.
	p, err := s.Start(Spec{Kind: "test", Name: "tree", Args: []string{"sh", "-c", "trap '' TERM; sleep 60 & sleep 60 & wait"}})
	require.NoError(t, err)
	pid := waitPid(t, p, 0)
	require.Eventually(t, func() bool {
		out, _ := exec.Command("pgrep", "-g", strconv.Itoa(pid)).Output()
		return len(strings.Fields(string(out))) == 3
	}, 5*time.Second, 20*time.Millisecond)
	start := time.Now()
	p.Stop()
	require.Less(t, time.Since(start), 3*time.Second)
	require.Eventually(t, func() bool { return !groupAlive(pid) }, 2*time.Second, 20*time.Millisecond)
}

// TestExitKillsLeftovers: a child that exits leaves nothing running in
// its group.
func TestExitKillsLeftovers(t *testing.T) {
	s := newSupervisor(t)
	s.MinBackoff = time.Minute // one run is enough
	file := filepath.Join(t.TempDir(), "pid")
	_, err := s.Start(Spec{Kind: "test", Args: []string{"sh", "-c", "sleep 60 & echo $! > " + file + ".tmp; mv " + file + ".tmp " + file + "; exit 3"}})
	require.NoError(t, err)
	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(file)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	}, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return !alive(pid) }, 5*time.Second, 10*time.Millisecond)
}

func TestBackoffGrows(t *testing.T) {
	s := newSupervisor(t)
	p, err := s.Start(Spec{Kind: "test", Name: "false", Args: []string{"false"}})
	require.NoError(t, err)
	// 50+100+200+200 ms of backoff: about 4 restarts in 700 ms, never 14.
	time.Sleep(700 * time.Millisecond)
	n := p.Info().Restarts
	require.GreaterOrEqual(t, n, 2)
	require.LessOrEqual(t, n, 6)
	require.Equal(t, "exit status 1", p.Info().LastExit)
}

func TestMissingProgram(t *testing.T) {
	s := newSupervisor(t)
	_, err := s.Start(Spec{Kind: "test", Args: []string{"no-such-program-cascade"}})
	require.ErrorIs(t, err, exec.ErrNotFound)
}

// syncBuffer is a bytes.Buffer safe to read while a child writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

func TestStdoutAndClose(t *testing.T) {
	s := newSupervisor(t)
	var out syncBuffer
	p, err := s.Start(Spec{Kind: "test", Args: []string{"sh", "-c", "echo hello; exec sleep 60"}, NewStdout: func() io.Writer { return &out }})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return out.String() == "hello\n" }, 5*time.Second, 10*time.Millisecond)
	pid := p.Pid()
	s.Close()
	require.False(t, alive(pid))
	_, err = s.Start(Spec{Kind: "test", Args: []string{"true"}})
	require.ErrorIs(t, err, ErrClosed)
}

// TestNothingSurvivesSIGKILL kills a supervising process with SIGKILL:
// its child must die too (PR_SET_PDEATHSIG on the forker thread).
func TestNothingSurvivesSIGKILL(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	require.NoError(t, err, line)
	require.True(t, alive(pid))
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.Eventually(t, func() bool { return !alive(pid) }, 5*time.Second, 20*time.Millisecond)
}

// TestTask: an in-process task is listed as running with an uptime and no
// pid, restarted with backoff when it ends, and ended by Stop through its
// context.
func TestTask(t *testing.T) {
	s := newSupervisor(t)
	var mu sync.Mutex
	runs, fail := 0, true
	p, err := s.Start(Spec{Kind: "task", Name: "pull", Args: []string{"rtsp://cam"}, Run: func(ctx context.Context) error {
		mu.Lock()
		runs++
		f := fail
		mu.Unlock()
		if f {
			return errors.New("camera gone")
		}
		<-ctx.Done()
		return nil
	}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return p.Info().Restarts >= 2 }, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, "camera gone", p.Info().LastExit)
	mu.Lock()
	fail = false
	mu.Unlock()
	require.Eventually(t, func() bool {
		in := s.List()
		return len(in) == 1 && in[0].State == StateRunning && in[0].Uptime > 0 && in[0].Pid == 0 && in[0].Cmdline == "rtsp://cam"
	}, 5*time.Second, 10*time.Millisecond)
	n := p.Info().Restarts
	time.Sleep(300 * time.Millisecond) // more than the backoff: a running task is not restarted
	require.Equal(t, n, p.Info().Restarts)
	p.Stop()
	require.Empty(t, s.List())
}
