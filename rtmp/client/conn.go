package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/rtmp"
)

// Defaults of the options.
const (
	DefaultChunkSize = 4096
	DefaultFlashVer  = "LNX 9,0,124,2"
	readBufferSize   = 32 << 10
)

type config struct {
	simpleHandshake bool
	chunkSize       int
	flashVer        string
	tcURL           string
	dial            func(ctx context.Context, network, addr string) (net.Conn, error)
	rand            io.Reader
}

// Option configures Dial and NewConn.
type Option func(*config)

// WithSimpleHandshake makes the client send a simple C1 (version 0, no
// digest) instead of the complex handshake.
func WithSimpleHandshake() Option { return func(c *config) { c.simpleHandshake = true } }

// WithChunkSize sets the chunk size announced after the handshake
// (default 4096).
func WithChunkSize(n int) Option { return func(c *config) { c.chunkSize = n } }

// WithFlashVer sets the flashVer of the connect command.
func WithFlashVer(v string) Option { return func(c *config) { c.flashVer = v } }

// WithTcURL sets the connect command's tcUrl instead of the one derived
// from the URL: an edge passing its client's tcUrl (and its ?token=…) on to
// the origin does this.
func WithTcURL(tcURL string) Option { return func(c *config) { c.tcURL = tcURL } }

// WithDialer replaces net.Dialer.DialContext.
func WithDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = dial }
}

// WithRand sets the source of the handshake's random bytes (default
// crypto/rand).
func WithRand(r io.Reader) Option { return func(c *config) { c.rand = r } }

// Conn is a client RTMP connection. ReadMessage must be called from one
// goroutine at a time; the write methods may be called from another, and
// Close from any.
type Conn struct {
	nc  net.Conn
	url *URL

	// Read side: the goroutine calling ReadMessage, Publish or Play.
	r         *rtmp.ChunkReader
	rbuf      []byte
	queue     []rtmp.Message // read from the connection; queue[qhead:] not yet returned
	qhead     int
	held      []rtmp.Message // media and data read while awaiting a response
	ackWindow uint32
	ackedAt   uint64
	txID      float64
	streamID  uint32

	wmu  sync.Mutex // guards w, wbuf and writes to nc
	w    rtmp.ChunkWriter
	wbuf []byte

	closeOnce sync.Once
	closeErr  error
}

