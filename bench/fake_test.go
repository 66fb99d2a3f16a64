package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/rtmp"
)

// fakeMsg is one message of a synthetic stream.
type fakeMsg struct {
	typ     uint8
	ts      uint32
	payload []byte
}

// syntheticStream returns onMetaData, the AVC and AAC sequence headers and
// frames video frames (40 ms apart, each followed by an audio frame); the
// first video frame is a keyframe if firstKey, and every 10th after it.
func syntheticStream(frames int, firstKey bool) []fakeMsg {
	meta, err := amf.AppendAll0(nil, "onMetaData", amf.ECMAArray{{Key: "width", Value: 1280.0}, {Key: "height", Value: 720.0}})
	if err != nil {
		panic(err)
	}
	msgs := []fakeMsg{
		{flv.TagScript, 0, meta},
		{flv.TagVideo, 0, append([]byte{0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1}, fill(20, 0x67)...)},
		{flv.TagAudio, 0, []byte{0xaf, 0, 0x12, 0x10}},
	}
	for i := range frames {
		key := i%10 == 0
		if i == 0 {
			key = firstKey
		}
		hdr := byte(0x27)
		size := 300 + 7*i
		if key {
			hdr, size = 0x17, 5000+i
		}
		ts := uint32(40 * i)
		msgs = append(msgs,
			fakeMsg{flv.TagVideo, ts, append([]byte{hdr, 1, 0, 0, 0}, fill(size, byte(i))...)},
			fakeMsg{flv.TagAudio, ts, append([]byte{0xaf, 1}, fill(180+i%3, 0x21)...)})
	}
	return msgs
}

// frameMsgs returns the frames of msgs, without metadata and sequence
// headers, to repeat them.
func frameMsgs(msgs []fakeMsg) []fakeMsg { return msgs[3:] }

// mediaBytes sums the audio and video payload bytes of msgs.
func mediaBytes(msgs []fakeMsg) uint64 {
	var n uint64
	for _, m := range msgs {
		if m.typ == flv.TagAudio || m.typ == flv.TagVideo {
			n += uint64(len(m.payload))
		}
	}
	return n
}

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

// fakeOptions shape what a fake server sends.
type fakeOptions struct {
	msgs []fakeMsg // sent once after play
	// every > 0 sends the frames of msgs again every period, timestamps
	// going on, until the connection closes.
	every time.Duration
	// closeAfter closes the connection after msgs.
	closeAfter bool
	// silent accepts connections and never answers.
	silent bool

	// HTTP-FLV: the status (default 200), the Content-Type (default
	// video/x-flv) and whether the body is chunked (in pieces of
	// bodyPiece bytes, default 1000).
	status      int
	contentType string
	chunked     bool
	bodyPiece   int

	// RTMP: chunk size (default 128), window acknowledgement size (0:
	// none), a ping before the media, media on chunk streams of two- and
	// three-byte basic headers, a base timestamp, and a refused play.
	chunkSize  int
	windowAck  uint32
	ping       bool
	highCSID   bool
	baseTS     uint32
	rejectPlay bool
}

// fakeServer is an in-test live server on 127.0.0.1:0 speaking RTMP or
// HTTP-FLV with a synthetic stream.
type fakeServer struct {
	t    *testing.T
	ln   net.Listener
	opts fakeOptions
	rtmp bool

	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup

	acks  atomic.Int32 // RTMP acknowledgements received
	pongs atomic.Int32 // RTMP ping responses received
	plays atomic.Int32 // players that got to the media
}

func newFakeServer(t *testing.T, isRTMP bool, opts fakeOptions) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, ln: ln, opts: opts, rtmp: isRTMP, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

// URL returns the stream URL of the server.
func (s *fakeServer) URL() string {
	if s.rtmp {
		return "rtmp://" + s.ln.Addr().String() + "/live/livestream"
	}
	return "http://" + s.ln.Addr().String() + "/live/livestream.flv"
}

