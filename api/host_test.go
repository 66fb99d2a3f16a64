package api

import (
	"encoding/json"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// procFiles returns a /proc snapshot; the arguments are the counters that
// move between two samples.
func procFiles(selfTicks [2]int, cpuUser, cpuIdle, pgpgin, pgpgout int) fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		// The command name holds a space and a parenthesis on purpose.
		"self/stat": file("4242 (cas cade)) S 77 4242 4242 0 -1 4194560 100 0 0 0 " +
			itoa(selfTicks[0]) + " " + itoa(selfTicks[1]) +
			" 0 0 20 0 8 0 123 1000000 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"),
		"self/status": file("Name:\tcascade\nVmPeak:\t  900 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n"),
		"stat": file("cpu  " + itoa(cpuUser) + " 0 100 " + itoa(cpuIdle) + " 0 0 0 0 0 0\n" +
			"cpu0 1 0 0 1 0 0 0 0 0 0\ncpu1 1 0 0 1 0 0 0 0 0 0\nintr 1\nctxt 2\n"),
		"meminfo": file("MemTotal:        2048000 kB\nMemFree:          512000 kB\nMemAvailable:    1000000 kB\n" +
			"Buffers:          102400 kB\nCached:           614400 kB\nSwapTotal:         100000 kB\nSwapFree:           25000 kB\n"),
		"uptime":  file("12345.67 23456.78\n"),
		"loadavg": file("0.50 0.25 0.125 1/234 5678\n"),
		"vmstat":  file("nr_free_pages 1\npgpgin " + itoa(pgpgin) + "\npgpgout " + itoa(pgpgout) + "\npswpin 0\n"),
		"net/dev": file("Inter-|   Receive                                                |  Transmit\n" +
			" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
			"    lo:    1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0\n" +
			"  eth0:30000 300 0 0 0 0 0 0 40000 400 0 0 0 0 0 0\n" +
			"  eth1: 5000      50    0    0    0     0          0         0     6000      60    0    0    0     0       0          0\n"),
		"net/sockstat": file("sockets: used 300\nTCP: inuse 20 orphan 1 tw 7 alloc 25 mem 4\nUDP: inuse 3 mem 1\nUDPLITE: inuse 0\n"),
		"net/snmp": file("Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
			"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs\n" +
			"Tcp: 1 200 120000 -1 10 20 0 0 9 1000\n"),
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestHostSampler(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	now := t0
	h := &HostSampler{
		proc:       procFiles([2]int{100, 50}, 1000, 9000, 4000, 8000),
		now:        func() time.Time { return now },
		started:    t0.Add(-90 * time.Second),
		version:    "6.0.184",
		pid:        4242,
		argv:       "./cascade -c srs.conf",
		cwd:        "/srv",
		pageKbyte:  4,
		isInternet: func(iface string) bool { return iface == "eth0" },
	}

	first := h.Sample()
	assert.True(t, first.OK)
	assert.Zero(t, first.Self.CPUPercent, "no rate before a second sample")
	assert.Zero(t, first.System.CPUPercent)

	// 10 s later: the process used 250 more ticks (2.5 s of CPU), the host
	// 400 more ticks of which 100 idle, 5000 KB read and 20000 KB written.
	now = t0.Add(10 * time.Second)
	h.proc = procFiles([2]int{250, 150}, 1300, 9100, 9000, 28000)
	got := h.Sample()

	want := Summary{
		OK:    true,
		NowMs: now.UnixMilli(),
		Self: Self{
			Version: "6.0.184", Pid: 4242, Ppid: 77, Argv: "./cascade -c srs.conf", Cwd: "/srv",
			MemKbyte:   20480,
			MemPercent: 20480.0 / 2048000,
			CPUPercent: 0.25,
			SrsUptime:  100,
			RSSKbyte:   2560 * 4,
		},
		System: System{
			CPUPercent:    0.75,
			DiskReadKBps:  500,
			DiskWriteKBps: 2000,
			MemRAMKbyte:   2048000,
			// in use: total - free - buffers - cached
			MemRAMPercent:  (2048000.0 - 512000 - 102400 - 614400) / 2048000,
			MemSwapKbyte:   100000,
			MemSwapPercent: 0.75,
			CPUs:           2, CPUsOnline: 2,
			Uptime: 12345.67, IdleTime: 23456.78,
			Load1m: 0.5, Load5m: 0.25, Load15m: 0.125,
			NetSampleTime: now.UnixMilli(),
			NetRecvBytes:  30000, NetSendBytes: 40000,
			NetRecviBytes: 6000, NetSendiBytes: 8000,
			SrsSampleTime: now.UnixMilli(),
			ConnSys:       32, ConnSysEt: 9, ConnSysTw: 7, ConnSysUDP: 3,
		},
	}
	assert.Equal(t, want, got)
}

func TestHostSamplerMissingProc(t *testing.T) {
	h := &HostSampler{
		proc:       fstest.MapFS{},
		now:        time.Now,
		started:    time.Now(),
		isInternet: func(string) bool { return false },
	}
	got := h.Sample()
	assert.False(t, got.OK, "missing files make the summary not ok")
	assert.Zero(t, got.System.MemRAMKbyte)
}

func TestNewHostSamplerReadsThisProcess(t *testing.T) {
	h := NewHostSampler("6.0.184", time.Now())
	got := h.Sample()
	require.True(t, got.OK, "this test runs on Linux, where /proc has every file")
	assert.Positive(t, got.Self.MemKbyte)
	assert.Positive(t, got.Self.RSSKbyte)
	assert.Positive(t, got.System.MemRAMKbyte)
	assert.Positive(t, got.System.CPUs)
}