// Dial connects to an rtmp://host[:port]/app[/instance]/stream[?query]
// URL: TCP, the handshake (complex unless WithSimpleHandshake), Set Chunk
// Size, and connect(app, tcUrl, flashVer). The stream part of the URL is
// the default for Publish and Play. ctx bounds the whole exchange.
func Dial(ctx context.Context, rawURL string, opts ...Option) (*Conn, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	cfg := newConfig(opts)
	nc, err := cfg.dial(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("rtmp client: dial %s: %w", u.Host, err)
	}
	c, err := newConn(ctx, nc, u, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// NewConn runs the handshake and connect of Dial over an established
// connection (a TLS connection for RTMPS, a pipe in tests). On error the
// caller still owns nc.
func NewConn(ctx context.Context, nc net.Conn, rawURL string, opts ...Option) (*Conn, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return newConn(ctx, nc, u, newConfig(opts))
}

func newConfig(opts []Option) *config {
	cfg := &config{chunkSize: DefaultChunkSize, flashVer: DefaultFlashVer}
	for _, o := range opts {
		o(cfg)
	}
	if cfg.dial == nil {
		cfg.dial = (&net.Dialer{}).DialContext
	}
	return cfg
}

func newConn(ctx context.Context, nc net.Conn, u *URL, cfg *config) (*Conn, error) {
	if cfg.chunkSize < 1 || cfg.chunkSize > rtmp.MaxChunkSize {
		return nil, fmt.Errorf("rtmp client: chunk size %d: %w", cfg.chunkSize, rtmp.ErrInvalidChunkSize)
	}
	c := &Conn{nc: nc, url: u, r: rtmp.NewChunkReader(), rbuf: make([]byte, readBufferSize)}
	defer c.watch(ctx)()
	if err := c.handshake(cfg); err != nil {
		return nil, ctxErr(ctx, err)
	}
	if err := c.connect(cfg); err != nil {
		return nil, ctxErr(ctx, err)
	}
	return c, nil
}

func (c *Conn) handshake(cfg *config) error {
	h, err := rtmp.NewClientHandshake(!cfg.simpleHandshake, cfg.rand)
	if err != nil {
		return fmt.Errorf("rtmp client: %w", err)
	}
	if _, err := c.nc.Write(h.C0C1()); err != nil {
		return fmt.Errorf("rtmp client: write C0C1: %w", err)
	}
	s0s1s2 := make([]byte, 1+2*rtmp.HandshakeSize)
	if _, err := io.ReadFull(c.nc, s0s1s2); err != nil {
		return fmt.Errorf("rtmp client: read S0S1S2: %w", err)
	}
	c2, err := h.Respond(s0s1s2, cfg.rand)
	if err != nil {
		return fmt.Errorf("rtmp client: %w", err)
	}
	if _, err := c.nc.Write(c2); err != nil {
		return fmt.Errorf("rtmp client: write C2: %w", err)
	}
	return nil
}

func (c *Conn) connect(cfg *config) error {
	if err := c.SetChunkSize(cfg.chunkSize); err != nil {
		return err
	}
	tcURL := c.url.TcURL
	if cfg.tcURL != "" {
		tcURL = cfg.tcURL
	}
	tx := c.nextTx()
	err := c.call(rtmp.CSIDCommand, 0, &rtmp.Command{Name: rtmp.CmdConnect, TransactionID: tx, Object: amf.Object{
		{Key: "app", Value: c.url.App},
		{Key: "type", Value: "nonprivate"},
		{Key: "flashVer", Value: cfg.flashVer},
		{Key: "tcUrl", Value: tcURL},
		{Key: "fpad", Value: false},
		{Key: "capabilities", Value: 15.0},
		{Key: "audioCodecs", Value: 4071.0},
		{Key: "videoCodecs", Value: 252.0},
		{Key: "videoFunction", Value: 1.0},
		{Key: "objectEncoding", Value: 0.0},
	}})
	if err != nil {
		return err
	}
	_, err = c.awaitResult(rtmp.CmdConnect, tx)
	return err
}

// URL returns the parsed URL the connection was made with.
func (c *Conn) URL() *URL { return c.url }

// StreamID returns the message stream ID of the stream being published or
// played (0 before Publish or Play).
func (c *Conn) StreamID() uint32 { return c.streamID }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// SetDeadline, SetReadDeadline and SetWriteDeadline set deadlines on the
// underlying connection. Publish and Play clear them when they return.
func (c *Conn) SetDeadline(t time.Time) error      { return c.nc.SetDeadline(t) }
func (c *Conn) SetReadDeadline(t time.Time) error  { return c.nc.SetReadDeadline(t) }
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }

// ReadMessage returns the next message that is not a protocol control
// message: audio, video, data, aggregate and command messages (such as the
// onStatus NetStream.Play.UnpublishNotify that ends a played stream).
// Set Chunk Size, Abort, acknowledgements, window sizes and pings are
// handled internally; acknowledgements are sent as the server's window
// requires. The caller owns the returned message's Body.
//
// A publisher should keep reading too (for instance in a goroutine), so
// that pings are answered.
func (c *Conn) ReadMessage() (*rtmp.Message, error) {
	if len(c.held) > 0 {
		m := c.held[0]
		c.held[0] = rtmp.Message{}
		c.held = c.held[1:]
		return &m, nil
	}
	m, err := c.next()
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// next returns the next message that is not a protocol control message.
func (c *Conn) next() (rtmp.Message, error) {
	for c.qhead == len(c.queue) {
		c.queue, c.qhead = c.queue[:0], 0
		n, err := c.nc.Read(c.rbuf)
		if n > 0 {
			if _, ferr := c.r.Feed(c.rbuf[:n], c.onMessage); ferr != nil {
				c.releasePending()
				return rtmp.Message{}, fmt.Errorf("rtmp client: %w", ferr)
			}
			if aerr := c.acknowledge(); aerr != nil {
				return rtmp.Message{}, aerr
			}
		}
		if err != nil && c.qhead == len(c.queue) {
			c.releasePending()
			return rtmp.Message{}, fmt.Errorf("rtmp client: read: %w", err)
		}
	}
	m := c.queue[c.qhead]
	c.queue[c.qhead] = rtmp.Message{}
	c.qhead++
	return m, nil
}

// onMessage handles protocol control messages and queues the others.
func (c *Conn) onMessage(m *rtmp.Message) error {
	switch m.Type {
	case rtmp.MsgSetChunkSize, rtmp.MsgAbort, rtmp.MsgAck, rtmp.MsgSetPeerBandwidth:
		// Set Chunk Size and Abort are applied by the reader.
	case rtmp.MsgWindowAckSize:
		if n, err := rtmp.ParseUint32(m.Payload()); err == nil {
			c.ackWindow = n
		}
	case rtmp.MsgUserControl:
		uc, err := rtmp.ParseUserControl(m.Payload())
		if err == nil && uc.Event == rtmp.EventPingRequest {
			m.Body.Release()
			return c.writeRaw(func(b []byte) ([]byte, error) {
				return rtmp.AppendUserControl(b, rtmp.EventPingResponse, uc.Data), nil
			})
		}
	default:
		c.queue = append(c.queue, *m)
		return nil
	}
	m.Body.Release()
	return nil
}

// acknowledge sends an Acknowledgement when a window's worth of bytes has
// been read since the last one.
func (c *Conn) acknowledge() error {
	read := c.r.BytesRead()
	if c.ackWindow == 0 || read-c.ackedAt < uint64(c.ackWindow) {
		return nil
	}
	c.ackedAt = read
	return c.writeRaw(func(b []byte) ([]byte, error) { return rtmp.AppendAck(b, uint32(read)), nil })
}

func (c *Conn) releasePending() {
	for _, ms := range [][]rtmp.Message{c.queue[c.qhead:], c.held} {
		for _, m := range ms {
			m.Body.Release()
		}
	}
	c.queue, c.qhead, c.held = nil, 0, nil
}

// WriteMessage writes m with headers compressed against the previous
// message on its chunk stream. A zero CSID picks the usual one for the
// type; a zero StreamID on audio, video and data messages means the
// published stream. The caller keeps ownership of m.Body.
func (c *Conn) WriteMessage(m *rtmp.Message) error {
	csid, sid := m.CSID, m.StreamID
	if csid == 0 {
		csid = defaultCSID(m.Type)
	}
	if sid == 0 && !m.IsControl() && m.Type != rtmp.MsgAMF0Command && m.Type != rtmp.MsgAMF3Command {
		sid = c.streamID
	}
	return c.write(csid, m.Type, sid, m.Timestamp, m.Payload())
}

// WritePayload writes an audio, video or data message on the published
// stream.
func (c *Conn) WritePayload(typ uint8, timestamp uint32, payload []byte) error {
	return c.write(defaultCSID(typ), typ, c.streamID, timestamp, payload)
}

func (c *Conn) write(csid uint32, typ uint8, streamID, timestamp uint32, payload []byte) error {
	if len(payload) > rtmp.MaxPayloadSize {
		return fmt.Errorf("rtmp client: %d-byte payload: %w", len(payload), rtmp.ErrMessageTooLarge)
	}
	if csid < rtmp.MinCSID || csid > rtmp.MaxCSID {
		return fmt.Errorf("rtmp client: chunk stream ID %d out of range", csid)
	}
	return c.writeRaw(func(b []byte) ([]byte, error) {
		return c.w.AppendChunks(b, csid, typ, streamID, timestamp, payload), nil
	})
}

// WriteMetadata writes @setDataFrame("onMetaData", meta) on the published
// stream, as encoders do; meta is an amf.ECMAArray or amf.Object.
func (c *Conn) WriteMetadata(meta any) error {
	payload, err := amf.AppendAll0(nil, rtmp.DataSetDataFrame, rtmp.DataOnMetaData, meta)
	if err != nil {
		return fmt.Errorf("rtmp client: metadata: %w", err)
	}
	return c.WritePayload(rtmp.MsgAMF0Data, 0, payload)
}

// SetChunkSize announces and starts using chunk size n for writing.
func (c *Conn) SetChunkSize(n int) error {
	if n < 1 || n > rtmp.MaxChunkSize {
		return fmt.Errorf("rtmp client: chunk size %d: %w", n, rtmp.ErrInvalidChunkSize)
	}
	return c.writeRaw(func(b []byte) ([]byte, error) {
		c.w.ChunkSize = n
		return rtmp.AppendSetChunkSize(b, uint32(n)), nil
	})
}

// Close closes the connection; a blocked ReadMessage returns an error.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.nc.Close() })
	return c.closeErr
}

// writeRaw appends bytes with fn under the write lock and writes them.
func (c *Conn) writeRaw(fn func([]byte) ([]byte, error)) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b, err := fn(c.wbuf[:0])
	c.wbuf = b[:0]
	if err != nil {
		return err
	}
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("rtmp client: write: %w", err)
	}
	return nil
}

