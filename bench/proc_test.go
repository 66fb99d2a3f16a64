package bench

import (
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatTicks(t *testing.T) {
	stat := "1234 (my (odd) prog) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 4 0 100 1000 200\n"
	ticks, err := parseStatTicks([]byte(stat))
	require.NoError(t, err)
	assert.Equal(t, int64(325), ticks)

	_, err = parseStatTicks([]byte("1234 (x) S 1 2"))
	assert.Error(t, err)
}

func TestParseVmRSS(t *testing.T) {
	rss, err := parseVmRSS([]byte("Name:\tcascade\nVmPeak:\t  9000 kB\nVmRSS:\t   56000 kB\nThreads:\t4\n"))
	require.NoError(t, err)
	assert.Equal(t, int64(56000*1024), rss)
	_, err = parseVmRSS([]byte("Name:\tx\n"))
	assert.Error(t, err)
}

func TestReadProcSelf(t *testing.T) {
	a, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, a.RSS)
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
	}
	b, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, b.CPU, a.CPU)
	assert.GreaterOrEqual(t, cpuPercent(a, b), 0.0)
	assert.Positive(t, ClockTicks())

	_, err = ReadProc(1 << 30)
	assert.Error(t, err)
}

// TestWaitedForACore has two threads of the test spin on one core, so
// that each waits while the other runs: the process's wait for a core
// is then a good part of the wall time.
func TestWaitedForACore(t *testing.T) {
	var cpus unix.CPUSet
	require.NoError(t, unix.SchedGetaffinity(0, &cpus))
	cpu := 0
	for !cpus.IsSet(cpu) {
		cpu++
	}
	a, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			runtime.LockOSThread() // the thread exits with the goroutine
			var one unix.CPUSet
			one.Set(cpu)
			if err := unix.SchedSetaffinity(0, &one); err != nil {
				t.Error(err)
				return
			}
			for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); {
			}
		})
	}
	// Sample before the threads exit (their delay leaves with them).
	time.Sleep(250 * time.Millisecond)
	b, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	wg.Wait()
	assert.Greater(t, waitedPercent(a, b), 20.0, "two threads on one core wait half the time each")
}
