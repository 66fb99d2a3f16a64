// Package udpts is the mpegts_over_udp stream caster: it receives an SPTS
// (MPEG-TS over UDP, unicast or multicast) and publishes it as the
// caster's output stream.
//
// One port carries one stream, as in SRS. The first sender whose packets
// demux into a frame becomes the publisher; packets from other addresses
// are dropped while it publishes. The stream is unpublished when no packet
// came for Timeout, or when the server ends it; the next frame publishes
// again. Loss is counted from continuity counter gaps.
package udpts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cascade-live/cascade/internal/caster"
	"github.com/cascade-live/cascade/internal/caster/flvconv"
	"github.com/cascade-live/cascade/internal/session"
	"golang.org/x/sys/unix"
)

// Defaults.
const (
	DefaultTimeout    = 10 * time.Second // no packet for this long unpublishes
	DefaultReadBuffer = 8 << 20          // socket receive buffer: bursts of a keyframe at high rates
	maxDatagram       = 64 << 10
	refusedHold       = 5 * time.Second // a refused or kicked sender is ignored this long
)

// Config is one mpegts_over_udp caster.
type Config struct {
	Listen     string // "ip:port" or ":port"; a multicast ip joins its group
	Output     string // rtmp://host/app/stream the stream is published as
	Timeout    time.Duration
	ReadBuffer int
}

// Stats counts what a caster received.
type Stats struct {
	Packets   uint64 // datagrams read
	Bytes     uint64
	Foreign   uint64 // datagrams dropped: from another sender, or a refused one
	Lost      uint64 // continuity counter gaps: runs of lost TS packets
	Malformed uint64 // frames or PES packets dropped as malformed
	Publishes uint64 // publishes started
}

// Caster receives one UDP port.
type Caster struct {
	cfg  Config
	host session.Host
	log  *slog.Logger
	conn *net.UDPConn

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	packets, bytes, foreign, lost, malformed, publishes atomic.Uint64
}

// Listen opens the UDP socket of cfg; Serve reads it.
func Listen(cfg Config, host session.Host, log *slog.Logger) (*Caster, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ReadBuffer <= 0 {
		cfg.ReadBuffer = DefaultReadBuffer
	}
	if _, err := caster.Target(cfg.Output, "app", "stream", ""); err != nil {
		return nil, err
	}
	ap, err := netip.ParseAddrPort(withHost(cfg.Listen))
	if err != nil {
		return nil, fmt.Errorf("udpts: listen %q: %w", cfg.Listen, err)
	}
	var conn *net.UDPConn
	if ap.Addr().IsMulticast() {
		conn, err = net.ListenMulticastUDP("udp", nil, net.UDPAddrFromAddrPort(ap))
	} else {
		conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(ap))
	}
	if err != nil {
		return nil, fmt.Errorf("udpts: listen %s: %w", cfg.Listen, err)
	}
	setReadBuffer(conn, cfg.ReadBuffer)
	c := &Caster{cfg: cfg, host: host, log: log.With("caster", "mpegts_over_udp", "listen", conn.LocalAddr().String()), conn: conn}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// withHost makes ":port" parseable as an address.
func withHost(s string) string {
	if len(s) > 0 && s[0] == ':' {
		return "0.0.0.0" + s
	}
	return s
}

// setReadBuffer sizes the receive buffer past net.core.rmem_max when the
// process may (SO_RCVBUFFORCE needs CAP_NET_ADMIN), else as far as allowed.
func setReadBuffer(conn *net.UDPConn, n int) {
	raw, err := conn.SyscallConn()
	if err == nil {
		var serr error
		_ = raw.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n)
		})
		if serr == nil {
			return
		}
	}
	_ = conn.SetReadBuffer(n)
}

// Addr is the socket's local address.
func (c *Caster) Addr() net.Addr { return c.conn.LocalAddr() }

// Stats returns the counters so far.
func (c *Caster) Stats() Stats {
	return Stats{
		Packets: c.packets.Load(), Bytes: c.bytes.Load(), Foreign: c.foreign.Load(),
		Lost: c.lost.Load(), Malformed: c.malformed.Load(), Publishes: c.publishes.Load(),
	}
}

// Start reads the socket on a goroutine until Close.
func (c *Caster) Start() {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.serve()
	}()
}

// Close stops the caster and unpublishes its stream.
func (c *Caster) Close() error {
	c.cancel()
	err := c.conn.Close()
	c.wg.Wait()
	return err
}

