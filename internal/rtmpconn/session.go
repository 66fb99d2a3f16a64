// Package rtmpconn serves one RTMP connection on the event loop: handshake,
// commands, publishing and playing through the live core.
package rtmpconn

import (
	"errors"
	"fmt"
	"time"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/admission"
	"github.com/cascade-live/cascade/internal/bandcheck"
	"github.com/cascade-live/cascade/internal/streamreq"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
	"github.com/cascade-live/cascade/rtmp"
)

// Errors that end an RTMP session.
var (
	ErrRejected     = errors.New("server: connect rejected")
	ErrNotConnected = errors.New("server: command before connect")
)

const windowAckSize = 2500000

type rtmpPhase uint8

const (
	phaseC0C1 rtmpPhase = iota
	phaseC2
	phaseChunks
)

// session is an RTMP connection's state machine: handshake, then chunks
// carrying commands and media.
type session struct {
	host  Host
	c     *netpoll.Conn
	phase rtmpPhase

	reader       *rtmp.ChunkReader
	outChunkSize int
	out          []byte // replies not written yet: flushed once per input (flush)

	ackWindow uint32 // peer's window: we acknowledge every so many bytes
	lastAck   uint64
	connected bool
	req       streamreq.Request
	vhost     *config.Vhost
	encoding  float64
	pageURL   string
	swfURL    string
	publisher *live.Publisher
	consumer  *live.Consumer
	streamID  uint32
	complexHS bool // the client's C1 carried a digest
	paused    bool // a callback is deciding; input waits
	client    Client
	bandcheck *bandcheck.Session // a bandwidth check runs instead of publish or play
	bandTimer *time.Timer
}

// errPause stops the chunk reader after a message whose answer waits for a
// callback; the rest of the input stays buffered until it is decided.
var errPause = errors.New("server: paused for a callback")

// maxPausedInput bounds what a client may send while paused.
const maxPausedInput = 1 << 20

// New starts serving c, a connection just accepted, for host: the
// handshake must complete within host's handshake timeout.
func New(c *netpoll.Conn, host Host) netpoll.Session {
	c.SetDeadline(time.Now().Add(host.HandshakeTimeout()))
	r := &session{host: host, c: c, reader: rtmp.NewChunkReader(), outChunkSize: rtmp.DefaultChunkSize}
	r.client = host.AddClient(c)
	return r
}

func (r *session) OnTraffic(c *netpoll.Conn) error {
	// The replies to everything that arrived go out in one write: in a
	// join storm, a write per reply was a loopback transmit (and a wakeup
	// of the peer) each.
	defer r.flush()
	for {
		buf := c.PeekAll()
		switch r.phase {
		case phaseC0C1:
			if len(buf) < 1+rtmp.HandshakeSize {
				return nil
			}
			// Sized for S0+S1+S2, so that no grown copy lands in the small
			// buffers' pool; gnet copies what the socket does not take.
			reply := buffer.GetSize(1 + 2*rtmp.HandshakeSize)
			var complexHS bool
			var err error
			reply.B, complexHS, err = rtmp.AppendServerHandshake(reply.B[:0], buf[:1+rtmp.HandshakeSize], nil)
			if err != nil {
				reply.Release()
				return fmt.Errorf("rtmp: handshake: %w", err)
			}
			_, _ = c.Discard(1 + rtmp.HandshakeSize)
			_, _ = c.Write(reply.B)
			reply.Release()
			r.complexHS = complexHS
			r.phase = phaseC2
		case phaseC2:
			if len(buf) < rtmp.HandshakeSize {
				return nil
			}
			_, _ = c.Discard(rtmp.HandshakeSize)
			r.phase = phaseChunks
			c.SetDeadline(time.Now().Add(r.host.ConnectTimeout()))
		default:
			if len(buf) == 0 {
				return nil
			}
			if r.paused {
				if len(buf) > maxPausedInput {
					return fmt.Errorf("rtmp: %d bytes sent while a callback decides", len(buf))
				}
				return nil
			}
			n, err := r.reader.Feed(buf, r.onMessage)
			_, _ = c.Discard(n)
			if errors.Is(err, errPause) {
				return nil
			}
			if r.publisher != nil {
				// A publisher that goes quiet is dropped (SRS's publish.normal_timeout).
				c.SetDeadline(c.Loop().Now().Add(r.vhost.Publish.NormalTimeout))
			}
			if err != nil {
				return err
			}
			r.acknowledge()
			return nil
		}
	}
}

