package live

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/buffer"
)

// Kind says what a Packet carries.
type Kind uint8

const (
	KindAudio Kind = iota + 1
	KindVideo
	KindData  // onMetaData and other script data
	KindEvent // a status message for players (RTMP only), e.g. UnpublishNotify
	KindRaw   // bytes for one consumer only (ping responses, status replies)
)

// Form selects the serialized form a consumer plays.
type Form uint8

const (
	FormRTMP  Form = iota // RTMP chunks, fmt 0 header with absolute timestamp, msid 1
	FormFLV               // FLV tags
	FormRemux             // the source's audio Remux form: ADTS AAC or MP3 frames
	FormTS                // MPEG-TS (HTTP-TS and SRT players)
	numForms
)

// Packet is one media message of a stream, received once and serialized once
// per output form. The same Packet (and so the same bytes) is handed to every
// consumer, the GOP cache and other outputs by reference.
type Packet struct {
	Kind      Kind
	Timestamp uint32 // milliseconds, after jitter correction
	Seq       uint64 // position in the source's stream, strictly increasing
	Keyframe  bool   // video keyframe (not a sequence header)
	SeqHeader bool   // AVC/HEVC/AAC sequence header (decoder configuration)
	ChunkSize int    // KindEvent: the Set Chunk Size it carries, else 0
	// Arrived is when the publisher's message was read (the loop's clock
	// at the read), for the delivery delay histograms; zero for packets
	// the server makes itself.
	Arrived time.Time

	Payload *buffer.Buffer // message body as received (FLV tag body)
	RTMP    *buffer.Buffer // chunked RTMP form; nil when the packet has none
	FLV     *buffer.Buffer // FLV tag form; nil when the packet has none
	Remux   *buffer.Buffer // the source's audio Remux form; nil when it has none
	// TS is the MPEG-TS form, made while the vhost serves .ts or the
	// source has TS players; nil otherwise (see Publisher.Write).
	TS *buffer.Buffer

	refs atomic.Int32
}

var packetPool = sync.Pool{New: func() any { return new(Packet) }}

// livePackets counts packets not yet released: a leak shows here.
var livePackets atomic.Int64

// LivePackets is the number of packets in use (for tests and metrics).
func LivePackets() int64 { return livePackets.Load() }

// NewPacket returns a zeroed packet holding one reference.
func NewPacket() *Packet {
	p := packetPool.Get().(*Packet)
	p.refs.Store(1)
	livePackets.Add(1)
	return p
}

// Retain adds a reference.
func (p *Packet) Retain() { p.refs.Add(1) }

// Release drops a reference; the last one releases the packet's buffers.
func (p *Packet) Release() {
	switch n := p.refs.Add(-1); {
	case n > 0:
		return
	case n < 0:
		panic("live: Release of a released packet")
	}
	for _, b := range [...]*buffer.Buffer{p.Payload, p.RTMP, p.FLV, p.Remux, p.TS} {
		if b != nil {
			b.Release()
		}
	}
	*p = Packet{}
	livePackets.Add(-1)
	packetPool.Put(p)
}

// Bytes returns the packet's bytes in form f (nil if it has none).
func (p *Packet) Bytes(f Form) []byte {
	var b *buffer.Buffer
	switch f {
	case FormRTMP:
		b = p.RTMP
	case FormFLV:
		b = p.FLV
	case FormRemux:
		b = p.Remux
	default:
		b = p.TS
	}
	if b == nil {
		return nil
	}
	return b.B
}

// isMedia reports whether the packet is audio or video data (droppable).
func (p *Packet) droppable() bool {
	return (p.Kind == KindAudio || p.Kind == KindVideo) && !p.SeqHeader
}
