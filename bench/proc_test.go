package bench

import (
	"os"
	"testing"
	"time"

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
