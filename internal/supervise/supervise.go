// Package supervise runs the server's child processes (FFmpeg engines,
// ingests, exec commands, snapshot grabs) and in-process tasks that are
// kept running the same way (native pulls). Every child runs in its own
// process group and is killed with its children; every child is reaped;
// children die with the server even when it is killed with SIGKILL
// (PR_SET_PDEATHSIG); a child that exits while wanted is restarted with a
// growing delay, and its exit is logged with its status and the last lines
// it wrote to stderr.
package supervise

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("supervise: supervisor closed")

// Process states, as Info.State reports them.
const (
	StateStarting = "starting" // not yet forked
	StateRunning  = "running"
	StateBackoff  = "backoff" // exited or failed to start; waiting to restart
	StateStopping = "stopping"
	StateStopped  = "stopped"
)

// Spec describes one child process.
type Spec struct {
	Kind string   // what it is for: "transcode", "ingest", "exec", "snapshot"
	Name string   // what it works on, e.g. "__defaultVhost__/live/s/hd"
	Args []string // argv; Args[0] is the program, looked up on PATH
	// LogFile receives stdout and stderr (appended, created with 0644);
	// "" keeps only the last lines in memory.
	LogFile string
	// StdoutFile and StderrFile, when set, redirect that stream to a file
	// instead (exec's "> file" forms).
	StdoutFile, StderrFile string
	// NewStdout, when set, gives each run a writer that receives its
	// stdout instead (a snapshot's pictures).
	NewStdout func() io.Writer
	// Run, when set, is run in this process instead of a program (a
	// native pull), with the same restarts and listing; Args then only
	// describe it. Its context ends at Stop.
	Run func(ctx context.Context) error
}

// Info is a snapshot of one supervised process for the API.
type Info struct {
	ID       string  `json:"id"`
	Kind     string  `json:"kind"`
	Name     string  `json:"name"`
	Pid      int     `json:"pid"` // 0 when not running
	Cmdline  string  `json:"cmdline"`
	State    string  `json:"state"`
	Restarts int     `json:"restarts"`
	Uptime   float64 `json:"uptime"` // seconds since the current run started; 0 when not running
	LastExit string  `json:"last_exit,omitempty"`
}

// Supervisor owns child processes. The zero value is not usable; call New.
type Supervisor struct {
	log *slog.Logger

	// MinBackoff and MaxBackoff bound the delay before a restart; it
	// doubles after each quick exit and resets once a run lasts StableAfter.
	MinBackoff, MaxBackoff, StableAfter time.Duration
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
	StopGrace time.Duration

	forks chan forkRequest
	quit  chan struct{}

	mu     sync.Mutex
	procs  map[*Process]struct{}
	nextID uint64
	closed bool
}

type forkRequest struct {
	cmd   *exec.Cmd
	reply chan error
}

// New returns a supervisor whose children are started from one OS thread
// that lives as long as the supervisor: PR_SET_PDEATHSIG fires when the
// thread that forked a child exits, not when the process does, so no
// short-lived goroutine thread may fork them.
func New(log *slog.Logger) *Supervisor {
	if log == nil {
		log = slog.Default()
	}
	s := &Supervisor{log: log, MinBackoff: time.Second, MaxBackoff: 30 * time.Second,
		StableAfter: time.Minute, StopGrace: 3 * time.Second,
		forks: make(chan forkRequest), quit: make(chan struct{}), procs: make(map[*Process]struct{})}
	go s.forker()
	return s
}

// forker starts children on its locked thread. It returns (and lets the
// thread go) only after Close stopped every child.
func (s *Supervisor) forker() {
	runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
	for {
		select {
		case r := <-s.forks:
			r.reply <- r.cmd.Start()
		case <-s.quit:
			return
		}
	}
}

// fork starts cmd on the forker thread.
func (s *Supervisor) fork(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	reply := make(chan error, 1)
	select {
	case s.forks <- forkRequest{cmd: cmd, reply: reply}:
		return <-reply
	case <-s.quit:
		return ErrClosed
	}
}

// Process is one supervised child, restarted until Stop.
type Process struct {
	sup  *Supervisor
	id   string
	spec Spec

	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	pid      int
	state    string
	restarts int
	started  time.Time
	task     bool // spec.Run is running
	lastExit string
	stopOnce sync.Once
}

