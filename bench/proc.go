package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// defaultClockTicks is the USER_HZ of every Linux architecture in use.
const defaultClockTicks = 100

var (
	clockTicksOnce sync.Once
	clockTicks     int64
)

// ClockTicks returns the kernel's clock ticks per second as `getconf
// CLK_TCK` prints them, or 100 when getconf cannot tell.
func ClockTicks() int64 {
	clockTicksOnce.Do(func() {
		clockTicks = defaultClockTicks
		out, err := exec.Command("getconf", "CLK_TCK").Output()
		if err != nil {
			return
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && n > 0 {
			clockTicks = n
		}
	})
	return clockTicks
}

// ProcSample is a reading of a process's CPU time and resident memory.
type ProcSample struct {
	At  time.Time
	CPU time.Duration // user + system time
	RSS int64         // resident set, bytes
	// Waited is how long its threads were runnable but waiting for a
	// core (schedstat's run_delay, summed over the threads alive).
	Waited time.Duration
}

// ReadProc samples process pid from /proc.
func ReadProc(pid int) (ProcSample, error) {
	s := ProcSample{At: time.Now()}
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return s, fmt.Errorf("bench: read process %d: %w", pid, err)
	}
	ticks, err := parseStatTicks(stat)
	if err != nil {
		return s, fmt.Errorf("bench: process %d: %w", pid, err)
	}
	s.CPU = time.Duration(ticks * int64(time.Second) / ClockTicks())
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return s, fmt.Errorf("bench: read process %d: %w", pid, err)
	}
	if s.RSS, err = parseVmRSS(status); err != nil {
		return s, fmt.Errorf("bench: process %d: %w", pid, err)
	}
	s.Waited = readRunDelay(dir)
	return s, nil
}

// readRunDelay sums the run_delay (second field, ns) of the schedstat of
// every thread of the process in dir; 0 where the kernel keeps none.
func readRunDelay(dir string) time.Duration {
	tasks, _ := os.ReadDir(dir + "/task")
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread exited
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			if ns, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				sum += time.Duration(ns)
			}
		}
	}
	return sum
}

// waitedPercent returns the time the process's threads waited for a core
// between two samples, in percent of the wall time: above a few percent,
// the machine was busy with other work and the process's latencies
// include that wait.
func waitedPercent(a, b ProcSample) float64 {
	wall := b.At.Sub(a.At)
	if wall <= 0 {
		return 0
	}
	return max(0, 100*float64(b.Waited-a.Waited)/float64(wall))
}

// parseStatTicks returns utime+stime (fields 14 and 15) of a /proc/PID/stat
// line. The command name in field 2 may hold spaces and parentheses, so
// fields are counted from the last ')'.
func parseStatTicks(stat []byte) (int64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: no command name")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields", len(f)+2)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("stat: bad utime %q or stime %q", f[11], f[12])
	}
	return utime + stime, nil
}

// parseVmRSS returns the VmRSS line of /proc/PID/status in bytes.
func parseVmRSS(status []byte) (int64, error) {
	for line := range strings.Lines(string(status)) {
		v, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("status: VmRSS %q", strings.TrimSpace(v))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("status: VmRSS %q", strings.TrimSpace(v))
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("status: no VmRSS")
}

// cpuPercent returns the CPU use between two samples in percent of one core.
func cpuPercent(a, b ProcSample) float64 {
	wall := b.At.Sub(a.At)
	if wall <= 0 {
		return 0
	}
	return 100 * float64(b.CPU-a.CPU) / float64(wall)
}
