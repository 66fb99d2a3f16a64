package testpeer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stopGrace is how long Stop waits after SIGINT before it kills the process.
const stopGrace = 5 * time.Second

// Process is a child program bound to a test: it is stopped when the test
// ends, and its combined stdout and stderr are kept (the last 64 KiB) for
// failure messages.
type Process struct {
	name   string
	cmd    *exec.Cmd
	output *tailBuffer
	done   chan struct{}
	err    error // exit status, valid once done is closed

	stopOnce sync.Once
	mu       sync.Mutex
	stopped  bool // Stop signalled the process before it exited
}

// Start runs the program name with args as a child of the test and returns
// at once. The program must be on PATH (see [Require]). At the test's cleanup
// the process is stopped, and if the test failed its output is logged.
func Start(t testing.TB, name string, args ...string) *Process {
	t.Helper()
	Require(t, name)
	p, err := start(name, args...)
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("testpeer: %s output (tail):\n%s", p.name, lastLines(p.Output(), 40))
		}
	})
	return p
}

func start(name string, args ...string) (*Process, error) {
	p := &Process{
		name:   name,
		cmd:    exec.Command(name, args...),
		output: newTailBuffer(tailSize),
		done:   make(chan struct{}),
	}
	p.cmd.Stdout = p.output
	p.cmd.Stderr = p.output
	// Let Wait return even if a grandchild keeps the output pipe open.
	p.cmd.WaitDelay = stopGrace
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", commandLine(name, args), err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Done returns a channel that is closed when the process has exited.
func (p *Process) Done() <-chan struct{} {
	return p.done
}

// Wait waits for the process to exit. It returns nil when the process exited
// with status 0 or was ended by [Process.Stop]; otherwise the error names the
// program and quotes the end of its output.
func (p *Process) Wait() error {
	<-p.done
	p.mu.Lock()
	stopped := p.stopped
	p.mu.Unlock()
	if p.err == nil || stopped {
		return nil
	}
	return fmt.Errorf("%s: %w; last output:\n%s", p.name, p.err, lastLines(p.Output(), 20))
}

// Stop ends the process: SIGINT first, which lets ffmpeg, rtmpdump and
// gst-launch-1.0 -e finish their output files, then SIGKILL if it has not
// exited within a few seconds. Stop returns once the process has exited and
// may be called any number of times.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		p.mu.Lock()
		p.stopped = true
		p.mu.Unlock()
		if err := p.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
			_ = p.cmd.Process.Kill()
		}
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
		}
	})
	<-p.done
}

// Kill ends the process at once with SIGKILL, as a crash would, and waits
// for it to exit.
func (p *Process) Kill() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Output returns the end of the process's combined stdout and stderr.
func (p *Process) Output() string {
	return p.output.String()
}

// commandLine renders a command for messages.
func commandLine(name string, args []string) string {
	return strings.TrimSpace(name + " " + strings.Join(args, " "))
}
