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

	mu    sync.Mutex
	prev  hostCounters
	stats StatsConfig
	iface func(index int) string // the interface of stats.network
}

// hostCounters are the running totals rates are computed from.
type hostCounters struct {
	at                time.Time
	selfTicks         uint64 // utime+stime of this process
	cpuTotal, cpuIdle uint64 // all CPUs, from /proc/stat
	pgpgin, pgpgout   uint64 // KB paged in and out, from /proc/vmstat
	iface             string // stats.network's interface
	ifaceRecv         int64  // its bytes received and sent
	ifaceSent         int64
	disks             diskTotals // stats.disk's devices
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
		iface:      ifaceOfIndex,
	}
}

// SetStats applies a stats block: from the next Sample on, the summary
// details stats.network's interface and stats.disk's devices.
func (h *HostSampler) SetStats(c StatsConfig) {
	h.mu.Lock()
	h.stats = c
	h.mu.Unlock()
}

// Sample reads /proc once and returns the summary, with rates over the time
// since the previous call.
func (h *HostSampler) Sample() Summary {
	now := h.now()
	r := procReader{fsys: h.proc}

	h.mu.Lock()
	stats := h.stats
	h.mu.Unlock()
	cur := hostCounters{at: now}
	self, selfTicks := h.readSelf(&r)
	sys, cpuTotal, cpuIdle, pgpgin, pgpgout := h.readSystem(&r, now)
	cur.selfTicks, cur.cpuTotal, cur.cpuIdle, cur.pgpgin, cur.pgpgout = selfTicks, cpuTotal, cpuIdle, pgpgin, pgpgout
	var disksFound bool
	if stats.Enabled {
		cur.iface = h.iface(stats.Network)
		for _, d := range r.netDevices() {
			if d.name == cur.iface {
				cur.ifaceRecv, cur.ifaceSent = d.recv, d.sent
			}
		}
		sys.NetIface, sys.NetIfaceRecvBytes, sys.NetIfaceSendBytes = cur.iface, cur.ifaceRecv, cur.ifaceSent
		if len(stats.Disks) > 0 {
			cur.disks, disksFound = r.diskStats(stats.Disks)
		}
	}

	h.mu.Lock()
	prev := h.prev
	h.prev = cur
	h.mu.Unlock()

	if elapsed := now.Sub(prev.at).Seconds(); !prev.at.IsZero() && elapsed > 0 {
		if selfTicks >= prev.selfTicks {
			self.CPUPercent = float64(selfTicks-prev.selfTicks) / userHZ / elapsed
		}
		if pgpgin >= prev.pgpgin && pgpgout >= prev.pgpgout {
			sys.DiskReadKBps = int64(float64(pgpgin-prev.pgpgin) / elapsed)
			sys.DiskWriteKBps = int64(float64(pgpgout-prev.pgpgout) / elapsed)
		}
		h.rates(&sys, prev, cur, elapsed, disksFound)
	}
	if prev.cpuTotal > 0 && cpuTotal > prev.cpuTotal && cpuIdle >= prev.cpuIdle {
		sys.CPUPercent = 1 - float64(cpuIdle-prev.cpuIdle)/float64(cpuTotal-prev.cpuTotal)
	}
	if sys.MemRAMKbyte > 0 {
		self.MemPercent = float64(self.MemKbyte) / float64(sys.MemRAMKbyte)
	}

	return Summary{OK: r.err == nil, NowMs: now.UnixMilli(), Self: self, System: sys}
}

// rates fills the stats block's rates over elapsed seconds: the
// interface's kbps, and for the configured disks their read and write
// KBps (in place of the whole host's paging) and how busy they were.
func (h *HostSampler) rates(sys *System, prev, cur hostCounters, elapsed float64, disksFound bool) {
	if cur.iface != "" && cur.iface == prev.iface && cur.ifaceRecv >= prev.ifaceRecv && cur.ifaceSent >= prev.ifaceSent {
		sys.NetIfaceRecvKbps = int64(float64(cur.ifaceRecv-prev.ifaceRecv) * 8 / 1000 / elapsed)
		sys.NetIfaceSendKbps = int64(float64(cur.ifaceSent-prev.ifaceSent) * 8 / 1000 / elapsed)
	}
	d, p := cur.disks, prev.disks
	if !disksFound || d.sectorsRead < p.sectorsRead || d.sectorsWritten < p.sectorsWritten || d.ioMs < p.ioMs {
		return
	}
	const sectorKbyte = 0.5 // /proc/diskstats counts 512-byte sectors
	sys.DiskReadKBps = int64(float64(d.sectorsRead-p.sectorsRead) * sectorKbyte / elapsed)
	sys.DiskWriteKBps = int64(float64(d.sectorsWritten-p.sectorsWritten) * sectorKbyte / elapsed)
	sys.DiskBusyPercent = min(1, float64(d.ioMs-p.ioMs)/1000/elapsed)
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

// StatsConfig is the stats block: what the summary details beyond SRS's
// host-wide counters.
type StatsConfig struct {
	Enabled bool     // enabled: on when the block is there, as SRS 3 had no switch
	Network int      // network: index into LocalIPv4's list, 0 by default
	Disks   []string // disk: device names as in /proc/diskstats (sda, xvda…)
}

// LocalIPv4 lists the host's IPv4 addresses with their interfaces: the
// interfaces' order, loopback last. SRS's stats.network indexes this list
// (modulo its length), for the heartbeat's ip and the interface the
// summary details.
func LocalIPv4() []InterfaceAddr {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out, loop []InterfaceAddr
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipnet, ok := a.(*net.IPNet)
			if !ok || ipnet.IP.To4() == nil {
				continue
			}
			ia := InterfaceAddr{Interface: ifi.Name, IP: ipnet.IP.String()}
			if ifi.Flags&net.FlagLoopback != 0 {
				loop = append(loop, ia)
			} else {
				out = append(out, ia)
			}
		}
	}
	return append(out, loop...)
}

// InterfaceAddr is one of the host's addresses.
type InterfaceAddr struct {
	Interface string // "eth0"
	IP        string // "192.168.1.10"
}

// PickIPv4 returns the index-th (modulo) of LocalIPv4's addresses, or the
// zero value when the host has none.
func PickIPv4(index int) InterfaceAddr {
	ips := LocalIPv4()
	if len(ips) == 0 || index < 0 {
		return InterfaceAddr{}
	}
	return ips[index%len(ips)]
}

func ifaceOfIndex(index int) string { return PickIPv4(index).Interface }
