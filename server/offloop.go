package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/admission"
	"github.com/cascade-live/cascade/internal/cid"
	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/rtmp"
)

// The server is the session.Host of its casters, edges and ingests.
var _ session.Host = (*Server)(nil)

// offloop is a client that is not a connection of the event loops, as the
// client list and the callbacks see it.
type offloop struct {
	srv   *Server
	id    string
	ip    netip.Addr
	req   StreamRequest
	vhost *config.Vhost
	proto string
	log   *slog.Logger
	since time.Time
	ci    *clientInfo

	in, out atomic.Uint64
	lost    atomic.Uint64 // media packets a publisher's input lost
	done    chan struct{}
	ended   sync.Once
	closed  sync.Once
	close   func() error // the publisher's or player's Close
}

func (o *offloop) ClientID() string        { return o.id }
func (o *offloop) RemoteIP() netip.Addr    { return o.ip }
func (o *offloop) Since() time.Time        { return o.since }
func (o *offloop) Bytes() (in, out uint64) { return o.in.Load(), o.out.Load() }

// LostPackets is what a publisher's input lost (the API's lost_packets).
func (o *offloop) LostPackets() uint64 { return o.lost.Load() }
func (o *offloop) hookConn() hooks.Conn {
	ip := ""
	if o.ip.IsValid() {
		ip = o.ip.String()
	}
	return hooks.Conn{ClientID: o.id, IP: ip, Vhost: o.req.Vhost, App: o.req.App}
}

// end marks the session ended by the server (kick, shutdown).
func (o *offloop) end() { o.ended.Do(func() { close(o.done) }) }

// Kick ends the session from the server's side: its owner's next write or
// read fails with session.ErrClosed.
func (o *offloop) Kick(reason error) {
	o.log.Info(o.proto+" session ended", "stream", o.req.StreamURL(), "reason", reason)
	o.end()
	_ = o.close()
}

// newOffloop resolves req's vhost and admits it for action.
func (s *Server) newOffloop(ctx context.Context, req session.Request, action admission.Action) (*offloop, error) {
	o := &offloop{srv: s, id: cid.New(), proto: req.Proto, since: time.Now(), done: make(chan struct{})}
	if host, _, err := net.SplitHostPort(req.RemoteAddr); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			o.ip = a.Unmap()
		}
	}
	st := s.state.Load()
	o.req = StreamRequest{TcURL: req.TcURL, Host: req.Vhost, Vhost: req.Vhost, App: req.App, Stream: req.Stream, Param: req.Param}
	if o.req.Vhost == "" {
		o.req.Vhost = DefaultVhost
	}
	if v := vhostParam(strings.TrimPrefix(req.Param, "?")); v != "" {
		o.req.Vhost = v
	}
	v := st.cfg.Vhost(o.req.Vhost)
	if v == nil || !v.Enabled {
		return nil, fmt.Errorf("server: %s %s: vhost %q: %w", req.Proto, o.req.StreamURL(), o.req.Vhost, session.ErrRejected)
	}
	o.vhost = v
	o.req.Vhost = v.Name
	if o.req.TcURL == "" {
		host := req.Vhost
		if host == "" || host == DefaultVhost {
			host = "127.0.0.1"
		}
		o.req.TcURL = "rtmp://" + host + "/" + req.App
	}
	o.log = s.log.With("cid", o.id, "proto", req.Proto)
	if req.Internal {
		return o, nil
	}
	// As an RTMP client: connect (on_connect), then publish or play.
	ar := admission.Request{Proto: req.Proto, ClientID: o.id, IP: o.ip, Vhost: v.Name, App: o.req.App,
		Stream: o.req.Stream, Param: o.req.Param, TcURL: o.req.TcURL, NoRefer: true}
	for _, a := range []admission.Action{admission.Connect, action} {
		ar.Action = a
		if err := s.admission.Admit(ctx, ar); err != nil {
			o.log.Warn(req.Proto+" refused", "err", err)
			return nil, fmt.Errorf("server: %s: %w: %w", req.Proto, session.ErrRejected, err)
		}
	}
	ar.Action = admission.Connect
	s.emit(v.Name, ar.Payload())
	return o, nil
}

// offPublisher is a session.Publisher.
type offPublisher struct {
	*offloop
	pub *live.Publisher
}

// Publish implements session.Host.
func (s *Server) Publish(ctx context.Context, req session.Request) (session.Publisher, error) {
	o, err := s.newOffloop(ctx, req, admission.Publish)
	if err != nil {
		return nil, err
	}
	pub, err := s.reg.Publish(nil, o.vhost.Name, o.req.App, o.req.Stream, s.state.Load().live(o.vhost))
	if err != nil {
		o.log.Warn("publish refused", "stream", o.req.StreamURL(), "err", err)
		return nil, fmt.Errorf("server: %s publish %s: %w", req.Proto, o.req.StreamURL(), err)
	}
	p := &offPublisher{offloop: o, pub: pub}
	if !req.Internal {
		s.casterLost.Add(req.Proto, 0) // the kind's series reads 0 until a loss
	}
	src := pub.Source()
	src.SetPublisherID(o.id)
	s.attachOutputs(src, o.vhost, &o.req, o.log, o.hookConn())
	o.close = p.Close
	o.ci = s.addPeer(o)
	o.ci.update(func(cl *clientInfo) { cl.req, cl.publish, cl.src, cl.typ = o.req, true, src, req.Proto })
	o.log.Info(req.Proto+" publish", "stream", o.req.StreamURL(), "param", o.req.Param, "stream_id", src.ID)
	s.emit(o.req.Vhost, streamEvent(o.hookConn(), &o.req, src.ID))
	return p, nil
}

