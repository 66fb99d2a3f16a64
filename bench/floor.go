package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/rtmp"
)

// Floor is the do-nothing fan-out server: the least a live server can cost
// for N players of one stream. It loops an FLV file in real time and, every
// Batch, serializes the due tags once as RTMP chunks and as FLV tags and
// makes one writev(2) per player from those shared bytes; nothing else (no
// GOP cache, no queues: what a full socket does not take is lost). A load
// run against it, in the same conditions as against cascade, gives the
// floor that cascade's CPU is compared with.
type Floor struct {
	Tags  []mediaTag
	Batch time.Duration // default 350 ms, SRS's mw_latency

	// Delays counts, for each player write, the time from the batch's
	// oldest tag being due to the writev returning: what even this server
	// adds (with a short Batch, the least any server can add on this
	// machine for as many players).
	Delays live.DelayHist

	mu      sync.Mutex
	players []*floorPlayer
	headers [2][]byte // metadata and sequence headers, per form
}

type floorPlayer struct {
	conn net.Conn
	fd   int
	form int // 0 RTMP, 1 FLV
}

const floorChunkSize = 60000

// NewFloor reads the FLV file to loop.
func NewFloor(path string) (*Floor, error) {
	tags, err := readMediaFile(path)
	if err != nil {
		return nil, err
	}
	f := &Floor{Tags: tags, Batch: 350 * time.Millisecond}
	for _, t := range tags { // what a player gets first
		if t.typ == flv.TagScript || (len(t.data) > 1 && t.data[1] == 0) {
			f.headers[0] = appendRTMP(f.headers[0], t.typ, 0, t.data)
			f.headers[1] = flv.AppendTag(f.headers[1], t.typ, 0, t.data)
		}
		if t.ts > 0 {
			break
		}
	}
	return f, nil
}

func appendRTMP(dst []byte, typ uint8, ts uint32, data []byte) []byte {
	csid := map[uint8]uint32{flv.TagAudio: 7, flv.TagVideo: 6}[typ]
	if csid == 0 {
		csid = 5
	}
	return rtmp.AppendChunks(dst, csid, typ, 1, ts, data, floorChunkSize)
}

// Serve runs the floor on the listeners (either may be nil) until ctx ends.
func (f *Floor) Serve(ctx context.Context, rtmpLn, httpLn net.Listener) error {
	for i, ln := range []net.Listener{rtmpLn, httpLn} {
		if ln == nil {
			continue
		}
		go func() {
			<-ctx.Done()
			ln.Close()
		}()
		go f.accept(ln, i)
	}
	tick := time.NewTicker(f.Batch)
	defer tick.Stop()
	start := time.Now()
	span := time.Duration(f.Tags[len(f.Tags)-1].ts+40) * time.Millisecond
	var next int // the next tag to send
	var loop time.Duration
	var oldest time.Time // when the batch's first tag was due
	var batch [2][]byte
	var iov []unix.Iovec
	for {
		select {
		case <-ctx.Done():
			f.closeAll()
			return nil
		case <-tick.C:
		}
		// Serialize the tags that are due, once per form.
		batch[0], batch[1] = batch[0][:0], batch[1][:0]
		for now := time.Since(start); ; {
			t := f.Tags[next]
			due := loop + time.Duration(t.ts)*time.Millisecond
			if due > now {
				break
			}
			if t.typ != flv.TagScript {
				if len(batch[0]) == 0 {
					oldest = start.Add(due)
				}
				ts := uint32(due / time.Millisecond)
				batch[0] = appendRTMP(batch[0], t.typ, ts, t.data)
				batch[1] = flv.AppendTag(batch[1], t.typ, ts, t.data)
			}
			if next++; next == len(f.Tags) {
				next, loop = 0, loop+span
			}
		}
		if len(batch[0]) == 0 {
			continue
		}
		// One writev per player (one slice here: the batch is contiguous,
		// as a real server's shared buffers would be a few).
		f.mu.Lock()
		kept := f.players[:0]
		for _, p := range f.players {
			b := batch[p.form]
			iov = append(iov[:0], unix.Iovec{Base: &b[0]})
			iov[0].SetLen(len(b))
			// Raw, as cascade's netpoll: a non-blocking socket's write
			// needs no hand-off of the thread.
			_, _, errno := unix.RawSyscall(unix.SYS_WRITEV, uintptr(p.fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
			if errno != 0 && errno != unix.EAGAIN {
				p.conn.Close()
				continue
			}
			f.Delays.Add(time.Since(oldest))
			kept = append(kept, p)
		}
		clear(f.players[len(kept):])
		f.players = kept
		f.mu.Unlock()
	}
}

func (f *Floor) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.players {
		p.conn.Close()
	}
	f.players = nil
}

func (f *Floor) accept(ln net.Listener, form int) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			var err error
			if form == 0 {
				var publisher bool
				if publisher, err = floorRTMPSetup(c); err == nil && publisher {
					// A publisher (run.sh's ffmpeg) is heard and ignored.
					_ = c.SetDeadline(time.Time{})
					_, _ = io.Copy(io.Discard, c)
					c.Close()
					return
				}
			} else {
				err = floorHTTPSetup(c)
			}
			if err == nil {
				_, err = c.Write(f.headers[form])
			}
			if err != nil {
				c.Close()
				return
			}
			_ = c.SetDeadline(time.Time{})
			f.add(c, form)
		}()
	}
}

