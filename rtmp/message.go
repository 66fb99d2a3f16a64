package rtmp

import (
	"github.com/cascade-live/cascade/buffer"
)

// Message type IDs (RTMP specification 5.4, 6.2 and 7.1).
const (
	MsgSetChunkSize     uint8 = 1
	MsgAbort            uint8 = 2
	MsgAck              uint8 = 3
	MsgUserControl      uint8 = 4
	MsgWindowAckSize    uint8 = 5
	MsgSetPeerBandwidth uint8 = 6
	MsgAudio            uint8 = 8
	MsgVideo            uint8 = 9
	MsgAMF3Data         uint8 = 15
	MsgAMF3SharedObject uint8 = 16
	MsgAMF3Command      uint8 = 17
	MsgAMF0Data         uint8 = 18
	MsgAMF0SharedObject uint8 = 19
	MsgAMF0Command      uint8 = 20
	MsgAggregate        uint8 = 22
)

// Chunk stream IDs conventionally used for each kind of message (as FMS,
// SRS and nginx-rtmp use them). Any ID from MinCSID to MaxCSID is valid.
const (
	CSIDControl uint32 = 2 // protocol control and user control messages
	CSIDCommand uint32 = 3 // NetConnection commands and their results
	CSIDData    uint32 = 4 // onMetaData and other connection-level data
	CSIDStream  uint32 = 5 // NetStream commands and onStatus
	CSIDVideo   uint32 = 6
	CSIDAudio   uint32 = 7
	MinCSID     uint32 = 2
	MaxCSID     uint32 = 65599
)

// Chunk and message sizes.
const (
	// DefaultChunkSize is the chunk size of both directions until a Set
	// Chunk Size message changes it.
	DefaultChunkSize = 128
	// MaxChunkSize is the largest chunk size accepted or sent: message
	// lengths are 24-bit, so a larger chunk never helps.
	MaxChunkSize = 0xFFFFFF
	// MaxPayloadSize is the largest message payload the chunk format can carry.
	MaxPayloadSize = 0xFFFFFF
)

// Message is one complete RTMP message.
type Message struct {
	Type      uint8
	CSID      uint32
	StreamID  uint32
	Timestamp uint32 // absolute, in milliseconds (deltas accumulated, extended timestamps applied)
	// Body holds the payload. Ownership passes to whoever receives the
	// Message: that holder calls Release (or keeps it).
	Body *buffer.Buffer
}

// Payload returns the message payload (nil when Body is nil).
func (m *Message) Payload() []byte {
	if m.Body == nil {
		return nil
	}
	return m.Body.B
}

// IsControl reports whether m is a protocol control or user control message
// (types 1 to 6), which travel on chunk stream 2, message stream 0.
func (m *Message) IsControl() bool {
	return m.Type >= MsgSetChunkSize && m.Type <= MsgSetPeerBandwidth
}