func (p *offPublisher) Done() <-chan struct{} { return p.done }

// CountLost implements session.Publisher.
func (p *offPublisher) CountLost(n uint64) {
	p.lost.Add(n)
	p.srv.casterLost.Add(p.proto, n)
}

// WriteTag implements session.Publisher.
func (p *offPublisher) WriteTag(typ uint8, timestamp uint32, payload []byte) error {
	select {
	case <-p.done:
		return session.ErrClosed
	default:
	}
	var body *buffer.Buffer
	switch typ {
	case rtmp.MsgAudio, rtmp.MsgVideo:
		body = buffer.GetSize(len(payload))
		copy(body.B, payload)
	case rtmp.MsgAMF0Data:
		body = buffer.Get()
		var err error
		if body.B, _, err = rtmp.MetadataPayload(body.B, payload); err != nil {
			body.Release()
			return nil // other data messages are not ours to interpret
		}
	default:
		return nil
	}
	p.in.Add(uint64(len(payload)))
	p.pub.Write(typ, timestamp, body)
	return nil
}

// Close implements session.Publisher.
func (p *offPublisher) Close() error {
	p.closed.Do(func() {
		p.end()
		src := p.pub.Source()
		// The unpublish goes out before the outputs close, so that the
		// recording's on_dvr follows it, as in SRS.
		p.srv.emit(p.req.Vhost, hooks.OnUnpublish(streamEvent(p.hookConn(), &p.req, src.ID)))
		p.srv.detachOutputs(src)
		p.pub.Unpublish()
		frames, bytes := p.pub.Counts()
		p.log.Info(p.proto+" unpublish", "stream", p.req.StreamURL(), "frames", frames, "bytes", bytes)
		p.srv.removePeer(p.id, nil)
		p.srv.notifyClosed(p.offloop)
	})
	return nil
}

// notifyClosed reports the close.
func (s *Server) notifyClosed(o *offloop) {
	in, out := o.Bytes()
	s.emit(o.req.Vhost, hooks.OnClose{Conn: o.hookConn(), SendBytes: int64(out), RecvBytes: int64(in)})
}

// offPlayer is a session.Player or session.TSPlayer.
type offPlayer struct {
	*offloop
	rd *live.Reader
}

// Play implements session.Host.
func (s *Server) Play(ctx context.Context, req session.Request) (session.Player, error) {
	return s.play(ctx, req, live.FormFLV)
}

// PlayTS implements session.Host.
func (s *Server) PlayTS(ctx context.Context, req session.Request) (session.TSPlayer, error) {
	return s.play(ctx, req, live.FormTS)
}

// play admits req and attaches a reader of form to the stream.
func (s *Server) play(ctx context.Context, req session.Request, form live.Form) (*offPlayer, error) {
	o, err := s.newOffloop(ctx, req, admission.Play)
	if err != nil {
		return nil, err
	}
	loops := s.eng.Loops()
	if len(loops) == 0 {
		return nil, fmt.Errorf("server: %s play %s: %w", req.Proto, o.req.StreamURL(), session.ErrClosed)
	}
	l := loops[int(s.nextLoop.Add(1))%len(loops)]
	rd, err := s.reg.Read(ctx, l, o.vhost.Name, o.req.App, o.req.Stream, s.state.Load().live(o.vhost), form)
	if err != nil {
		return nil, fmt.Errorf("server: %s play %s: %w", req.Proto, o.req.StreamURL(), err)
	}
	p := &offPlayer{offloop: o, rd: rd}
	src := rd.Source()
	o.close = p.Close
	o.ci = s.addPeer(o)
	o.ci.update(func(cl *clientInfo) { cl.req, cl.src, cl.typ = o.req, src, req.Proto })
	o.log.Info(req.Proto+" play", "stream", o.req.StreamURL(), "param", o.req.Param, "source_cid", src.PublisherID())
	s.emit(o.req.Vhost, playEvent(o.hookConn(), &o.req, "", src.ID))
	return p, nil
}

// ReadTag implements session.Player.
func (p *offPlayer) ReadTag(ctx context.Context) (session.Tag, error) {
	t, err := p.rd.ReadTag(ctx)
	if err != nil {
		return session.Tag{}, readErr(err)
	}
	p.out.Add(uint64(len(t.Payload)))
	return session.Tag{Type: t.Type, Timestamp: t.Timestamp, Payload: t.Payload}, nil
}

// ReadTS implements session.TSPlayer.
func (p *offPlayer) ReadTS(ctx context.Context) ([]byte, error) {
	b, err := p.rd.ReadBytes(ctx)
	if err != nil {
		return nil, readErr(err)
	}
	p.out.Add(uint64(len(b)))
	return b, nil
}

// readErr is a reader's error as a session's.
func readErr(err error) error {
	if errors.Is(err, live.ErrReaderClosed) {
		return session.ErrClosed
	}
	return err
}

// Close implements session.Player.
func (p *offPlayer) Close() error {
	p.closed.Do(func() {
		p.end()
		src := p.rd.Source()
		_ = p.rd.Close()
		p.log.Info(p.proto+" stop", "stream", p.req.StreamURL())
		p.srv.removePeer(p.id, nil)
		p.srv.emit(p.req.Vhost, hooks.OnStop(streamEvent(p.hookConn(), &p.req, src.ID)))
		p.srv.notifyClosed(p.offloop)
	})
	return nil
}
