package bench

import (
	"os"
	"os/exec"
	"strconv"
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

func TestParseCoresBusy(t *testing.T) {
	stat := []byte("cpu  10 20 30 1000 50 6 7 8 0 0\ncpu0 1 2 3 500 40 1 1 1 0 0\ncpu1 9 18 27 500 10 5 6 7 0 0\nintr 1 2 3\n")
	busy, err := parseCoresBusy(stat, func(n int) bool { return n == 1 })
	require.NoError(t, err)
	assert.Equal(t, int64(9+18+27+5+6+7), busy, "cpu1 without idle and iowait")
	busy, err = parseCoresBusy(stat, func(int) bool { return true })
	require.NoError(t, err)
	assert.Equal(t, int64(9+72), busy)
}

// TestOthersOnItsCores samples an idle process pinned to a core while
// another process spins on that core: the others' share is most of it.
func TestOthersOnItsCores(t *testing.T) {
	var cpus unix.CPUSet
	require.NoError(t, unix.SchedGetaffinity(0, &cpus))
	cpu := 0
	for !cpus.IsSet(cpu) {
		cpu++
	}
	core := strconv.Itoa(cpu)
	start := func(args ...string) *exec.Cmd {
		cmd := exec.Command("taskset", append([]string{"-c", core}, args...)...)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		return cmd
	}
	idle := start("sleep", "30")
	start("sh", "-c", "while :; do :; done")
	time.Sleep(100 * time.Millisecond) // taskset has pinned and exec'd
	a, err := ReadProc(idle.Process.Pid)
	require.NoError(t, err)
	time.Sleep(500 * time.Millisecond)
	b, err := ReadProc(idle.Process.Pid)
	require.NoError(t, err)
	assert.Greater(t, othersPercent(a, b), 50.0, "a spinning process on the idle one's core")
}
