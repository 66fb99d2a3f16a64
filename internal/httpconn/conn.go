// Package httpconn serves one HTTP connection of the HTTP server on the
// event loop: the live HTTP-FLV, HTTP-TS, AAC and MP3 players of
// http_remux mounts, HLS playlists and segments (with SRS's hls_ctx
// sessions), HDS files, and static files (http_server.dir), from memory or
// with sendfile(2), with ranges and conditional GETs.
package httpconn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/hls"
	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/http1"
	"github.com/cascade-live/cascade/internal/admission"
	"github.com/cascade-live/cascade/internal/diskpool"
	"github.com/cascade-live/cascade/internal/edge"
	"github.com/cascade-live/cascade/internal/hlsctx"
	"github.com/cascade-live/cascade/internal/streamreq"
	"github.com/cascade-live/cascade/live"
	"github.com/cascade-live/cascade/netpoll"
)

// Server holds what the connections of the HTTP server's ports share, as
// net/http's Server holds its Handler: the server behind them (Host) and
// the collaborators they use directly.
type Server struct {
	Host        Host
	Registry    *live.Registry
	Admission   *admission.Admitter
	Edge        *edge.Edge     // pulls streams from cameras (rtsp_pull)
	Disk        *diskpool.Pool // opens and reads static files, off the loops
	Playlists   *hls.Store     // HLS playlists, rewritten for hls_ctx
	Files       []MemoryFiles  // the outputs' fresh files, served from memory
	HLSSessions *hlsctx.Sessions
	Software    string // the Server header, e.g. "cascade/0.1.0"

	RequestHeadTimeout time.Duration   // a request head, once connected
	IdleTimeout        time.Duration   // an idle keep-alive connection, a stalled file reader
	Done               <-chan struct{} // closed when the server stops
}

// Host is the server the connections serve: its configuration, client
// list, event bus and cluster. Its methods are called from the loops and
// from the connections' goroutines (disk jobs, waits for a stream).
type Host interface {
	// State is the configuration loaded now; a request reads one.
	State() State
	// AddClient lists c among the server's clients; RemoveClient takes it
	// off when it closed with err.
	AddClient(c *netpoll.Conn) Client
	RemoveClient(c *netpoll.Conn, err error)
	// Emit publishes an event of vhost; it never blocks.
	Emit(vhost string, p hooks.Payload)
	// Publishing reports whether this server publishes the stream.
	Publishing(vhost, app, stream string) bool
	// Locate finds the origin of cluster cc that publishes the stream, as
	// its HTTP address.
	Locate(ctx context.Context, cc *edge.Config, vhost, host, app, stream string) (httpAddr string, ok bool)
}

// State is one loaded configuration.
type State interface {
	Config() *config.Config
	// Vhost is the parsed configuration of v.
	Vhost(v *config.Vhost) Vhost
}

// Vhost is what a connection reads of a vhost's parsed configuration.
type Vhost struct {
	Live    *live.Config
	HLS     *hls.Config
	Cluster *edge.Config
	RTSP    *edge.RTSPConfig
}

// Client is a connection's entry in the server's client list (the HTTP
// API, the metrics).
type Client interface {
	// Connect records what the client asked for.
	Connect(req streamreq.Request, pageURL, swfURL string)
	// Attach records the stream the client plays, as client type typ
	// (api.Client*).
	Attach(req streamreq.Request, src *live.Source, typ string, publish bool)
}

const maxRequestHead = 8 << 10

// maxPipelined bounds the requests a client may send ahead of the
// response it is being sent: they are answered one at a time, each once
// the previous response reached the socket.
const maxPipelined = 8 * maxRequestHead

// errPipelined closes a connection that sent too much ahead.
var errPipelined = errors.New("http: too many pipelined requests")

// conn is an HTTP/1.1 connection on the event loop: request heads
// are parsed as they arrive; a stream request turns the connection into a
// player until it closes.
type conn struct {
	srv      *Server
	c        *netpoll.Conn
	consumer *live.Consumer
	out      []byte
	busy     bool      // a callback decides, or a pending file is awaited, for this connection
	file     *fileSend // a static file being sent
	client   Client
	req      streamreq.Request // the stream played, for callbacks
}

// NewConn serves c.
func (s *Server) NewConn(c *netpoll.Conn) netpoll.Session {
	c.SetDeadline(time.Now().Add(s.RequestHeadTimeout))
	return &conn{srv: s, c: c, client: s.Host.AddClient(c)}
}