// acknowledge sends an Acknowledgement each time the peer's window of bytes
// has arrived.
func (r *session) acknowledge() {
	if r.ackWindow == 0 {
		return
	}
	n := r.reader.BytesRead()
	if n-r.lastAck >= uint64(r.ackWindow) {
		r.lastAck = n
		r.send(rtmp.AppendAck(r.out, uint32(n)))
	}
}

// send queues protocol replies (b is r.out with them appended) until flush.
func (r *session) send(b []byte) { r.out = b }

// do runs fn on the connection's loop (after a callback, a timer, another
// server's answer), then writes the replies it queued.
func (r *session) do(fn func() error) {
	r.c.Do(func() error {
		defer r.flush()
		return fn()
	})
}

// flush writes the queued replies: through gnet before playing, through the
// consumer's queue after (so they never cut into a media message).
func (r *session) flush() {
	if len(r.out) == 0 {
		return
	}
	if r.consumer != nil {
		r.consumer.SendRaw(r.out) // copies
		r.out = nil
		return
	}
	_, _ = r.c.Write(r.out)
	r.out = r.out[:0]
}

func (r *session) onMessage(m *rtmp.Message) error {
	switch m.Type {
	case rtmp.MsgAudio, rtmp.MsgVideo:
		if r.publisher == nil {
			m.Body.Release()
			return nil
		}
		r.publisher.Write(m.Type, m.Timestamp, m.Body)
		return nil
	case rtmp.MsgAggregate:
		defer m.Body.Release()
		if r.publisher == nil {
			return nil
		}
		return r.writeAggregate(m)
	}
	defer m.Body.Release()
	p := m.Payload()
	switch m.Type {
	case rtmp.MsgWindowAckSize:
		n, err := rtmp.ParseUint32(p)
		if err != nil {
			return err
		}
		r.ackWindow = n
	case rtmp.MsgUserControl:
		uc, err := rtmp.ParseUserControl(p)
		if err == nil && uc.Event == rtmp.EventPingRequest {
			r.send(rtmp.AppendUserControl(r.out, rtmp.EventPingResponse, uc.Data))
		}
	case rtmp.MsgAMF0Command, rtmp.MsgAMF3Command:
		cmd, err := rtmp.ParseCommand(m.Type, p)
		if err != nil {
			return err
		}
		return r.onCommand(m, cmd)
	case rtmp.MsgAMF0Data, rtmp.MsgAMF3Data:
		if r.publisher == nil {
			return nil
		}
		return r.onData(m)
	}
	return nil
}

func (r *session) writeAggregate(m *rtmp.Message) error {
	return rtmp.SplitAggregate(m.Payload(), m.Timestamp, func(typ uint8, ts uint32, data []byte) error {
		if typ != rtmp.MsgAudio && typ != rtmp.MsgVideo {
			return nil
		}
		body := buffer.GetSize(len(data))
		copy(body.B, data)
		r.publisher.Write(typ, ts, body)
		return nil
	})
}

func (r *session) onData(m *rtmp.Message) error {
	body := buffer.Get()
	var err error
	body.B, _, err = rtmp.MetadataPayload(body.B, m.Payload())
	if err != nil {
		body.Release()
		// Other data messages are not ours to interpret; ignore them.
		return nil
	}
	r.publisher.Write(flv.TagScript, m.Timestamp, body)
	return nil
}

func (r *session) reply(streamID uint32, cmd *rtmp.Command) {
	csid := rtmp.CSIDCommand
	if streamID != 0 {
		csid = rtmp.CSIDStream
	}
	b, err := rtmp.AppendCommand(r.out, csid, streamID, cmd, r.chunkSize())
	if err != nil {
		r.c.Log.Error("rtmp: encode reply", "cmd", cmd.Name, "err", err)
		return
	}
	r.send(b)
}

// chunkSize is the chunk size the peer was last told: once playing, the
// one its queue carries (a reload may change the shared form's).
func (r *session) chunkSize() int {
	if r.consumer != nil {
		return r.consumer.ChunkSize()
	}
	return r.outChunkSize
}

func (r *session) status(level, code, desc string) {
	r.reply(r.streamID, rtmp.OnStatus(level, code, desc))
}