// Close stops the server and closes its connections.
func (s *fakeServer) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *fakeServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			var err error
			switch {
			case s.opts.silent:
				_, err = io.Copy(io.Discard, c)
			case s.rtmp:
				err = s.serveRTMP(c)
			default:
				err = s.serveFLV(c)
			}
			if err != nil && !isClosed(err) {
				s.t.Logf("fake server: %v", err)
			}
		}()
	}
}

func isClosed(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}

// stream writes msgs with write, then the repeats asked for.
func (s *fakeServer) stream(write func(fakeMsg) error) error {
	s.plays.Add(1)
	for _, m := range s.opts.msgs {
		if err := write(m); err != nil {
			return err
		}
	}
	if s.opts.every <= 0 {
		return nil
	}
	frames := frameMsgs(s.opts.msgs)
	period := frames[len(frames)-1].ts + 40
	start := time.Now()
	for round := uint32(1); ; round++ {
		// Paced from the start, so that slow writes do not lower the rate.
		time.Sleep(time.Until(start.Add(time.Duration(round) * s.opts.every)))
		for _, m := range frames {
			m.ts += round * period
			if err := write(m); err != nil {
				return err
			}
		}
	}
}

// serveFLV answers one HTTP request with the stream.
func (s *fakeServer) serveFLV(c net.Conn) error {
	var head []byte
	buf := make([]byte, 1024)
	for !bytes.Contains(head, []byte("\r\n\r\n")) {
		n, err := c.Read(buf)
		head = append(head, buf[:n]...)
		if err != nil {
			return err
		}
	}
	if !bytes.HasPrefix(head, []byte("GET /live/livestream.flv HTTP/1.1\r\n")) {
		return fmt.Errorf("request %q", head)
	}
	status, ctype := s.opts.status, s.opts.contentType
	if status == 0 {
		status = 200
	}
	if ctype == "" {
		ctype = "video/x-flv"
	}
	resp := fmt.Sprintf("HTTP/1.1 %d X\r\nContent-Type: %s\r\nConnection: close\r\n", status, ctype)
	if s.opts.chunked {
		resp += "Transfer-Encoding: chunked\r\n"
	}
	if _, err := io.WriteString(c, resp+"\r\n"); err != nil || status != 200 {
		return err
	}
	piece := s.opts.bodyPiece
	if piece == 0 {
		piece = 1000
	}
	write := func(b []byte) error {
		if !s.opts.chunked {
			_, err := c.Write(b)
			return err
		}
		var out []byte
		for len(b) > 0 {
			k := min(piece, len(b))
			out = fmt.Appendf(out, "%x;ext=1\r\n", k)
			out = append(append(out, b[:k]...), "\r\n"...)
			b = b[k:]
		}
		_, err := c.Write(out)
		return err
	}
	if err := write(flv.AppendHeader(nil, true, true)); err != nil {
		return err
	}
	err := s.stream(func(m fakeMsg) error {
		return write(flv.AppendTag(nil, m.typ, m.ts, m.payload))
	})
	if err != nil || s.opts.closeAfter {
		if err == nil && s.opts.chunked {
			_, err = io.WriteString(c, "0\r\n\r\n")
		}
		return err
	}
	_, err = io.Copy(io.Discard, c)
	return err
}

