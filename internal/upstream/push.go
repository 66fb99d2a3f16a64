package upstream

import (
	"context"
	"fmt"
	"sync"

	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// Pusher publishes a stream to an upstream server over RTMP.
type Pusher struct {
	c      *client.Conn
	server string
	done   chan struct{} // closed when the reading goroutine ends
	mu     sync.Mutex
	err    error // why the connection ended
}

// DialPush connects to t, publishes it (following RTMP 302 redirects) and
// keeps reading the connection so that pings are answered and a close by
// the server is noticed.
func DialPush(ctx context.Context, t Target) (*Pusher, error) {
	c, t, err := dialRTMP(ctx, t, func(c *client.Conn, t Target) error {
		return c.Publish(ctx, t.Stream+t.Param)
	})
	if err != nil {
		return nil, err
	}
	p := &Pusher{c: c, server: t.Server, done: make(chan struct{})}
	go p.drain()
	return p, nil
}

func (p *Pusher) drain() {
	defer close(p.done)
	for {
		m, err := p.c.ReadMessage()
		if err != nil {
			p.mu.Lock()
			p.err = err
			p.mu.Unlock()
			p.c.Close()
			return
		}
		if m.Type == rtmp.MsgAMF0Command || m.Type == rtmp.MsgAMF3Command {
			if cmd, err := rtmp.ParseCommand(m.Type, m.Payload()); err == nil && cmd.Name == rtmp.CmdOnStatus {
				if level, _ := rtmp.StatusInfo(cmd).GetString("level"); level == rtmp.LevelError {
					code, _ := rtmp.StatusInfo(cmd).GetString("code")
					p.mu.Lock()
					p.err = fmt.Errorf("upstream: %s: %s", p.server, code)
					p.mu.Unlock()
					m.Body.Release()
					p.c.Close()
					return
				}
			}
		}
		m.Body.Release()
	}
}

// Server is the host:port published to (after redirects).
func (p *Pusher) Server() string { return p.server }

// Done is closed when the server closed the connection or refused the
// stream; Err says why.
func (p *Pusher) Done() <-chan struct{} { return p.done }

// Err is why the connection ended, or nil.
func (p *Pusher) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// WriteTag sends one FLV tag: audio (8), video (9) or script data (18,
// sent as a data message the way encoders send metadata).
func (p *Pusher) WriteTag(typ uint8, timestamp uint32, payload []byte) error {
	mt := typ
	if typ == 18 {
		mt = rtmp.MsgAMF0Data
	}
	if err := p.c.WritePayload(mt, timestamp, payload); err != nil {
		if e := p.Err(); e != nil {
			return e
		}
		return err
	}
	return nil
}

// Close ends the publish and the connection.
func (p *Pusher) Close() error {
	err := p.c.Close()
	<-p.done
	return err
}
