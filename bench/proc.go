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

	"golang.org/x/sys/unix"
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
	// CoresBusy is the busy time (all but idle and iowait) of the cores
	// the process may run on, by every process: less its own CPU, what
	// others took from it.
	CoresBusy time.Duration
	// RunDelay is the time the process's threads were runnable but
	// waited for a CPU (the second field of each thread's schedstat;
	// 0 where the kernel does not keep it): other processes on its core.
	RunDelay time.Duration
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
	s.RunDelay = runDelay(dir)
	var cpus unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &cpus); err != nil {
		return s, fmt.Errorf("bench: process %d: affinity: %w", pid, err)
	}
	if s.CoresBusy, err = readCoresBusy(&cpus); err != nil {
		return s, fmt.Errorf("bench: process %d: %w", pid, err)
	}
	return s, nil
}

// readCoresBusy sums the busy time of the cores in cpus from /proc/stat.
func readCoresBusy(cpus *unix.CPUSet) (time.Duration, error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	ticks, err := parseCoresBusy(stat, cpus.IsSet)
	return time.Duration(ticks * int64(time.Second) / ClockTicks()), err
}

// parseCoresBusy sums, over the "cpuN" lines of /proc/stat whose N is in,
// the ticks spent on anything but idle and iowait (fields 4 and 5).
func parseCoresBusy(stat []byte, in func(int) bool) (int64, error) {
	var busy int64
	for line := range strings.Lines(string(stat)) {
		f := strings.Fields(line)
		if len(f) < 8 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		n, err := strconv.Atoi(f[0][3:])
		if err != nil || !in(n) {
			continue
		}
		for i, v := range f[1:] {
			if i == 3 || i == 4 { // idle, iowait
				continue
			}
			t, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/stat: %s: %q", f[0], v)
			}
			busy += t
		}
	}
	return busy, nil
}

// othersPercent returns the time other processes took on the cores the
// process may run on between two samples, in percent of one core: on a
// shared machine, what the process had to share its cores with.
func othersPercent(a, b ProcSample) float64 {
	wall := b.At.Sub(a.At)
	if wall <= 0 {
		return 0
	}
	return max(0, 100*float64((b.CoresBusy-a.CoresBusy)-(b.CPU-a.CPU))/float64(wall))

}

// runDelay sums the run-queue wait of the threads of the process at dir.
func runDelay(dir string) time.Duration {
	tasks, _ := os.ReadDir(dir + "/task")
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread ended
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			if ns, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				sum += time.Duration(ns)
			}
		}
	}
	return sum
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
