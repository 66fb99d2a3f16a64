package upstream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// Protocols of a pull.
const (
	ProtoRTMP = "rtmp"
	ProtoFLV  = "flv"
)

// maxRedirects bounds how many RTMP 302s a dial follows.
const maxRedirects = 3

// maxTagSize bounds an HTTP-FLV tag read from an upstream.
const maxTagSize = 16 << 20

// ErrBadProtocol reports a protocol other than rtmp and flv.
var ErrBadProtocol = errors.New("upstream: protocol must be rtmp or flv")

// Tag is one message of a pulled stream: an FLV tag's type (8 audio, 9
// video, 18 script data), timestamp in ms and body. Payload is valid until
// the next ReadTag.
type Tag struct {
	Type      uint8
	Timestamp uint32
	Payload   []byte
}

// Reader is a running pull.
type Reader interface {
	// ReadTag returns the next audio, video or script message. It fails
	// when the upstream closes, unpublishes or sends what cannot be parsed.
	ReadTag() (Tag, error)
	Close() error
	// Server is the host:port really read from (after redirects).
	Server() string
}

// ErrUnpublished reports that the upstream's publisher left.
var ErrUnpublished = errors.New("upstream: stream unpublished")

// Dial starts a pull of t over proto (ProtoRTMP or ProtoFLV). ctx bounds
// the connection setup.
func Dial(ctx context.Context, proto string, t Target) (Reader, error) {
	switch proto {
	case "", ProtoRTMP:
		return DialRTMP(ctx, t)
	case ProtoFLV:
		return DialFLV(ctx, t)
	}
	return nil, fmt.Errorf("%w: %q", ErrBadProtocol, proto)
}

// rtmpReader plays a stream over RTMP.
type rtmpReader struct {
	c      *client.Conn
	server string
	held   *rtmp.Message
	data   []byte
}

// DialRTMP connects, plays t and follows up to three RTMP 302 redirects.
func DialRTMP(ctx context.Context, t Target) (Reader, error) {
	c, t, err := dialRTMP(ctx, t, func(c *client.Conn, t Target) error {
		return c.Play(ctx, t.Stream+t.Param)
	})
	if err != nil {
		return nil, err
	}
	return &rtmpReader{c: c, server: t.Server}, nil
}

// dialRTMP connects to t and runs start (play or publish), following
// redirects.
func dialRTMP(ctx context.Context, t Target, start func(*client.Conn, Target) error) (*client.Conn, Target, error) {
	for hop := 0; ; hop++ {
		c, err := client.Dial(ctx, t.RTMPURL(), client.WithTcURL(t.ConnectTcURL()))
		if err == nil {
			err = start(c, t)
			if err != nil {
				c.Close()
			}
		}
		if err == nil {
			return c, t, nil
		}
		var se *client.StatusError
		if hop < maxRedirects && errors.As(err, &se) && se.Redirect != "" {
			if next, ok := t.withRedirect(se.Redirect); ok {
				t = next
				continue
			}
		}
		return nil, t, fmt.Errorf("upstream: rtmp %s: %w", t, err)
	}
}

func (r *rtmpReader) Server() string { return r.server }
func (r *rtmpReader) Close() error   { return r.c.Close() }

func (r *rtmpReader) ReadTag() (Tag, error) {
	if r.held != nil {
		r.held.Body.Release()
		r.held = nil
	}
	for {
		m, err := r.c.ReadMessage()
		if err != nil {
			return Tag{}, err
		}
		switch m.Type {
		case rtmp.MsgAudio, rtmp.MsgVideo:
			r.held = m
			return Tag{Type: m.Type, Timestamp: m.Timestamp, Payload: m.Payload()}, nil
		case rtmp.MsgAMF0Data, rtmp.MsgAMF3Data:
			data, _, err := rtmp.MetadataPayload(r.data[:0], m.Payload())
			m.Body.Release()
			if err != nil {
				continue // not metadata: nothing a player needs
			}
			r.data = data
			return Tag{Type: flv.TagScript, Timestamp: m.Timestamp, Payload: data}, nil
		case rtmp.MsgAggregate:
			// Rare from servers; SRS does not send them to players.
			m.Body.Release()
			return Tag{}, fmt.Errorf("upstream: %s sent an aggregate message", r.server)
		case rtmp.MsgAMF0Command, rtmp.MsgAMF3Command:
			cmd, err := rtmp.ParseCommand(m.Type, m.Payload())
			m.Body.Release()
			if err != nil {
				return Tag{}, fmt.Errorf("upstream: %s: %w", r.server, err)
			}
			code, _ := rtmp.StatusInfo(cmd).GetString("code")
			switch code {
			case rtmp.CodePlayUnpublishNotify, rtmp.CodePlayStop, rtmp.CodeStreamFailed:
				return Tag{}, fmt.Errorf("upstream: %s: %s: %w", r.server, code, ErrUnpublished)
			}
		default:
			m.Body.Release()
		}
	}
}

// flvReader plays a stream over HTTP-FLV.
type flvReader struct {
	resp   *http.Response
	fr     *flv.Reader
	server string
}

// httpClient follows redirects (SRS's and cascade's 302s) and bounds the
// response head; the body is read as long as the stream lasts.
var httpClient = &http.Client{Transport: &http.Transport{
	ResponseHeaderTimeout: 10 * time.Second,
	DisableCompression:    true,
}}

// DialFLV requests t's .flv over HTTP (following redirects) and reads the
// FLV header.
func DialFLV(ctx context.Context, t Target) (Reader, error) {
	// The request lives as long as the pull: ctx only bounds the setup.
	reqCtx, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel)
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, t.FLVURL(), nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("upstream: flv %s: %w", t, err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("upstream: flv %s: %w", t, err)
	}
	fail := func(err error) (Reader, error) {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("upstream: flv %s: %w", t, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("HTTP %s", resp.Status))
	}
	fr, err := flv.NewReader(bufio.NewReaderSize(resp.Body, 64<<10))
	if err != nil {
		return fail(err)
	}
	if !stop() {
		return fail(ctx.Err())
	}
	fr.ReuseTag = true
	fr.MaxDataSize = maxTagSize
	resp.Body = &cancelBody{resp.Body, cancel}
	return &flvReader{resp: resp, fr: fr, server: resp.Request.URL.Host}, nil
}

// cancelBody ends the request's context when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	b.cancel()
	return b.ReadCloser.Close()
}

func (r *flvReader) Server() string { return r.server }
func (r *flvReader) Close() error   { return r.resp.Body.Close() }

func (r *flvReader) ReadTag() (Tag, error) {
	for {
		t, err := r.fr.ReadTag()
		if errors.Is(err, flv.ErrEncrypted) {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("upstream: %s: %w", r.server, ErrUnpublished)
			}
			return Tag{}, err
		}
		switch t.Type {
		case flv.TagAudio, flv.TagVideo, flv.TagScript:
			return Tag{Type: t.Type, Timestamp: t.Timestamp, Payload: t.Data}, nil
		}
	}
}