func (r *session) onCommand(m *rtmp.Message, cmd *rtmp.Command) error {
	if !r.connected && cmd.Name != "connect" {
		return fmt.Errorf("rtmp: %q: %w", cmd.Name, ErrNotConnected)
	}
	if r.bandcheck != nil {
		return r.onBandcheck(cmd)
	}
	switch cmd.Name {
	case "connect":
		return r.onConnect(cmd)
	case "createStream":
		r.streamID = live.PlayStreamID
		r.reply(0, rtmp.CreateStreamResult(cmd.TransactionID, float64(r.streamID)))
	case "releaseStream", "FCPublish", "FCUnpublish", "FCSubscribe", "getStreamLength", "_checkbw":
		if cmd.Name == "FCUnpublish" {
			r.stopPublish()
		}
		if cmd.TransactionID != 0 {
			r.reply(0, &rtmp.Command{Name: "_result", TransactionID: cmd.TransactionID, Args: []any{amf.Undefined{}}})
		}
	case "publish":
		return r.onPublish(m, cmd)
	case "play":
		return r.onPlay(m, cmd)
	case "deleteStream", "closeStream":
		r.stopPublish()
		r.stopPlay()
	case "pause":
		if r.consumer == nil || len(cmd.Args) < 1 {
			return nil
		}
		pause, _ := cmd.Args[0].(bool)
		if pause {
			r.consumer.Paused = true
			r.status("status", rtmp.CodePauseNotify, "Paused stream.")
		} else {
			r.consumer.Resume()
			r.status("status", rtmp.CodeUnpauseNotify, "Unpaused stream.")
		}
	case "receiveAudio", "receiveVideo":
		if r.consumer == nil || len(cmd.Args) < 1 {
			return nil
		}
		on, _ := cmd.Args[0].(bool)
		if cmd.Name == "receiveAudio" {
			r.consumer.NoAudio = !on
		} else {
			r.consumer.NoVideo = !on
		}
	}
	return nil
}

func (r *session) onConnect(cmd *rtmp.Command) error {
	if r.connected {
		return fmt.Errorf("rtmp: second connect")
	}
	p, err := rtmp.ParseConnect(cmd)
	if err != nil {
		return err
	}
	r.req = streamreq.Parse(p.TcURL, p.App)
	r.pageURL, r.swfURL, r.encoding = p.PageURL, p.SwfURL, p.ObjectEncoding
	v := r.host.Vhost(r.req.Vhost)
	if v == nil || !v.Enabled {
		r.reply(0, rtmp.ConnectRejected(cmd.TransactionID, "vhost "+r.req.Vhost+" is not served"))
		return fmt.Errorf("rtmp: connect to vhost %q: %w", r.req.Vhost, ErrRejected)
	}
	r.vhost = v
	r.req.Vhost = v.Name
	r.connected = true
	r.c.SetDeadline(time.Time{})
	r.client.Connect(r.req, p.PageURL, p.SwfURL)
	hs := "simple"
	if r.complexHS {
		hs = "complex"
	}
	r.c.Log.Info("rtmp connect", "tcUrl", p.TcURL, "app", r.req.App, "vhost", v.Name,
		"pageUrl", p.PageURL, "handshake", hs, "remote", r.c.RemoteAddr().String())
	if cc := r.host.Cluster(v); cc.Remote && cc.TokenTraverse {
		return r.traverseToken(cc, cmd, p) // the origin's on_connect decides
	}
	return r.admit(admission.Connect, func(reason string) {
		r.reply(0, rtmp.ConnectRejected(cmd.TransactionID, reason))
	}, func() error {
		// As in SRS, on_connect decides before a bandwidth check.
		if bc := r.host.Bandcheck(v); bc.Enabled {
			return r.startBandcheck(cmd, p, bc)
		}
		r.acceptConnect(cmd, p)
		return nil
	})
}

func (r *session) acceptConnect(cmd *rtmp.Command, p *rtmp.ConnectParams) {
	r.outChunkSize = r.host.Live(r.vhost).ChunkSize
	b := rtmp.AppendWindowAckSize(r.out, windowAckSize)
	b = rtmp.AppendSetPeerBandwidth(b, windowAckSize, 2)
	b = rtmp.AppendSetChunkSize(b, uint32(r.outChunkSize))
	r.send(b)
	r.reply(0, rtmp.ConnectResult(cmd.TransactionID, p.ObjectEncoding))
	r.reply(0, &rtmp.Command{Name: "onBWDone", Args: []any{nil}})
	r.host.Emit(r.req.Vhost, r.admissionRequest(admission.Connect).Payload())
}

