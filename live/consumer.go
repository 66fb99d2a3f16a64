package live

import (
	"errors"
	"sync/atomic"
	"time"
)

// ErrSlowConsumer is why a consumer that cannot keep up is disconnected.
var ErrSlowConsumer = errors.New("live: consumer too slow: still over its queue after dropping to a keyframe")

// Sink is a consumer's connection as the live core writes to it. Both
// methods are called on the connection's own event loop.
type Sink interface {
	// Writev writes the slices in order and reports how many bytes the
	// socket took; fewer than offered (and a nil error) when it is full.
	Writev(bufs [][]byte) (int, error)
	// Close ends the connection because of err.
	Close(err error)
}

// maxPendingBytes bounds a consumer's queue whatever the timestamps say.
const maxPendingBytes = 64 << 20

// maxRawBytes bounds the replies (pings, status) queued for a player that
// does not read them: they are never dropped like media, so a peer that
// keeps asking without reading is disconnected instead.
const maxRawBytes = 1 << 20

// ErrRepliesPiledUp is why a player whose replies pile up is disconnected.
var ErrRepliesPiledUp = errors.New("live: player does not read its replies: over the bound of queued replies")

// Consumer is one player of a source: an RTMP or HTTP-FLV connection. It
// lives on its connection's event loop. Its queue holds references to shared
// packets, never copies, and is bounded by the vhost's queue_length: over it
// the consumer skips to the next keyframe; over it again within
// queue_length, it is disconnected.
type Consumer struct {
	sink  Sink
	form  Form
	loop  *Loop
	src   *Source
	group *group

	queueLength time.Duration

	pending   []*Packet // unsent packets, the first maybe partly sent
	off       int       // bytes of pending[0] already sent
	lastSeq   uint64    // the newest stream packet accepted
	waitKey   bool      // skip media until the next video keyframe
	lastDrop  time.Time // when the queue was last cut to a keyframe
	closed    bool
	NoAudio   bool // receiveAudio false
	NoVideo   bool // receiveVideo false
	Paused    bool // pause: media is skipped, then resumes at a keyframe
	joined    bool
	stalledAt time.Time
	chunkSize int // RTMP: the chunk size the player was last told, in queue order
	rawBytes  int // of the replies queued by SendRaw and not yet sent

	waitingRetry bool

	sentBytes atomic.Uint64
	dropped   atomic.Uint64
}

// SentBytes is how many media bytes the consumer's socket took.
func (c *Consumer) SentBytes() uint64 { return c.sentBytes.Load() }

// Dropped is how many packets were skipped because the consumer was slow.
func (c *Consumer) Dropped() uint64 { return c.dropped.Load() }

// Pending reports the packets and bytes waiting to be sent (on its loop only).
func (c *Consumer) Pending() (packets, bytes int) {
	for i, p := range c.pending {
		n := len(p.Bytes(c.form))
		if i == 0 {
			n -= c.off
		}
		bytes += n
	}
	return len(c.pending), bytes
}

// Source is the stream the consumer plays.
func (c *Consumer) Source() *Source { return c.src }

// SendRaw queues bytes for this consumer only (status replies, pings) in
// order with its media, and tries to send them at once.
func (c *Consumer) SendRaw(b []byte) {
	if c.closed {
		return
	}
	if c.rawBytes+len(b) > maxRawBytes {
		c.fail(ErrRepliesPiledUp)
		return
	}
	c.rawBytes += len(b)
	c.pending = append(c.pending, rawPacket(c.form, b))
	if len(c.pending) == 1 {
		c.deliver(nil)
	} // else the socket is full: the loop retries the queue as it drains

}

// ChunkSize is the RTMP chunk size the player has been told, as of the last
// queued message: what the session's own replies must be chunked at.
func (c *Consumer) ChunkSize() int { return c.chunkSize }

// Resume ends a pause: playing restarts at the next keyframe.
func (c *Consumer) Resume() {
	c.Paused = false
	c.waitKey = c.needsKeyframe()
}

// needsKeyframe reports whether the consumer, after a gap, must restart at a
// video keyframe: not when the stream has no video, nor for audio-only
// forms, which never see video packets.
func (c *Consumer) needsKeyframe() bool {
	return c.src.hasVideo.Load() && c.form != FormRemux
}

// accepts reports whether the consumer takes stream packet p now.
func (c *Consumer) accepts(p *Packet) bool {
	switch p.Kind {
	case KindAudio:
		if c.NoAudio && !p.SeqHeader {
			return false
		}
	case KindVideo:
		if c.NoVideo && !p.SeqHeader {
			return false
		}
	}
	if !p.droppable() {
		return true
	}
	if c.Paused {
		return false
	}
	if c.waitKey {
		if p.Kind != KindVideo || !p.Keyframe {
			return false
		}
		c.waitKey = false
	}
	return true
}

// keptQueueCap is the capacity of an empty queue a consumer keeps for the
// next time its socket is full; a larger one (the GOP cache it joined with)
// is let go, a few hundred bytes per player.
const keptQueueCap = 16