// Start runs spec's program and keeps it running until Stop. A program
// that is not on PATH is an error at once.
func (s *Supervisor) Start(spec Spec) (*Process, error) {
	if len(spec.Args) == 0 {
		return nil, errors.New("supervise: empty command")
	}
	if spec.Run == nil {
		if _, err := exec.LookPath(spec.Args[0]); err != nil {
			return nil, fmt.Errorf("supervise: %s %s: %w", spec.Kind, spec.Name, err)
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	s.nextID++
	p := &Process{sup: s, id: fmt.Sprintf("%s-%d", spec.Kind, s.nextID), spec: spec,
		stop: make(chan struct{}), done: make(chan struct{}), state: StateStarting}
	s.procs[p] = struct{}{}
	s.mu.Unlock()
	go p.run()
	return p, nil
}

// ID names the process in the API.
func (p *Process) ID() string { return p.id }

// Pid is the running child's pid, 0 when none runs.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

// Done is closed once the process was stopped and reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

func (p *Process) setState(state string) {
	p.mu.Lock()
	p.state = state
	p.mu.Unlock()
}

// run starts the child, waits for it and restarts it until Stop.
func (p *Process) run() {
	s := p.sup
	defer func() {
		p.setState(StateStopped)
		s.mu.Lock()
		delete(s.procs, p)
		s.mu.Unlock()
		close(p.done)
	}()
	backoff := s.MinBackoff
	for {
		ran, err := p.runOnce()
		if err != nil {
			s.log.Error("process failed to start", "kind", p.spec.Kind, "name", p.spec.Name, "err", err)
		}
		select {
		case <-p.stop:
			return
		default:
		}
		if ran >= s.StableAfter {
			backoff = s.MinBackoff
		}
		p.mu.Lock()
		p.state = StateBackoff
		p.restarts++
		p.mu.Unlock()
		select {
		case <-p.stop:
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, s.MaxBackoff)
	}
}

// runOnce runs the child once and returns how long it ran.
func (p *Process) runOnce() (time.Duration, error) {
	s := p.sup
	if p.spec.Run != nil {
		return p.runTask(), nil
	}
	tail := newTail(4096)
	cmd, closeFiles, err := p.command(tail)
	if err != nil {
		return 0, err
	}
	defer closeFiles()
	if err := s.fork(cmd); err != nil {
		return 0, fmt.Errorf("start %s: %w", strings.Join(p.spec.Args, " "), err)
	}
	start := time.Now()
	p.mu.Lock()
	p.pid, p.started, p.state = cmd.Process.Pid, start, StateRunning
	stopped := p.isStopping()
	p.mu.Unlock()
	if stopped { // Stop came while forking: it could not signal this child
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	s.log.Info("process started", "kind", p.spec.Kind, "name", p.spec.Name, "pid", cmd.Process.Pid,
		"cmdline", strings.Join(p.spec.Args, " "))
	// Wait for the exit without reaping: until it is reaped, the child's
	// pid is also its group's, not reused, so signalling the group is
	// safe. Then whatever the child left in its group goes with it.
	waitExited(cmd.Process.Pid)
	p.mu.Lock()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	p.pid = 0
	p.mu.Unlock()
	err = cmd.Wait()
	ran := time.Since(start)
	status := exitStatus(cmd.ProcessState, err)
	p.mu.Lock()
	p.lastExit = status
	p.mu.Unlock()
	lvl := slog.LevelWarn
	if p.isStopping() {
		lvl = slog.LevelInfo
	}
	s.log.Log(context.Background(), lvl, "process exited", "kind", p.spec.Kind, "name", p.spec.Name,
		"pid", cmd.Process.Pid, "status", status, "ran", ran.Round(time.Millisecond), "stderr", tail.lastLines(5))
	return ran, nil
}

// runTask runs spec.Run once, until it returns or Stop, and returns
// how long it ran.
func (p *Process) runTask() time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	start := time.Now()
	p.mu.Lock()
	p.started, p.state, p.task = start, StateRunning, true
	p.mu.Unlock()
	s := p.sup
	s.log.Info("task started", "kind", p.spec.Kind, "name", p.spec.Name, "args", strings.Join(p.spec.Args, " "))
	err := p.spec.Run(ctx)
	ran := time.Since(start)
	status := "ended"
	if err != nil {
		status = err.Error()
	}
	p.mu.Lock()
	p.task, p.lastExit = false, status
	p.mu.Unlock()
	lvl := slog.LevelWarn
	if p.isStopping() {
		lvl = slog.LevelInfo
	}
	s.log.Log(context.Background(), lvl, "task ended", "kind", p.spec.Kind, "name", p.spec.Name,
		"status", status, "ran", ran.Round(time.Millisecond))
	return ran
}

func (p *Process) isStopping() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// command builds the exec.Cmd with its output files.
func (p *Process) command(tail io.Writer) (*exec.Cmd, func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	open := func(path string) (*os.File, error) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("supervise: log file: %w", err)
		}
		files = append(files, f)
		return f, nil
	}
	cmd := exec.Command(p.spec.Args[0], p.spec.Args[1:]...)
	var out io.Writer = io.Discard
	if p.spec.LogFile != "" {
		f, err := open(p.spec.LogFile)
		if err != nil {
			return nil, closeAll, err
		}
		out = f
	}
	cmd.Stdout = out
	cmd.Stderr = io.MultiWriter(out, tail)
	if p.spec.NewStdout != nil {
		cmd.Stdout = p.spec.NewStdout()
	}
	if p.spec.StdoutFile != "" {
		f, err := open(p.spec.StdoutFile)
		if err != nil {
			closeAll()
			return nil, func() {}, err
		}
		cmd.Stdout = f
	}
	if p.spec.StderrFile != "" {
		f, err := open(p.spec.StderrFile)
		if err != nil {
			closeAll()
			return nil, func() {}, err
		}
		cmd.Stderr = io.MultiWriter(f, tail)
	}
	// Let Wait return even if a grandchild keeps the stderr pipe open.
	cmd.WaitDelay = time.Second
	return cmd, closeAll, nil
}