// add registers c for the batches, by its file descriptor.
func (f *Floor) add(c net.Conn, form int) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		c.Close()
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		c.Close()
		return
	}
	fd := -1
	_ = raw.Control(func(s uintptr) { fd = int(s) })
	p := &floorPlayer{conn: c, fd: fd, form: form}
	f.mu.Lock()
	f.players = append(f.players, p)
	f.mu.Unlock()
	go func() { // notice the player leaving
		_, _ = io.Copy(io.Discard, c)
		// Out of the list before the descriptor is closed and reused.
		f.mu.Lock()
		for i, x := range f.players {
			if x == p {
				f.players = append(f.players[:i], f.players[i+1:]...)
				break
			}
		}
		f.mu.Unlock()
		c.Close()
	}()
}

// floorHTTPSetup reads a request head and answers with an FLV stream's head.
func floorHTTPSetup(c net.Conn) error {
	r := bufio.NewReaderSize(c, 4096)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
	}
	head := "HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nConnection: close\r\n\r\n"
	_, err := c.Write(flv.AppendHeader([]byte(head), true, true))
	return err
}

// floorRTMPSetup does the handshake and answers connect, createStream and
// play as briefly as a player accepts; it reports a client that publishes
// instead.
func floorRTMPSetup(c net.Conn) (publisher bool, err error) {
	c0c1 := make([]byte, 1+rtmp.HandshakeSize)
	if _, err := io.ReadFull(c, c0c1); err != nil {
		return false, err
	}
	s, _, err := rtmp.ServerHandshake(c0c1, rand.Reader)
	if err != nil {
		return false, err
	}
	if _, err := c.Write(s); err != nil {
		return false, err
	}
	if _, err := io.ReadFull(c, c0c1[:rtmp.HandshakeSize]); err != nil {
		return false, err
	}
	reader := rtmp.NewChunkReader()
	defer reader.Close()
	buf := make([]byte, 4096)
	playing := false
	for !playing && !publisher {
		n, err := c.Read(buf)
		if err != nil {
			return false, err
		}
		var out []byte
		_, err = reader.Feed(buf[:n], func(m *rtmp.Message) error {
			defer m.Body.Release()
			if m.Type != rtmp.MsgAMF0Command {
				return nil
			}
			cmd, err := rtmp.ParseCommand(m.Type, m.Payload())
			if err != nil {
				return err
			}
			var reply *rtmp.Command
			switch cmd.Name {
			case "connect":
				out = rtmp.AppendSetChunkSize(out, floorChunkSize)
				reply = rtmp.ConnectResult(cmd.TransactionID, 0)
			case "createStream":
				reply = rtmp.CreateStreamResult(cmd.TransactionID, 1)
			case "play":
				reply, playing = rtmp.Status(rtmp.CodePlayStart), true
			case "publish":
				reply, publisher = rtmp.Status(rtmp.CodePublishStart), true
			default:
				return nil
			}
			csid := rtmp.CSIDCommand
			if cmd.Name == "play" || cmd.Name == "publish" {
				csid = rtmp.CSIDStream
			}
			out, err = rtmp.AppendCommand(out, csid, m.StreamID, reply, floorChunkSize)
			return err
		})
		if err != nil {
			return false, fmt.Errorf("floor: rtmp: %w", err)
		}
		if _, err := c.Write(out); err != nil {
			return false, err
		}
	}
	return publisher, nil
}