// call sends an AMF0 command.
func (c *Conn) call(csid, streamID uint32, cmd *rtmp.Command) error {
	payload, err := cmd.AppendPayload(nil)
	if err != nil {
		return fmt.Errorf("rtmp client: %w", err)
	}
	return c.writeRaw(func(b []byte) ([]byte, error) {
		return c.w.AppendChunks(b, csid, rtmp.MsgAMF0Command, streamID, 0, payload), nil
	})
}

func (c *Conn) nextTx() float64 {
	c.txID++
	return c.txID
}

// watch applies ctx to the connection until the returned function is called.
func (c *Conn) watch(ctx context.Context) (stop func()) {
	if d, ok := ctx.Deadline(); ok {
		c.nc.SetDeadline(d)
	}
	stopAfter := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	return func() {
		stopAfter()
		c.nc.SetDeadline(time.Time{})
	}
}

// ctxErr prefers the context's error to the I/O error it caused.
func ctxErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	cerr := ctx.Err()
	if cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		// The connection's deadline may fire just before the context's.
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			cerr = context.DeadlineExceeded
		}
	}
	if cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", cerr, err)
	}
	return err
}

func defaultCSID(typ uint8) uint32 {
	switch typ {
	case rtmp.MsgAudio:
		return rtmp.CSIDAudio
	case rtmp.MsgVideo:
		return rtmp.CSIDVideo
	case rtmp.MsgAMF0Data, rtmp.MsgAMF3Data:
		return rtmp.CSIDData
	case rtmp.MsgAMF0Command, rtmp.MsgAMF3Command:
		return rtmp.CSIDStream
	}
	if typ <= rtmp.MsgSetPeerBandwidth {
		return rtmp.CSIDControl
	}
	return rtmp.CSIDStream
}