// admissionRequest describes the session to admission.
func (r *session) admissionRequest(action admission.Action) admission.Request {
	return admission.Request{Action: action, Proto: "rtmp", ClientID: r.c.ID, IP: streamreq.ClientIP(r.c), Vhost: r.req.Vhost,
		App: r.req.App, Stream: r.req.Stream, Param: r.req.Param, TcURL: r.req.TcURL, PageURL: r.pageURL}
}

// admit asks admission whether the client may do action, and runs then
// (at once, or on the loop once a callback answered); a refusal runs
// refuse with the reason for the client, and its error closes the
// connection (the one log line, naming the rule or callback). Input waits
// while a callback decides.
func (r *session) admit(action admission.Action, refuse func(reason string), then func() error) error {
	decided, err := r.host.Admission().AdmitAsync(r.admissionRequest(action), func(err error) {
		r.do(func() error {
			r.paused = false
			return verdict(err, refuse, then)
		})
	})
	if decided {
		return verdict(err, refuse, then)
	}
	r.paused = true
	return errPause
}

// verdict runs then, or refuse and returns the refusal.
func verdict(err error, refuse func(reason string), then func() error) error {
	if err == nil {
		return then()
	}
	reason := err.Error()
	var ref *admission.Refusal
	if errors.As(err, &ref) {
		reason = ref.Reason()
	}
	refuse(reason)
	return fmt.Errorf("rtmp: %w", err)
}

// resolveVhost applies a vhost named in the stream's query (?vhost=),
// which SRS lets override the tcUrl's.
func (r *session) resolveVhost() error {
	if r.req.Vhost == r.vhost.Name {
		return nil
	}
	v := r.host.Vhost(r.req.Vhost)
	if v == nil || !v.Enabled {
		return fmt.Errorf("rtmp: vhost %q: %w", r.req.Vhost, ErrRejected)
	}
	r.vhost = v
	r.req.Vhost = v.Name
	return nil
}

func (r *session) liveConfig() *live.Config { return r.host.Live(r.vhost) }

func (r *session) onPublish(m *rtmp.Message, cmd *rtmp.Command) error {
	p, err := rtmp.ParsePublish(cmd)
	if err != nil {
		return err
	}
	r.streamID = m.StreamID
	r.req.SetStream(p.Name)
	if r.publisher != nil || r.consumer != nil {
		return fmt.Errorf("rtmp: publish on a busy connection")
	}
	if err := r.resolveVhost(); err != nil {
		r.status("error", rtmp.CodePublishBadName, err.Error())
		return err
	}
	return r.admit(admission.Publish, func(reason string) {
		r.status("error", rtmp.CodePublishBadName, reason)
	}, r.startPublish)
}

func (r *session) startPublish() error {
	pub, err := r.host.Registry().Publish(r.c.Loop(), r.vhost.Name, r.req.App, r.req.Stream, r.liveConfig())
	if err != nil {
		r.status("error", rtmp.CodePublishBadName, "Stream "+r.req.StreamURL()+" is already publishing.")
		return fmt.Errorf("rtmp: publish %s: %w", r.req.StreamURL(), err)
	}
	r.publisher = pub
	src := pub.Source()
	src.SetPublisherID(r.c.ID)
	r.host.AttachOutputs(src, r.vhost, &r.req, r.c.Log, streamreq.HookConn(r.c, &r.req))
	r.client.Attach(r.req, src, api.ClientFMLEPublish, true)
	r.c.SetDeadline(time.Now().Add(r.vhost.Publish.FirstPktTimeout))
	r.reply(r.streamID, &rtmp.Command{Name: "onFCPublish", Args: []any{nil, amf.Object{
		{Key: "code", Value: rtmp.CodePublishStart}, {Key: "description", Value: "Started publishing stream."}}}})
	r.status("status", rtmp.CodePublishStart, "Started publishing stream.")
	r.c.Log.Info("rtmp publish", "stream", r.req.StreamURL(), "param", r.req.Param, "stream_id", src.ID)
	r.host.Emit(r.req.Vhost, streamreq.StreamEvent(streamreq.HookConn(r.c, &r.req), &r.req, src.ID))
	return nil
}