// deliver writes the consumer's pending packets and then those of fresh that
// it has not seen, in one writev (split at maxIovecs), and keeps what the
// socket did not take. It runs on the consumer's loop. It reports whether it
// wrote packets of fresh and the socket took everything.
func (c *Consumer) deliver(fresh []*Packet) (wroteFresh bool) {
	if c.closed {
		return false
	}
	l := c.loop
	iov, ents := l.iov[:0], l.ents[:0]
	old := len(c.pending)
	for i, p := range c.pending {
		b := p.Bytes(c.form)
		if i == 0 {
			b = b[c.off:]
		}
		iov = append(iov, b)
		ents = append(ents, p)
	}
	for _, p := range fresh {
		if p.Seq <= c.lastSeq {
			continue
		}
		c.lastSeq = p.Seq
		b := p.Bytes(c.form)
		if len(b) == 0 || !c.accepts(p) {
			continue
		}
		if p.ChunkSize != 0 {
			c.chunkSize = p.ChunkSize
		}
		iov = append(iov, b)
		ents = append(ents, p)
	}
	l.iov, l.ents = iov, ents // keep grown capacity
	if len(iov) == 0 {
		return false
	}

	var sent int
	for start := 0; start < len(iov); start += maxIovecs {
		part := iov[start:min(start+maxIovecs, len(iov))]
		want := 0
		for _, b := range part {
			want += len(b)
		}
		n, err := c.sink.Writev(part)
		sent += n
		if err != nil {
			c.sentBytes.Add(uint64(sent))
			c.src.Stats.BytesOut.Add(uint64(sent))
			c.fail(err)
			clear(ents)
			return false
		}
		if n < want {
			break
		}
	}
	c.sentBytes.Add(uint64(sent))
	c.src.Stats.BytesOut.Add(uint64(sent))

	// Find where the socket stopped, release what was sent from the old
	// queue and keep the rest (taking references to fresh packets).
	k, rest := len(iov), sent
	for i, b := range iov {
		if rest < len(b) {
			k = i
			break
		}
		rest -= len(b)
		if i < old {
			if ents[i].Kind == KindRaw {
				c.rawBytes -= len(ents[i].Bytes(c.form))
			}
			ents[i].Release()
		}
	}
	off := 0
	if k < len(iov) {
		off = rest
		if k == 0 {
			off += c.off
		}
	}
	for j := max(k, old); j < len(ents); j++ {
		ents[j].Retain()
	}
	c.pending = append(c.pending[:0], ents[k:]...)
	c.off = off
	hasFresh := len(iov) > old
	clear(ents)
	clear(iov)

	if len(c.pending) == 0 {
		c.stalledAt = time.Time{}
		if cap(c.pending) > keptQueueCap {
			c.pending = nil // the join's GOP burst: not kept for every player
		}
		return hasFresh
	}
	if sent > 0 || c.stalledAt.IsZero() {
		c.stalledAt = l.now
	}
	l.addWaiting(c)
	c.checkQueue()
	return false
}

// checkQueue applies the queue bound after a write left packets pending.
func (c *Consumer) checkQueue() {
	first, last, bytes := -1, -1, 0
	for i, p := range c.pending {
		bytes += len(p.Bytes(c.form))
		if p.droppable() {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	over := bytes > maxPendingBytes
	if first >= 0 && !over {
		span := time.Duration(int64(c.pending[last].Timestamp)-int64(c.pending[first].Timestamp)) * time.Millisecond
		over = span > c.queueLength
	}
	now := c.loop.now
	stalled := now.Sub(c.stalledAt) > c.queueLength // no byte taken for that long
	if !over && !stalled {
		return
	}
	if !c.lastDrop.IsZero() && now.Sub(c.lastDrop) <= c.queueLength {
		c.fail(ErrSlowConsumer)
		return
	}
	c.lastDrop = now
	// Keep the partly sent head and everything that is not droppable media
	// (sequence headers, metadata, status messages).
	kept := c.pending[:0]
	var dropped uint64
	for i, p := range c.pending {
		if (i == 0 && c.off > 0) || !p.droppable() {
			kept = append(kept, p)
			continue
		}
		p.Release()
		dropped++
	}
	clear(c.pending[len(kept):])
	c.pending = kept
	c.dropped.Add(dropped)
	c.waitKey = c.needsKeyframe()
	c.src.dropped.Add(dropped)
}

// fail closes the consumer's connection because of err.
func (c *Consumer) fail(err error) {
	if c.closed {
		return
	}
	c.sink.Close(err)
}

// Close detaches the consumer from its source and releases its queue. The
// connection calls it on its loop when it closes or stops playing.
func (c *Consumer) Close() {
	if c.closed {
		return
	}
	c.closed = true
	c.loop.removeWaiting(c)
	for _, p := range c.pending {
		p.Release()
	}
	clear(c.pending)
	c.pending = nil
	if c.joined {
		c.src.leave(c)
	}
}
