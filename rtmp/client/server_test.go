package client

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/rtmp"
)

// testServer is a minimal live server built from package rtmp's
// server-side pieces: handshake, ChunkReader, command responses and
// AppendChunks. A publisher's messages are relayed to the players of the
// same stream name, with the metadata and the first audio and video
// messages (sequence headers) replayed to late players.
type testServer struct {
	t  *testing.T
	ln net.Listener

	mu      sync.Mutex
	streams map[string]*testStream
	conns   sync.WaitGroup

	pongs     atomic.Int32 // ping responses received
	acks      atomic.Int32 // acknowledgements received
	handshake atomic.Value // "simple" or "complex", of the last connection
	commands  chan *rtmp.Command
}

type testStream struct {
	meta    []byte // onMetaData payload
	headers [][]byte
	players map[*testConn]uint32 // player → its stream ID
}

type testConn struct {
	s        *testServer
	nc       net.Conn
	wmu      sync.Mutex
	out      int // chunk size we send with
	pubName  string
	sawMedia bool
	gotAudio bool
	gotVideo bool
}

const testOutChunkSize = 4096

func newTestServer(t *testing.T) *testServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, ln: ln, streams: map[string]*testStream{}, commands: make(chan *rtmp.Command, 1000)}
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.conns.Wait()
	})
	return s
}

func (s *testServer) url(path string) string { return "rtmp://" + s.ln.Addr().String() + "/" + path }

func (s *testServer) accept() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.conns.Add(1)
		go func() {
			defer s.conns.Done()
			c := &testConn{s: s, nc: nc, out: rtmp.DefaultChunkSize}
			c.serve()
		}()
	}
}

func (c *testConn) write(b []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.nc.Write(b)
}

func (c *testConn) send(csid, streamID uint32, cmd *rtmp.Command) {
	b, err := rtmp.AppendCommand(nil, csid, streamID, cmd, c.out)
	if err != nil {
		c.s.t.Errorf("test server: %v", err)
		return
	}
	c.write(b)
}

func (c *testConn) serve() {
	defer c.nc.Close()
	defer c.unpublish()
	c0c1 := make([]byte, 1+rtmp.HandshakeSize)
	if _, err := io.ReadFull(c.nc, c0c1); err != nil {
		return
	}
	s0s1s2, complex, err := rtmp.ServerHandshake(c0c1, nil)
	if err != nil {
		c.s.t.Errorf("test server: %v", err)
		return
	}
	c.s.handshake.Store(map[bool]string{true: "complex", false: "simple"}[complex])
	c.write(s0s1s2)
	if _, err := io.ReadFull(c.nc, make([]byte, rtmp.HandshakeSize)); err != nil {
		return
	}
	r := rtmp.NewChunkReader()
	defer r.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			if _, ferr := r.Feed(buf[:n], c.onMessage); ferr != nil {
				if !errors.Is(ferr, errClose) {
					c.s.t.Errorf("test server: %v", ferr)
				}
				return
			}
		}
		if err != nil {
			return
		}
	}
}

var errClose = errors.New("close the connection")

func (c *testConn) onMessage(m *rtmp.Message) error {
	defer m.Body.Release()
	p := m.Payload()
	switch m.Type {
	case rtmp.MsgAMF0Command, rtmp.MsgAMF3Command:
		cmd, err := rtmp.ParseCommand(m.Type, p)
		if err != nil {
			return err
		}
		select {
		case c.s.commands <- cmd:
		default:
		}
		return c.onCommand(m.StreamID, cmd)
	case rtmp.MsgAMF0Data, rtmp.MsgAMF3Data:
		if c.pubName == "" {
			return nil
		}
		meta, _, err := rtmp.MetadataPayload(nil, p)
		if err != nil {
			return nil // not metadata
		}
		c.s.broadcast(c.pubName, rtmp.MsgAMF0Data, 0, meta, func(st *testStream) { st.meta = meta })
	case rtmp.MsgAudio, rtmp.MsgVideo:
		if c.pubName == "" {
			return nil
		}
		first := (m.Type == rtmp.MsgAudio && !c.gotAudio) || (m.Type == rtmp.MsgVideo && !c.gotVideo)
		c.gotAudio = c.gotAudio || m.Type == rtmp.MsgAudio
		c.gotVideo = c.gotVideo || m.Type == rtmp.MsgVideo
		c.s.broadcast(c.pubName, m.Type, m.Timestamp, p, func(st *testStream) {
			if first {
				st.headers = append(st.headers, rtmp.AppendChunks(nil, csidFor(m.Type), m.Type, 0, 0, p, testOutChunkSize))
			}
		})
	case rtmp.MsgUserControl:
		uc, err := rtmp.ParseUserControl(p)
		if err == nil && uc.Event == rtmp.EventPingResponse {
			c.s.pongs.Add(1)
		}
	case rtmp.MsgAck:
		c.s.acks.Add(1)
	}
	return nil
}

func csidFor(typ uint8) uint32 {
	if typ == rtmp.MsgAudio {
		return rtmp.CSIDAudio
	}
	return rtmp.CSIDVideo
}

