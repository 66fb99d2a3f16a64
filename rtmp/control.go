package rtmp

import (
	"encoding/binary"
	"fmt"
)

// User control event types (RTMP specification 7.1.7).
const (
	EventStreamBegin      uint16 = 0
	EventStreamEOF        uint16 = 1
	EventStreamDry        uint16 = 2
	EventSetBufferLength  uint16 = 3
	EventStreamIsRecorded uint16 = 4
	EventPingRequest      uint16 = 6
	EventPingResponse     uint16 = 7
)

// Limit types of Set Peer Bandwidth (RTMP specification 5.4.5).
const (
	LimitHard    uint8 = 0
	LimitSoft    uint8 = 1
	LimitDynamic uint8 = 2
)

// AppendSetChunkSize appends a complete Set Chunk Size message (chunk
// stream 2, message stream 0, timestamp 0).
func AppendSetChunkSize(dst []byte, n uint32) []byte {
	return appendControl(dst, MsgSetChunkSize, n)
}

// AppendAbort appends a complete Abort message for chunk stream csid.
func AppendAbort(dst []byte, csid uint32) []byte {
	return appendControl(dst, MsgAbort, csid)
}

// AppendAck appends a complete Acknowledgement carrying the number of bytes
// received so far.
func AppendAck(dst []byte, seq uint32) []byte {
	return appendControl(dst, MsgAck, seq)
}

// AppendWindowAckSize appends a complete Window Acknowledgement Size message.
func AppendWindowAckSize(dst []byte, n uint32) []byte {
	return appendControl(dst, MsgWindowAckSize, n)
}

// AppendSetPeerBandwidth appends a complete Set Peer Bandwidth message with
// limit type LimitHard, LimitSoft or LimitDynamic.
func AppendSetPeerBandwidth(dst []byte, n uint32, limit uint8) []byte {
	var p [5]byte
	binary.BigEndian.PutUint32(p[:], n)
	p[4] = limit
	return AppendChunks(dst, CSIDControl, MsgSetPeerBandwidth, 0, 0, p[:], DefaultChunkSize)
}

// AppendUserControl appends a complete User Control message: the event type
// followed by its 4-byte arguments (the stream ID for stream events, the
// stream ID and buffer length in milliseconds for EventSetBufferLength, the
// timestamp for pings).
func AppendUserControl(dst []byte, event uint16, args ...uint32) []byte {
	var buf [2 + 4*4]byte
	p := binary.BigEndian.AppendUint16(buf[:0], event)
	for _, a := range args {
		p = binary.BigEndian.AppendUint32(p, a)
	}
	return AppendChunks(dst, CSIDControl, MsgUserControl, 0, 0, p, DefaultChunkSize)
}

func appendControl(dst []byte, typ uint8, v uint32) []byte {
	var p [4]byte
	binary.BigEndian.PutUint32(p[:], v)
	return AppendChunks(dst, CSIDControl, typ, 0, 0, p[:], DefaultChunkSize)
}

// ParseUint32 parses the 4-byte payload of Set Chunk Size, Abort,
// Acknowledgement and Window Acknowledgement Size. Trailing bytes are
// ignored. For Set Chunk Size the value's top bit is reserved (0), which
// ChunkReader enforces by rejecting sizes above MaxChunkSize.
func ParseUint32(payload []byte) (uint32, error) {
	if len(payload) < 4 {
		return 0, fmt.Errorf("rtmp: %d bytes, want 4: %w", len(payload), ErrShortPayload)
	}
	return binary.BigEndian.Uint32(payload), nil
}

// ParseSetPeerBandwidth parses a Set Peer Bandwidth payload.
func ParseSetPeerBandwidth(payload []byte) (n uint32, limit uint8, err error) {
	if len(payload) < 5 {
		return 0, 0, fmt.Errorf("rtmp: set peer bandwidth: %d bytes, want 5: %w", len(payload), ErrShortPayload)
	}
	return binary.BigEndian.Uint32(payload), payload[4], nil
}

// UserControl is a parsed User Control message.
type UserControl struct {
	Event uint16
	// Data is the first argument: the stream ID for stream events and
	// EventSetBufferLength, the timestamp for pings.
	Data uint32
	// BufferLength is the buffer length in milliseconds of EventSetBufferLength.
	BufferLength uint32
}

// ParseUserControl parses a User Control payload. The events of the
// specification must carry their arguments; other events (vendor
// extensions) are returned with whatever 4-byte argument they carry.
func ParseUserControl(payload []byte) (UserControl, error) {
	if len(payload) < 2 {
		return UserControl{}, fmt.Errorf("rtmp: user control: %d bytes: %w", len(payload), ErrShortPayload)
	}
	uc := UserControl{Event: binary.BigEndian.Uint16(payload)}
	args := payload[2:]
	want := 4
	switch uc.Event {
	case EventSetBufferLength:
		want = 8
	case EventStreamBegin, EventStreamEOF, EventStreamDry, EventStreamIsRecorded, EventPingRequest, EventPingResponse:
	default:
		want = 0
	}
	if len(args) < want {
		return uc, fmt.Errorf("rtmp: user control event %d: %d argument bytes, want %d: %w", uc.Event, len(args), want, ErrShortPayload)
	}
	if len(args) >= 4 {
		uc.Data = binary.BigEndian.Uint32(args)
	}
	if uc.Event == EventSetBufferLength {
		uc.BufferLength = binary.BigEndian.Uint32(args[4:])
	}
	return uc, nil
}