func (r *session) stopPublish() {
	if r.unpublish() {
		r.status("status", rtmp.CodeUnpublishSuccess, "Stream is now unpublished.")
	}
}

// unpublish ends the publish, if any: players hear of it, outputs close,
// on_unpublish is called.
func (r *session) unpublish() bool {
	pub := r.publisher
	if pub == nil {
		return false
	}
	r.publisher = nil
	src := pub.Source()
	// The unpublish goes out before the outputs close, so that the
	// recording's on_dvr follows it, as in SRS.
	r.host.Emit(r.req.Vhost, hooks.OnUnpublish(streamreq.StreamEvent(streamreq.HookConn(r.c, &r.req), &r.req, src.ID)))
	r.host.DetachOutputs(src)
	pub.Unpublish()
	frames, bytes := pub.Counts()
	r.c.Log.Info("rtmp unpublish", "stream", r.req.StreamURL(), "frames", frames, "bytes", bytes)
	r.client.Detach()
	return true
}

func (r *session) onPlay(m *rtmp.Message, cmd *rtmp.Command) error {
	p, err := rtmp.ParsePlay(cmd)
	if err != nil {
		return err
	}
	if r.publisher != nil || r.consumer != nil {
		return fmt.Errorf("rtmp: play on a busy connection")
	}
	r.streamID = m.StreamID
	if r.streamID == 0 {
		r.streamID = live.PlayStreamID
	}
	r.req.SetStream(p.Name)
	if err := r.resolveVhost(); err != nil {
		r.status("error", rtmp.CodePlayStreamNotFound, err.Error())
		return err
	}
	return r.admit(admission.Play, func(reason string) {
		r.status("error", rtmp.CodePlayFailed, reason)
	}, func() error { return r.playOrRedirect(p) })
}

func (r *session) startPlay(p *rtmp.PlayParams) error {
	lc := r.liveConfig()
	r.send(rtmp.AppendUserControl(r.out, rtmp.EventStreamBegin, r.streamID))
	if p.Reset {
		r.status("status", rtmp.CodePlayReset, "Playing and resetting stream.")
	}
	r.status("status", rtmp.CodePlayStart, "Started playing stream.")
	r.send(rtmp.AppendRtmpSampleAccess(r.out, r.streamID, r.outChunkSize))
	r.status("status", rtmp.CodeDataStart, "Started playing stream.")
	// The replies go before the GOP cache, which joining writes.
	r.flush()
	r.out = nil // a player seldom answers (pings): not worth keeping the buffer for
	// The shared media is chunked at the source's size, which may differ
	// from what this player was told (after a reload): joining tells it.
	r.consumer = r.host.Registry().Play(r.c.Loop(), r.vhost.Name, r.req.App, r.req.Stream, lc, r.c,
		live.JoinOptions{Form: live.FormRTMP, ChunkSize: r.outChunkSize})
	src := r.consumer.Source()
	r.client.Attach(r.req, src, api.ClientRTMPPlay, false)
	r.c.Log.Info("rtmp play", "stream", r.req.StreamURL(), "param", r.req.Param,
		"source_cid", src.PublisherID())
	r.host.Emit(r.req.Vhost, streamreq.PlayEvent(streamreq.HookConn(r.c, &r.req), &r.req, r.pageURL, src.ID))
	return nil
}

func (r *session) stopPlay() {
	if r.consumer == nil {
		return
	}
	src := r.consumer.Source()
	r.flush() // the replies so far are the consumer's to write
	r.consumer.Close()
	r.consumer = nil
	r.client.Detach()
	r.host.Emit(r.req.Vhost, hooks.OnStop(streamreq.StreamEvent(streamreq.HookConn(r.c, &r.req), &r.req, src.ID)))
}

func (r *session) OnClose(c *netpoll.Conn, err error) {
	r.unpublish()
	r.stopPlay()
	r.reader.Close()
	r.host.RemoveClient(c, err)
	if r.bandTimer != nil {
		r.bandTimer.Stop()
	}
	if r.connected {
		r.host.Emit(r.req.Vhost, hooks.OnClose{Conn: streamreq.HookConn(c, &r.req),
			SendBytes: int64(c.BytesOut.Load()), RecvBytes: int64(c.BytesIn.Load())})
	}
}
