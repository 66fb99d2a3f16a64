package api

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
)

// TestSamplerStats: with a stats block the summary details the configured
// interface (counters and kbps) and disks (KBps from their sectors, busy
// from their I/O time), leaving the other devices out.
func TestSamplerStats(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	now := t0
	files := func(loRecv, loSent, sdaRead, sdaWritten, sdaIOms int) fstest.MapFS {
		fs := procFiles([2]int{1, 1}, 1, 1, 1, 1)
		fs["net/dev"] = &fstest.MapFile{Data: []byte("h1\nh2\n    lo: " + itoa(loRecv) + " 1 0 0 0 0 0 0 " + itoa(loSent) +
			" 1 0 0 0 0 0 0\n  eth0: 999999 1 0 0 0 0 0 0 999999 1 0 0 0 0 0 0\n")}
		fs["diskstats"] = &fstest.MapFile{Data: []byte(
			"   8       0 sda 100 0 " + itoa(sdaRead) + " 10 200 0 " + itoa(sdaWritten) + " 20 0 " + itoa(sdaIOms) + " 30\n" +
				"   8       1 sda1 100 0 77777 10 200 0 77777 20 0 9999 30\n" +
				"   8      16 sdb 100 0 55555 10 200 0 55555 20 0 9999 30\n")}
		return fs
	}
	h := &HostSampler{proc: files(1000, 2000, 0, 0, 0), now: func() time.Time { return now },
		started: t0, pageKbyte: 4, isInternet: func(string) bool { return false },
		iface: func(i int) string { return map[int]string{0: "eth0", 1: "lo"}[i] }}
	h.SetStats(StatsConfig{Enabled: true, Network: 1, Disks: []string{"sda"}})
	first := h.Sample()
	assert.Equal(t, "lo", first.System.NetIface)
	assert.Equal(t, int64(1000), first.System.NetIfaceRecvBytes)
	assert.Zero(t, first.System.NetIfaceRecvKbps)

	// 2 s later: lo got 250000 bytes and sent 500000; sda read 4000 sectors
	// (2000 KB), wrote 8000 (4000 KB), and was busy 500 ms.
	now = t0.Add(2 * time.Second)
	h.proc = files(251000, 502000, 4000, 8000, 500)
	got := h.Sample().System
	assert.Equal(t, int64(251000), got.NetIfaceRecvBytes)
	assert.Equal(t, int64(502000), got.NetIfaceSendBytes)
	assert.Equal(t, int64(1000), got.NetIfaceRecvKbps) // 250000 B × 8 / 2 s
	assert.Equal(t, int64(2000), got.NetIfaceSendKbps)
	assert.Equal(t, int64(1000), got.DiskReadKBps)
	assert.Equal(t, int64(2000), got.DiskWriteKBps)
	assert.InDelta(t, 0.25, got.DiskBusyPercent, 1e-9)

	h.SetStats(StatsConfig{})
	off := h.Sample().System
	assert.Empty(t, off.NetIface)
	assert.Zero(t, off.DiskBusyPercent)
}

func TestParseStatsConfig(t *testing.T) {
	for _, tc := range []struct {
		conf    string
		want    StatsConfig
		wantErr bool
	}{
		{"", StatsConfig{}, false},
		{"stats { network 1; disk sda xvda; }", StatsConfig{Enabled: true, Network: 1, Disks: []string{"sda", "xvda"}}, false},
		{"stats { enabled off; }", StatsConfig{}, false},
		{"stats { network eth0; }", StatsConfig{}, true},
	} {
		root, err := config.Parse("t.conf", []byte(tc.conf))
		require.NoError(t, err)
		got, err := ParseStatsConfig(root)
		if tc.wantErr {
			require.ErrorIs(t, err, config.ErrInvalidValue)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}