// stream is the publish of one sender.
type stream struct {
	c      *Caster
	from   netip.AddrPort
	pub    session.Publisher
	ts     *flvconv.TS
	last   time.Time
	lost   uint64 // continuity gaps told to pub so far
	warned bool   // a foreign sender was logged
	err    error
}

// countLost tells the publisher of the continuity gaps found since the
// last call.
func (s *stream) countLost() {
	if s.pub == nil {
		return
	}
	if lost := s.ts.Stats().ContinuityErrors; lost > s.lost {
		s.pub.CountLost(lost - s.lost)
		s.lost = lost
	}
}

// WriteTag publishes on the first tag: a sender is admitted once its
// packets hold media.
func (s *stream) WriteTag(typ uint8, t uint32, b []byte) error {
	if s.pub == nil {
		req, err := caster.Target(s.c.cfg.Output, "", "", "")
		if err != nil {
			return err
		}
		req.Proto, req.RemoteAddr = "mpegts-udp", s.from.String()
		if s.pub, err = s.c.host.Publish(s.c.ctx, req); err != nil {
			return err
		}
		s.c.publishes.Add(1)
		s.c.log.Info("mpegts-udp publish", "from", s.from.String(), "stream", req.App+"/"+req.Stream)
	}
	return s.pub.WriteTag(typ, t, b)
}

func (c *Caster) serve() {
	buf := make([]byte, maxDatagram)
	var cur *stream
	held := map[netip.Addr]time.Time{} // refused or kicked senders
	end := func(why string) {
		if cur == nil {
			return
		}
		st := cur.ts.Stats()
		c.lost.Add(st.ContinuityErrors)
		c.malformed.Add(st.Malformed + st.PESErrors)
		if cur.pub != nil {
			cur.countLost()
			_ = cur.pub.Close()
			c.log.Info("mpegts-udp unpublish", "from", cur.from.String(), "why", why,
				"packets", st.Packets, "lost", st.ContinuityErrors, "malformed", st.Malformed+st.PESErrors)
		}
		cur = nil
	}
	defer end("caster closed")
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(time.Second))
		n, from, err := c.conn.ReadFromUDPAddrPort(buf)
		now := time.Now()
		if cur != nil && now.Sub(cur.last) > c.cfg.Timeout {
			end("timeout")
		}
		if cur != nil && cur.pub != nil {
			select {
			case <-cur.pub.Done():
				held[cur.from.Addr()] = now.Add(refusedHold)
				end("ended by the server")
			default:
			}
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) || c.ctx.Err() != nil {
				return
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			if errors.Is(err, syscall.ECONNREFUSED) {
				continue
			}
			c.log.Warn("mpegts-udp read", "err", err)
			continue
		}
		c.packets.Add(1)
		c.bytes.Add(uint64(n))
		if until, ok := held[from.Addr()]; ok {
			if now.Before(until) {
				c.foreign.Add(1)
				continue
			}
			delete(held, from.Addr())
		}
		if cur != nil && cur.from != from {
			if cur.pub == nil {
				end("another sender") // not publishing yet: the newcomer may have media
			} else {
				c.foreign.Add(1)
				if !cur.warned {
					cur.warned = true
					c.log.Warn("mpegts-udp: dropping packets from another sender", "from", from.String(), "publisher", cur.from.String())
				}
				continue
			}
		}
		if cur == nil {
			cur = &stream{c: c, from: from}
			cur.ts = flvconv.NewTS(cur)
		}
		cur.last = now
		if err := c.feed(cur, buf[:n]); err != nil {
			if cur.pub == nil {
				c.log.Warn("mpegts-udp publish refused", "from", from.String(), "err", err)
			} else {
				c.log.Warn("mpegts-udp publish ended", "from", from.String(), "err", err)
			}
			held[from.Addr()] = now.Add(refusedHold)
			end("error")
		} else {
			cur.countLost()
		}
		if len(held) > 1024 { // bounded: forget the oldest holds
			for a, until := range held {
				if now.After(until) {
					delete(held, a)
				}
			}
		}
	}
}

// feed reads one datagram into the stream; a panic (a bug) ends the stream,
// not the server.
func (c *Caster) feed(s *stream, b []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("udpts: panic: %v", r)
		}
	}()
	return s.ts.Feed(b)
}
