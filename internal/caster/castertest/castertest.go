// Package castertest has what the stream casters' tests share: a Host that
// records what is published into FLV files for ffprobe to judge, and that
// plays an FLV file to players.
package castertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/session"
)

// Host is a session.Host for tests. Publish records each stream as FLV;
// Play replays PlayFile at its own pace, and PlayTS has ffmpeg turn it into
// MPEG-TS at that pace.
type Host struct {
	// Reject, when set, is asked about every Publish and Play; a non-nil
	// error refuses it (wrapped with session.ErrRejected).
	Reject func(session.Request) error
	// PlayFile is the FLV file players get (TS players, as MPEG-TS).
	PlayFile string

	mu        sync.Mutex
	requests  []session.Request
	published []*Publisher
	changed   chan struct{}
}

// NewHost returns an empty Host.
func NewHost() *Host { return &Host{changed: make(chan struct{})} }

func (h *Host) notify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// Requests returns the requests seen so far.
func (h *Host) Requests() []session.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]session.Request(nil), h.requests...)
}

func (h *Host) admit(req session.Request) error {
	h.mu.Lock()
	h.requests = append(h.requests, req)
	h.notify()
	h.mu.Unlock()
	if h.Reject != nil {
		if err := h.Reject(req); err != nil {
			return fmt.Errorf("%w: %w", session.ErrRejected, err)
		}
	}
	return nil
}

// Publish implements session.Host.
func (h *Host) Publish(ctx context.Context, req session.Request) (session.Publisher, error) {
	if err := h.admit(req); err != nil {
		return nil, err
	}
	p := &Publisher{Req: req, host: h, done: make(chan struct{})}
	p.buf.Write(flv.AppendHeader(nil, true, true))
	h.mu.Lock()
	h.published = append(h.published, p)
	h.notify()
	h.mu.Unlock()
	return p, nil
}

// Wait waits until cond holds for the published streams, or fails t after d.
func (h *Host) Wait(t testing.TB, d time.Duration, what string, cond func([]*Publisher) bool) []*Publisher {
	t.Helper()
	deadline := time.After(d)
	for {
		h.mu.Lock()
		ps := append([]*Publisher(nil), h.published...)
		ch := h.changed
		h.mu.Unlock()
		if cond(ps) {
			return ps
		}
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("castertest: %v waiting for %s (%d publishers, requests %+v)", d, what, len(ps), h.Requests())
			return nil
		}
	}
}

// WaitClosed waits for a publisher that was closed after writing at least
// minTags tags, and returns it.
func (h *Host) WaitClosed(t testing.TB, d time.Duration, minTags int) *Publisher {
	t.Helper()
	var got *Publisher
	h.Wait(t, d, "a closed publisher", func(ps []*Publisher) bool {
		for _, p := range ps {
			if p.Closed() && p.Tags() >= minTags {
				got = p
				return true
			}
		}
		return false
	})
	return got
}

// Publisher records the tags of one publish as an FLV file.
type Publisher struct {
	Req  session.Request
	host *Host

	mu     sync.Mutex
	buf    bytes.Buffer
	tags   int
	lost   uint64
	closed bool
	done   chan struct{}
}

// WriteTag implements session.Publisher.
func (p *Publisher) WriteTag(typ uint8, ts uint32, payload []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return session.ErrClosed
	}
	p.buf.Write(flv.AppendTag(nil, typ, ts, payload))
	p.tags++
	return nil
}

// Close implements session.Publisher.
func (p *Publisher) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
	p.mu.Unlock()
	p.host.mu.Lock()
	p.host.notify()
	p.host.mu.Unlock()
	return nil
}

// Done implements session.Publisher.
func (p *Publisher) Done() <-chan struct{} { return p.done }

// CountLost implements session.Publisher.
func (p *Publisher) CountLost(n uint64) {
	p.mu.Lock()
	p.lost += n
	p.mu.Unlock()
}

// Lost is the sum of what CountLost was given.
func (p *Publisher) Lost() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost
}

// Kick ends the publisher from the server's side, as an API DELETE would.
func (p *Publisher) Kick() { _ = p.Close() }

// Closed reports whether Close was called.
func (p *Publisher) Closed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Tags is the number of tags written.
func (p *Publisher) Tags() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tags
}

// Save writes the recording to a file in t's temporary directory.
func (p *Publisher) Save(t testing.TB) string {
	t.Helper()
	p.mu.Lock()
	b := bytes.Clone(p.buf.Bytes())
	p.mu.Unlock()
	path := filepath.Join(t.TempDir(), "published.flv")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Play implements session.Host: the player gets PlayFile's tags, paced by
// their timestamps, then io.EOF.
func (h *Host) Play(ctx context.Context, req session.Request) (session.Player, error) {
	if err := h.admit(req); err != nil {
		return nil, err
	}
	f, err := os.Open(h.PlayFile)
	if err != nil {
		return nil, err
	}
	r, err := flv.NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.ReuseTag = true
	return &player{f: f, r: r}, nil
}

type player struct {
	f     *os.File
	r     *flv.Reader
	start time.Time
}

func (p *player) ReadTag(ctx context.Context) (session.Tag, error) {
	t, err := p.r.ReadTag()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return session.Tag{}, io.EOF
		}
		return session.Tag{}, err
	}
	if p.start.IsZero() {
		p.start = time.Now()
	}
	wait := time.Until(p.start.Add(time.Duration(t.Timestamp) * time.Millisecond))
	select {
	case <-time.After(wait):
	case <-ctx.Done():
		return session.Tag{}, ctx.Err()
	}
	return session.Tag{Type: t.Type, Timestamp: t.Timestamp, Payload: t.Data}, nil
}

func (p *player) Close() error { return p.f.Close() }

// PlayTS implements session.Host: the player gets PlayFile as MPEG-TS, as
// ffmpeg makes it in real time, then io.EOF. Close reaps ffmpeg.
func (h *Host) PlayTS(ctx context.Context, req session.Request) (session.TSPlayer, error) {
	if err := h.admit(req); err != nil {
		return nil, err
	}
	cmd := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
		"-re", "-i", h.PlayFile, "-c", "copy", "-f", "mpegts", "pipe:1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("castertest: %w", err)
	}
	return &tsPlayer{cmd: cmd, out: out}, nil
}

type tsPlayer struct {
	cmd  *exec.Cmd
	out  io.Reader
	buf  [7 * 188]byte
	once sync.Once
}

// ReadTS returns whole TS packets as ffmpeg writes them.
func (p *tsPlayer) ReadTS(context.Context) ([]byte, error) {
	n, err := io.ReadFull(p.out, p.buf[:])
	if n -= n % 188; n > 0 {
		return p.buf[:n], nil
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return nil, err
}

func (p *tsPlayer) Close() error {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	})
	return nil
}