func (h *conn) OnTraffic(c *netpoll.Conn) error {
	for {
		buf := c.PeekAll()
		if len(buf) == 0 {
			return nil
		}
		if h.consumer != nil {
			// A player has nothing more to say; ignore what it sends.
			_, _ = c.Discard(len(buf))
			return nil
		}
		if h.busy || h.file != nil || !c.Drained() {
			// The next request waits for the current response (OnDrained).
			if len(buf) > maxPipelined {
				return fmt.Errorf("%w: %d bytes sent ahead of a response", errPipelined, len(buf))
			}
			return nil
		}
		req, n, err := http1.ParseRequest(buf, maxRequestHead)
		if errors.Is(err, http1.ErrIncomplete) {
			return nil
		}
		if err != nil {
			_, _ = c.Write(http1.AppendError(h.out[:0], http1.StatusForError(err), false))
			return fmt.Errorf("http: %w", err)
		}
		_, _ = c.Discard(n)
		if err := h.serve(req); err != nil {
			return err
		}
		if h.consumer != nil {
			c.SetDeadline(time.Time{})
		} else {
			c.SetDeadline(time.Now().Add(h.srv.IdleTimeout))
		}
	}
}

// OnDrained sends a file's next chunk; netpoll then lets OnTraffic answer
// the next pipelined request.
func (h *conn) OnDrained(*netpoll.Conn) error { return h.nextChunk() }

func (h *conn) OnClose(c *netpoll.Conn, err error) {
	h.srv.Host.RemoveClient(c, err)
	if h.file != nil && !h.file.reading {
		h.file.close() // else the disk job's drop closes it
	}
	if h.consumer == nil {
		return
	}
	src := h.consumer.Source()
	h.consumer.Close()
	h.consumer = nil
	h.srv.Host.Emit(h.req.Vhost, hooks.OnStop(streamreq.StreamEvent(streamreq.HookConn(c, &h.req), &h.req, src.ID)))
}

// admitPlay asks admission whether the client may play, and runs start
// (at once, or on the loop once a callback answered: the next request
// waits). A refusal is answered 403, with one log line naming the rule or
// callback.
func (h *conn) admitPlay(req *http1.Request, ar admission.Request, start func()) {
	verdict := func(err error) error {
		if err != nil {
			h.c.Log.Warn("http play refused", "url", req.Path, "err", err)
			return h.errorReply(req, 403)
		}
		start()
		return nil
	}
	decided, err := h.srv.Admission.AdmitAsync(ar, func(err error) {
		h.c.Do(func() error {
			h.busy = false
			return verdict(err)
		})
	})
	if decided {
		_ = verdict(err)
		return
	}
	h.busy = true
}

// errorReply answers with an error status; the connection stays open only
// for keep-alive requests without a body.
func (h *conn) errorReply(req *http1.Request, status int) error {
	keep := req.KeepAlive && req.ContentLength == 0 && !req.Chunked
	b := http1.AppendError(h.out[:0], status, keep)
	if req.Method == "HEAD" {
		b = b[:len(b)-len(http1.StatusText(status))]
	}
	h.out = b[:0]
	_, _ = h.c.Write(b)
	if !keep {
		h.c.CloseGracefully()
	}
	return nil
}

func (h *conn) serve(req *http1.Request) error {
	st := h.srv.Host.State()
	cors := st.Config().HTTPServer.Crossdomain
	switch req.Method {
	case "GET", "HEAD":
	case "OPTIONS":
		b := http1.AppendStatusLine(h.out[:0], 200)
		if cors {
			b = http1.AppendCORS(b)
		}
		b = append(b, "Content-Length: 0\r\n\r\n"...)
		h.out = b[:0]
		_, _ = h.c.Write(b)
		return nil
	default:
		return h.errorReply(req, 405)
	}
	if h.serveStream(st, req) || h.serveHLS(st, req) {
		return nil
	}
	files := func() error {
		if h.serveMemory(req) || h.serveRedirect(req) {
			return nil
		}
		return h.serveDisk(req)
	}
	if vs, es, ok := h.playlistStream(st, req); ok {
		return h.awaitPlaylist(vs, es, req, files)
	}
	return files()
}

