package api

import (
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// userHZ is the unit of the CPU times in /proc: USER_HZ, which Linux fixes
// at 100 for user space on every architecture Go supports.
const userHZ = 100

// HostSampler fills the self and system parts of a Summary from /proc, as
// SRS does on Linux. CPU and disk rates are measured between two calls, so
// the server calls Sample periodically (SRS samples every few seconds) and
// serves the latest result; the first call reports them as 0. Elsewhere
// than Linux the files are missing and the summary says ok: false.
//
// The server adds its own counters to the result: System.SrsRecvBytes,
// SrsSendBytes and ConnSrs.
type HostSampler struct {
	proc       fs.FS // rooted at /proc
	now        func() time.Time
	started    time.Time
	version    string
	pid        int
	argv, cwd  string
	pageKbyte  int64
	isInternet func(iface string) bool

	mu   sync.Mutex
	prev hostCounters
}

// hostCounters are the running totals rates are computed from.
type hostCounters struct {
	at                time.Time
	selfTicks         uint64 // utime+stime of this process
	cpuTotal, cpuIdle uint64 // all CPUs, from /proc/stat
	pgpgin, pgpgout   uint64 // KB paged in and out, from /proc/vmstat
}

// NewHostSampler returns a sampler for this process, which reports version
// and its uptime since started.
func NewHostSampler(version string, started time.Time) *HostSampler {
	cwd, _ := os.Getwd()
	return &HostSampler{
		proc:       os.DirFS("/proc"),
		now:        time.Now,
		started:    started,
		version:    version,
		pid:        os.Getpid(),
		argv:       strings.Join(os.Args, " "),
		cwd:        cwd,
		pageKbyte:  int64(os.Getpagesize() / 1024),
		isInternet: hasPublicAddress,
	}
}

// Sample reads /proc once and returns the summary, with rates over the time
// since the previous call.
func (h *HostSampler) Sample() Summary {
	now := h.now()
	r := procReader{fsys: h.proc}

	self, selfTicks := h.readSelf(&r)
	sys, cpuTotal, cpuIdle, pgpgin, pgpgout := h.readSystem(&r, now)

	h.mu.Lock()
	prev := h.prev
	h.prev = hostCounters{at: now, selfTicks: selfTicks, cpuTotal: cpuTotal, cpuIdle: cpuIdle, pgpgin: pgpgin, pgpgout: pgpgout}
	h.mu.Unlock()

	if elapsed := now.Sub(prev.at).Seconds(); !prev.at.IsZero() && elapsed > 0 {
		if selfTicks >= prev.selfTicks {
			self.CPUPercent = float64(selfTicks-prev.selfTicks) / userHZ / elapsed
		}
		if pgpgin >= prev.pgpgin && pgpgout >= prev.pgpgout {
			sys.DiskReadKBps = int64(float64(pgpgin-prev.pgpgin) / elapsed)
			sys.DiskWriteKBps = int64(float64(pgpgout-prev.pgpgout) / elapsed)
		}
	}
	if prev.cpuTotal > 0 && cpuTotal > prev.cpuTotal && cpuIdle >= prev.cpuIdle {
		sys.CPUPercent = 1 - float64(cpuIdle-prev.cpuIdle)/float64(cpuTotal-prev.cpuTotal)
	}
	if sys.MemRAMKbyte > 0 {
		self.MemPercent = float64(self.MemKbyte) / float64(sys.MemRAMKbyte)
	}

	return Summary{OK: r.err == nil, NowMs: now.UnixMilli(), Self: self, System: sys}
}

// readSelf reads this process's part; selfTicks is its CPU time so far.
func (h *HostSampler) readSelf(r *procReader) (self Self, selfTicks uint64) {
	self = Self{
		Version:   h.version,
		Pid:       h.pid,
		Argv:      h.argv,
		Cwd:       h.cwd,
		SrsUptime: int64(h.now().Sub(h.started).Seconds()),
	}
	st := r.selfStat()
	self.Ppid = st.ppid
	self.RSSKbyte = st.rssPages * h.pageKbyte
	self.MemKbyte = r.keyedKbyte("self/status", "VmHWM:")
	return self, st.utime + st.stime
}

// readSystem reads the host's part, and the totals rates are computed from.
func (h *HostSampler) readSystem(r *procReader, now time.Time) (sys System, cpuTotal, cpuIdle, pgpgin, pgpgout uint64) {
	cpu := r.cpuStat()
	sys.CPUs, sys.CPUsOnline = cpu.cpus, cpu.cpus

	mem := r.memInfo()
	sys.MemRAMKbyte = mem.total
	sys.MemSwapKbyte = mem.swapTotal
	if mem.total > 0 {
		realInUse := mem.total - mem.free - mem.buffers - mem.cached
		sys.MemRAMPercent = float64(realInUse) / float64(mem.total)
	}
	if mem.swapTotal > 0 {
		sys.MemSwapPercent = float64(mem.swapTotal-mem.swapFree) / float64(mem.swapTotal)
	}

	up := r.floats("uptime", 2)
	sys.Uptime, sys.IdleTime = up[0], up[1]
	load := r.floats("loadavg", 3)
	sys.Load1m, sys.Load5m, sys.Load15m = load[0], load[1], load[2]

	sys.NetSampleTime = now.UnixMilli()
	sys.SrsSampleTime = now.UnixMilli()
	for _, d := range r.netDevices() {
		if d.name != "lo" && h.isInternet(d.name) {
			sys.NetRecvBytes += d.recv
			sys.NetSendBytes += d.sent
		} else {
			sys.NetRecviBytes += d.recv
			sys.NetSendiBytes += d.sent
		}
	}

	sock := r.sockStat()
	sys.ConnSys = sock.tcpAlloc + sock.tcpTimeWait
	sys.ConnSysTw = sock.tcpTimeWait
	sys.ConnSysUDP = sock.udpInUse
	sys.ConnSysEt = r.tcpEstablished()

	vm := r.vmStat()
	return sys, cpu.total, cpu.idle, vm.pgpgin, vm.pgpgout
}

// hasPublicAddress reports whether a network interface has a globally
// routable address: SRS counts such interfaces as internet, the others as
// intranet.
func hasPublicAddress(iface string) bool {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return false
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if ok && ipnet.IP.IsGlobalUnicast() && !ipnet.IP.IsPrivate() {
			return true
		}
	}
	return false
}