// Stop ends the process and its group: SIGTERM, then SIGKILL after the
// grace period. It returns once the child is reaped and may be called
// any number of times.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		close(p.stop)
		if p.pid != 0 || p.task {
			p.state = StateStopping
		}
		p.mu.Unlock()
		if p.signal(syscall.SIGTERM) {
			select {
			case <-p.done:
			case <-time.After(p.sup.StopGrace):
				p.signal(syscall.SIGKILL)
			}
		}
	})
	<-p.done
}

// signal sends sig to the child's process group if a child runs. It
// holds p.mu, which runOnce takes before reaping: the group id cannot
// have been reused by another process.
func (p *Process) signal(sig syscall.Signal) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pid == 0 {
		return false
	}
	_ = syscall.Kill(-p.pid, sig)
	return true
}

// waitExited returns once process pid has exited, leaving it unreaped
// (waitid with WNOWAIT).
func waitExited(pid int) {
	var info unix.Siginfo
	for unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
	}
}

// Info describes the process now.
func (p *Process) Info() Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := Info{ID: p.id, Kind: p.spec.Kind, Name: p.spec.Name, Pid: p.pid, Cmdline: strings.Join(p.spec.Args, " "),
		State: p.state, Restarts: p.restarts, LastExit: p.lastExit}
	if p.pid != 0 || p.task {
		in.Uptime = time.Since(p.started).Seconds()
	}
	return in
}

// List describes every process, sorted by kind and name.
func (s *Supervisor) List() []Info {
	s.mu.Lock()
	procs := make([]*Process, 0, len(s.procs))
	for p := range s.procs {
		procs = append(procs, p)
	}
	s.mu.Unlock()
	out := make([]Info, 0, len(procs))
	for _, p := range procs {
		out = append(out, p.Info())
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Close stops every process and waits for them. Start fails after.
func (s *Supervisor) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	procs := make([]*Process, 0, len(s.procs))
	for p := range s.procs {
		procs = append(procs, p)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.Stop() }()
	}
	wg.Wait()
	close(s.quit)
}

// exitStatus describes how a child ended.
func exitStatus(ps *os.ProcessState, err error) string {
	if ps == nil {
		if err != nil {
			return err.Error()
		}
		return "unknown"
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ps.ExitCode())
}

// Alive reports whether process pid runs; a zombie (exited, not yet
// reaped) does not count.
func Alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// tail keeps the last bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, b...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = slices.Delete(t.b, 0, over)
	}
	return len(b), nil
}

// lastLines returns the last n non-empty lines (FFmpeg's \r progress
// lines count as lines), joined by " | ".
func (t *tail) lastLines(n int) string {
	t.mu.Lock()
	s := string(t.b)
	t.mu.Unlock()
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	var kept []string
	for i := len(lines) - 1; i >= 0 && len(kept) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			kept = append(kept, l)
		}
	}
	slices.Reverse(kept)
	return strings.Join(kept, " | ")
}