// serveStream serves an http_remux mount; false when the path is none.
func (h *conn) serveStream(st State, req *http1.Request) bool {
	vhostName := req.Host
	if q := req.Query("vhost"); q != "" {
		vhostName = q
	} else if q := req.Query("domain"); q != "" {
		vhostName = q
	}
	v := st.Config().Vhost(vhostName)
	if v == nil || !v.Enabled || !v.HTTPRemux.Enabled {
		return false
	}
	app, stream, ok := matchMount(v.HTTPRemux.Mount, req.Path)
	if !ok {
		return false
	}
	if h.redirectFLV(st.Vhost(v), v, req, app, stream) {
		return true
	}
	src := h.srv.Registry.Lookup(live.Key(v.Name, app, stream))
	if vs := st.Vhost(v); src == nil && !vs.Cluster.Remote && !vs.RTSP.Enabled { // an edge pulls the stream for its first player
		return false
	}
	sr := streamreq.Request{TcURL: "http://" + req.Host + "/" + app, Host: req.Host, Vhost: v.Name, App: app, Stream: stream}
	if req.RawQuery != "" {
		sr.Param = "?" + req.RawQuery
	}
	h.req = sr
	referer := req.Header.Get("Referer")
	h.client.Connect(sr, referer, "")
	ar := admission.Request{Action: admission.Play, Proto: "http-flv", ClientID: h.c.ID, IP: streamreq.ClientIP(h.c), Vhost: v.Name,
		App: app, Stream: stream, Param: sr.Param, TcURL: sr.TcURL, PageURL: referer, NoCallback: req.Method != "GET"}
	es := edge.Stream{Vhost: v.Name, App: app, Stream: stream}
	h.admitPlay(req, ar, func() {
		_ = h.awaitFLV(st.Vhost(v), es, req, func() error {
			h.startStream(st, v, req, h.srv.Registry.Lookup(es.Key()), referer)
			return nil
		})
	})
	return true
}

// startStream answers a stream request and makes the connection a player.
func (h *conn) startStream(st State, v *config.Vhost, req *http1.Request, src *live.Source, referer string) {
	form, ctype, typ := live.FormFLV, "video/x-flv", api.ClientFLVPlay
	switch st.Vhost(v).Live.Remux {
	case live.RemuxTS:
		form, ctype, typ = live.FormTS, "video/mp2t", api.ClientFLVPlay
	case live.RemuxAAC:
		form, ctype, typ = live.FormRemux, "audio/aac", api.ClientFLVPlay
	case live.RemuxMP3:
		form, ctype, typ = live.FormRemux, "audio/mpeg", api.ClientFLVPlay
	}
	b := http1.AppendStatusLine(h.out[:0], 200)
	b = http1.AppendHeader(b, "Content-Type", ctype)
	b = http1.AppendHeader(b, "Server", h.srv.Software)
	b = http1.AppendHeader(b, "Cache-Control", "no-cache")
	if st.Config().HTTPServer.Crossdomain {
		b = http1.AppendCORS(b)
	}
	if req.Method == "HEAD" {
		b = append(b, "\r\n"...)
		h.out = b[:0]
		_, _ = h.c.Write(b)
		return
	}
	b = append(b, "Connection: close\r\n\r\n"...)
	if form == live.FormFLV {
		hasAudio, hasVideo := false, false
		if src != nil {
			hasAudio, hasVideo = src.HasAudio(), src.HasVideo()
		}
		if !hasAudio && !hasVideo {
			hasAudio, hasVideo = true, true
		}
		b = flv.AppendHeader(b, hasAudio, hasVideo)
	}
	_, _ = h.c.Write(b)
	h.out = nil // a player sends no more requests: not worth keeping the buffer for
	h.consumer = h.srv.Registry.Play(h.c.Loop(), v.Name, h.req.App, h.req.Stream, st.Vhost(v).Live, h.c,
		live.JoinOptions{Form: form})
	h.c.SetDeadline(time.Time{})
	h.client.Attach(h.req, h.consumer.Source(), typ, false)
	h.c.Log.Info("http stream play", "url", req.Path, "vhost", v.Name, "remote", h.c.RemoteAddr().String(),
		"source_cid", h.consumer.Source().PublisherID())
	h.srv.Host.Emit(v.Name, streamreq.PlayEvent(streamreq.HookConn(h.c, &h.req), &h.req, referer, h.consumer.Source().ID))
}