// serveRTMP plays the stream to one RTMP player.
func (s *fakeServer) serveRTMP(c net.Conn) error {
	c0c1 := make([]byte, 1+rtmp.HandshakeSize)
	if _, err := io.ReadFull(c, c0c1); err != nil {
		return err
	}
	s0s1s2, _, err := rtmp.ServerHandshake(c0c1, nil)
	if err != nil {
		return err
	}
	if _, err := c.Write(s0s1s2); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, c0c1[:rtmp.HandshakeSize]); err != nil {
		return err
	}

	var wmu sync.Mutex
	w := &rtmp.ChunkWriter{}
	send := func(b []byte) error {
		_, err := c.Write(b)
		return err
	}
	reply := func(csid, streamID uint32, cmd *rtmp.Command) error {
		b, err := cmd.AppendPayload(nil)
		if err != nil {
			return err
		}
		return send(w.AppendChunks(nil, csid, rtmp.MsgAMF0Command, streamID, 0, b))
	}

	r := rtmp.NewChunkReader()
	defer r.Close()
	playing := make(chan struct{})
	onMessage := func(m *rtmp.Message) error {
		defer m.Body.Release()
		switch m.Type {
		case rtmp.MsgAck:
			s.acks.Add(1)
			return nil
		case rtmp.MsgUserControl:
			if uc, err := rtmp.ParseUserControl(m.Payload()); err == nil && uc.Event == rtmp.EventPingResponse {
				s.pongs.Add(1)
			}
			return nil
		case rtmp.MsgAMF0Command:
		default:
			return nil
		}
		cmd, err := rtmp.ParseCommand(m.Type, m.Payload())
		if err != nil {
			return err
		}
		wmu.Lock()
		defer wmu.Unlock()
		switch cmd.Name {
		case rtmp.CmdConnect:
			var b []byte
			if s.opts.windowAck > 0 {
				b = rtmp.AppendWindowAckSize(b, s.opts.windowAck)
				b = rtmp.AppendSetPeerBandwidth(b, s.opts.windowAck, rtmp.LimitDynamic)
			}
			if s.opts.chunkSize > 0 {
				b = rtmp.AppendSetChunkSize(b, uint32(s.opts.chunkSize))
			}
			if err := send(b); err != nil {
				return err
			}
			w.ChunkSize = s.opts.chunkSize
			return reply(rtmp.CSIDCommand, 0, rtmp.ConnectResult(cmd.TransactionID, 0))
		case rtmp.CmdCreateStream:
			return reply(rtmp.CSIDCommand, 0, rtmp.CreateStreamResult(cmd.TransactionID, 1))
		case rtmp.CmdPlay:
			if s.opts.rejectPlay {
				return reply(rtmp.CSIDStream, 1, rtmp.OnStatus(rtmp.LevelError, rtmp.CodePlayStreamNotFound, "no such stream"))
			}
			if err := send(rtmp.AppendUserControl(nil, rtmp.EventStreamBegin, 1)); err != nil {
				return err
			}
			if err := reply(rtmp.CSIDStream, 1, rtmp.OnStatus(rtmp.LevelStatus, rtmp.CodePlayReset, "reset")); err != nil {
				return err
			}
			if err := reply(rtmp.CSIDStream, 1, rtmp.OnStatus(rtmp.LevelStatus, rtmp.CodePlayStart, "start")); err != nil {
				return err
			}
			close(playing)
		}
		return nil
	}

	// Read commands, acknowledgements and pongs in the background.
	readErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				if _, ferr := r.Feed(buf[:n], onMessage); ferr != nil {
					readErr <- ferr
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	select {
	case <-playing:
	case err := <-readErr:
		return err
	}

	videoCSID, audioCSID := uint32(rtmp.CSIDVideo), uint32(rtmp.CSIDAudio)
	if s.opts.highCSID {
		videoCSID, audioCSID = 400, 70
	}
	wmu.Lock()
	if s.opts.ping {
		if err := send(rtmp.AppendUserControl(nil, rtmp.EventPingRequest, 1234)); err != nil {
			wmu.Unlock()
			return err
		}
	}
	wmu.Unlock()
	err = s.stream(func(m fakeMsg) error {
		csid := uint32(rtmp.CSIDData)
		switch m.typ {
		case flv.TagVideo:
			csid = videoCSID
		case flv.TagAudio:
			csid = audioCSID
		}
		wmu.Lock()
		defer wmu.Unlock()
		return send(w.AppendChunks(nil, csid, m.typ, 1, s.opts.baseTS+m.ts, m.payload))
	})
	if err != nil || s.opts.closeAfter {
		return err
	}
	return <-readErr
}