func (c *testConn) onCommand(streamID uint32, cmd *rtmp.Command) error {
	switch cmd.Name {
	case rtmp.CmdConnect:
		p, err := rtmp.ParseConnect(cmd)
		if err != nil {
			return err
		}
		if p.App == "reject" {
			c.send(rtmp.CSIDCommand, 0, rtmp.ConnectRejected(cmd.TransactionID, "go away"))
			return errClose
		}
		var b []byte
		b = rtmp.AppendWindowAckSize(b, 2500000)
		b = rtmp.AppendSetPeerBandwidth(b, 2500000, rtmp.LimitDynamic)
		b = rtmp.AppendSetChunkSize(b, testOutChunkSize)
		c.write(b)
		c.out = testOutChunkSize
		c.send(rtmp.CSIDCommand, 0, rtmp.ConnectResult(cmd.TransactionID, p.ObjectEncoding))
		c.write(rtmp.AppendUserControl(nil, rtmp.EventPingRequest, 1234))
	case rtmp.CmdReleaseStream, rtmp.CmdFCPublish, rtmp.CmdFCUnpublish:
		c.send(rtmp.CSIDCommand, 0, rtmp.FMLEStartResult(cmd.TransactionID))
	case rtmp.CmdCreateStream:
		c.send(rtmp.CSIDCommand, 0, rtmp.CreateStreamResult(cmd.TransactionID, 1))
	case rtmp.CmdPublish:
		p, err := rtmp.ParsePublish(cmd)
		if err != nil {
			return err
		}
		c.s.mu.Lock()
		_, busy := c.s.streams[p.Name]
		if !busy {
			c.s.streams[p.Name] = &testStream{players: map[*testConn]uint32{}}
			c.pubName = p.Name
		}
		c.s.mu.Unlock()
		if busy {
			c.send(rtmp.CSIDStream, streamID, rtmp.Status(rtmp.CodePublishBadName))
			return nil
		}
		c.send(rtmp.CSIDStream, streamID, rtmp.OnFCPublish())
		c.send(rtmp.CSIDStream, streamID, rtmp.Status(rtmp.CodePublishStart))
	case rtmp.CmdPlay:
		p, err := rtmp.ParsePlay(cmd)
		if err != nil {
			return err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		st := c.s.streams[p.Name]
		if st == nil {
			c.send(rtmp.CSIDStream, streamID, rtmp.Status(rtmp.CodePlayStreamNotFound))
			return nil
		}
		b := rtmp.AppendUserControl(nil, rtmp.EventStreamBegin, streamID)
		for _, status := range []string{rtmp.CodePlayReset, rtmp.CodePlayStart} {
			b, _ = rtmp.AppendCommand(b, rtmp.CSIDStream, streamID, rtmp.Status(status), c.out)
		}
		b = rtmp.AppendRtmpSampleAccess(b, streamID, c.out)
		if st.meta != nil {
			b = rtmp.AppendChunks(b, rtmp.CSIDData, rtmp.MsgAMF0Data, streamID, 0, st.meta, c.out)
		}
		c.write(b)
		for _, h := range st.headers {
			c.write(withStreamID(h, streamID))
		}
		st.players[c] = streamID
	case rtmp.CmdGetStreamLen, rtmp.CmdCheckBW:
		c.send(rtmp.CSIDCommand, 0, rtmp.CallResult(cmd.TransactionID))
	}
	return nil
}

// withStreamID rewrites the stream ID of a fmt 0 chunk sequence made with
// a 1-byte basic header.
func withStreamID(chunks []byte, streamID uint32) []byte {
	b := append([]byte(nil), chunks...)
	b[8], b[9], b[10], b[11] = byte(streamID), byte(streamID>>8), byte(streamID>>16), byte(streamID>>24)
	return b
}

func (s *testServer) broadcast(name string, typ uint8, ts uint32, payload []byte, update func(*testStream)) {
	s.mu.Lock()
	st := s.streams[name]
	if st == nil {
		s.mu.Unlock()
		return
	}
	update(st)
	players := make(map[*testConn]uint32, len(st.players))
	for p, id := range st.players {
		players[p] = id
	}
	s.mu.Unlock()
	csid := csidFor(typ)
	if typ == rtmp.MsgAMF0Data {
		csid = rtmp.CSIDData
	}
	// One chunked copy per stream ID, shared by the players that use it.
	chunks := map[uint32][]byte{}
	for p, id := range players {
		if chunks[id] == nil {
			chunks[id] = rtmp.AppendChunks(nil, csid, typ, id, ts, payload, testOutChunkSize)
		}
		p.write(chunks[id])
	}
}

func (c *testConn) unpublish() {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.streams {
		delete(st.players, c)
	}
	if c.pubName == "" {
		return
	}
	st := s.streams[c.pubName]
	delete(s.streams, c.pubName)
	for p, id := range st.players {
		b, _ := rtmp.AppendCommand(nil, rtmp.CSIDStream, id, rtmp.Status(rtmp.CodePlayUnpublishNotify), p.out)
		b = rtmp.AppendUserControl(b, rtmp.EventStreamEOF, id)
		p.write(b)
	}
}

// metadata used by the tests.
var testMeta = amf.ECMAArray{{Key: "width", Value: 640.0}, {Key: "height", Value: 360.0}}
