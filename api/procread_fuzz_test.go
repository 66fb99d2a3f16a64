package api

import (
	"testing"
	"testing/fstest"
)

// FuzzProcReader feeds arbitrary contents to every /proc parser: none may
// panic, whatever the kernel (or a container's fake /proc) writes.
func FuzzProcReader(f *testing.F) {
	for _, file := range procFiles([2]int{1, 2}, 3, 4, 5, 6) {
		f.Add(string(file.Data))
	}
	f.Add("   8       0 sda 100 0 4000 10 200 0 8000 20 0 500 30\n")
	f.Add("lo:")
	f.Fuzz(func(t *testing.T, data string) {
		fs := fstest.MapFS{}
		for _, name := range []string{"self/stat", "self/status", "stat", "meminfo", "uptime", "loadavg",
			"vmstat", "net/dev", "net/sockstat", "net/snmp", "diskstats"} {
			fs[name] = &fstest.MapFile{Data: []byte(data)}
		}
		r := procReader{fsys: fs}
		r.selfStat()
		r.keyedKbyte("self/status", "VmHWM:")
		r.cpuStat()
		r.memInfo()
		r.floats("uptime", 2)
		r.netDevices()
		r.sockStat()
		r.tcpEstablished()
		r.vmStat()
		r.diskStats([]string{"sda"})
	})
}
