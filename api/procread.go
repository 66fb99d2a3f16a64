package api

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// procReader parses the /proc files HostSampler needs. A file that cannot
// be read or parsed yields zeros and is remembered in err, so one sample
// reads everything it can and reports ok: false once.
type procReader struct {
	fsys fs.FS
	err  error
}

func (r *procReader) read(name string) []byte {
	b, err := fs.ReadFile(r.fsys, name)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("read /proc/%s: %w", name, err)
	}
	return b
}

func (r *procReader) fail(name, what string) {
	if r.err == nil {
		r.err = fmt.Errorf("parse /proc/%s: %s", name, what)
	}
}

// lines calls fn with the whitespace-separated fields of each non-blank
// line.
func (r *procReader) lines(name string, fn func(fields []string)) {
	s := bufio.NewScanner(bytes.NewReader(r.read(name)))
	for s.Scan() {
		if f := strings.Fields(s.Text()); len(f) > 0 {
			fn(f)
		}
	}
}

func atou(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

type selfStat struct {
	ppid         int
	utime, stime uint64 // clock ticks
	rssPages     int64
}

// selfStat parses /proc/self/stat. The command name may hold spaces and
// parentheses, so fields are counted from after its last ')'.
func (r *procReader) selfStat() selfStat {
	const name = "self/stat"
	b := r.read(name)
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		if b != nil {
			r.fail(name, "no command name")
		}
		return selfStat{}
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, rss 24.
	if len(f) < 22 {
		r.fail(name, "too few fields")
		return selfStat{}
	}
	ppid, _ := strconv.Atoi(f[1])
	return selfStat{ppid: ppid, utime: atou(f[11]), stime: atou(f[12]), rssPages: atoi64(f[21])}
}

// keyedKbyte returns the number after key in a "Key: N kB" file.
func (r *procReader) keyedKbyte(name, key string) int64 {
	var v int64
	r.lines(name, func(f []string) {
		if len(f) >= 2 && f[0] == key {
			v = atoi64(f[1])
		}
	})
	return v
}

type cpuStat struct {
	total, idle uint64 // ticks of all CPUs
	cpus        int    // CPUs listed, the online ones
}

// cpuStat parses /proc/stat: the "cpu" line's first nine times (guest_nice
// is already counted in nice), and the per-CPU lines.
func (r *procReader) cpuStat() cpuStat {
	var c cpuStat
	r.lines("stat", func(f []string) {
		switch {
		case len(f) >= 5 && f[0] == "cpu":
			for i, v := range f[1:min(len(f), 10)] {
				n := atou(v)
				c.total += n
				if i == 3 { // idle
					c.idle = n
				}
			}
		case strings.HasPrefix(f[0], "cpu"):
			c.cpus++
		}
	})
	return c
}

type memInfo struct {
	total, free, buffers, cached, swapTotal, swapFree int64 // KB
}

func (r *procReader) memInfo() memInfo {
	var m memInfo
	fields := map[string]*int64{
		"MemTotal:": &m.total, "MemFree:": &m.free, "Buffers:": &m.buffers,
		"Cached:": &m.cached, "SwapTotal:": &m.swapTotal, "SwapFree:": &m.swapFree,
	}
	r.lines("meminfo", func(f []string) {
		if p, ok := fields[f[0]]; ok && len(f) >= 2 {
			*p = atoi64(f[1])
		}
	})
	return m
}

// floats returns the first n numbers of a one-line file; missing ones are 0.
func (r *procReader) floats(name string, n int) []float64 {
	out := make([]float64, n)
	f := strings.Fields(string(r.read(name)))
	for i := 0; i < n && i < len(f); i++ {
		out[i], _ = strconv.ParseFloat(f[i], 64)
	}
	return out
}

type netDevice struct {
	name       string
	recv, sent int64 // bytes
}

// netDevices parses /proc/net/dev: after two header lines, "name: rx_bytes
// rx_packets … (8 receive fields) tx_bytes …".
func (r *procReader) netDevices() []netDevice {
	var out []netDevice
	r.lines("net/dev", func(f []string) {
		// The name and the first counter may be joined: "eth0:1234".
		name, rest, ok := strings.Cut(strings.Join(f, " "), ":")
		if !ok {
			return
		}
		c := strings.Fields(rest)
		if len(c) < 9 {
			return
		}
		out = append(out, netDevice{name: strings.TrimSpace(name), recv: atoi64(c[0]), sent: atoi64(c[8])})
	})
	return out
}

type sockStat struct {
	tcpAlloc, tcpTimeWait, udpInUse int
}

// sockStat parses /proc/net/sockstat: "TCP: inuse N orphan N tw N alloc N
// mem N" and "UDP: inuse N …", reading values by their names.
func (r *procReader) sockStat() sockStat {
	var s sockStat
	r.lines("net/sockstat", func(f []string) {
		kv := map[string]int{}
		for i := 1; i+1 < len(f); i += 2 {
			kv[f[i]], _ = strconv.Atoi(f[i+1])
		}
		switch f[0] {
		case "TCP:":
			s.tcpAlloc, s.tcpTimeWait = kv["alloc"], kv["tw"]
		case "UDP:":
			s.udpInUse = kv["inuse"]
		}
	})
	return s
}

// tcpEstablished reads CurrEstab from /proc/net/snmp, where a "Tcp:" line
// of names is followed by a "Tcp:" line of values.
func (r *procReader) tcpEstablished() int {
	var names []string
	est := 0
	r.lines("net/snmp", func(f []string) {
		if f[0] != "Tcp:" {
			return
		}
		if names == nil {
			names = f
			return
		}
		for i, n := range names {
			if n == "CurrEstab" && i < len(f) {
				est, _ = strconv.Atoi(f[i])
			}
		}
	})
	return est
}

type vmStat struct {
	pgpgin, pgpgout uint64 // KB
}

func (r *procReader) vmStat() vmStat {
	var v vmStat
	r.lines("vmstat", func(f []string) {
		if len(f) < 2 {
			return
		}
		switch f[0] {
		case "pgpgin":
			v.pgpgin = atou(f[1])
		case "pgpgout":
			v.pgpgout = atou(f[1])
		}
	})
	return v
}

// diskTotals are the counters of /proc/diskstats summed over some devices.
type diskTotals struct {
	sectorsRead, sectorsWritten uint64 // 512-byte sectors
	ioMs                        uint64 // time spent doing I/O
}

// diskStats sums the counters of the named devices in /proc/diskstats:
// "major minor name reads merged sectors ms writes merged sectors ms
// in-flight io_ms weighted_ms …". Devices not listed are ignored, as SRS
// does; found reports whether any named device was there.
func (r *procReader) diskStats(devices []string) (t diskTotals, found bool) {
	r.lines("diskstats", func(f []string) {
		if len(f) < 13 || !contains(devices, f[2]) {
			return
		}
		found = true
		t.sectorsRead += atou(f[5])
		t.sectorsWritten += atou(f[9])
		t.ioMs += atou(f[12])
	})
	return t, found
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
