package rtmp

import (
	"fmt"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/buffer"
)

// Command is an RTMP command message (NetConnection and NetStream calls,
// their results and onStatus): a name, a transaction ID, a command object
// and optional arguments.
type Command struct {
	Name          string
	TransactionID float64
	// Object is the command object: an amf.Object, or nil for AMF null.
	Object any
	Args   []any
}

// Command names used by clients and servers.
const (
	CmdConnect       = "connect"
	CmdCreateStream  = "createStream"
	CmdDeleteStream  = "deleteStream"
	CmdCloseStream   = "closeStream"
	CmdReleaseStream = "releaseStream"
	CmdFCPublish     = "FCPublish"
	CmdFCUnpublish   = "FCUnpublish"
	CmdPublish       = "publish"
	CmdPlay          = "play"
	CmdPlay2         = "play2"
	CmdPause         = "pause"
	CmdReceiveAudio  = "receiveAudio"
	CmdReceiveVideo  = "receiveVideo"
	CmdGetStreamLen  = "getStreamLength"
	CmdCheckBW       = "_checkbw"
	CmdResult        = "_result"
	CmdError         = "_error"
	CmdOnStatus      = "onStatus"
	CmdOnFCPublish   = "onFCPublish"
	CmdOnFCUnpublish = "onFCUnpublish"
	CmdOnBWDone      = "onBWDone"
)

// ParseCommand decodes the payload of a command message of type
// MsgAMF0Command or MsgAMF3Command. An AMF3 command payload is a 0 byte
// followed by AMF0 values (which may switch to AMF3 with the AVM+ marker);
// the 0 byte is optional here.
//
// The first value must be the command name (a string). The transaction ID
// (a number) and the command object may be missing, as in some data-like
// calls; everything after the command object is Args.
func ParseCommand(typ uint8, payload []byte) (*Command, error) {
	values, err := decodeValues(typ, MsgAMF0Command, MsgAMF3Command, payload)
	if err != nil {
		return nil, fmt.Errorf("rtmp: parse command: %w", err)
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("rtmp: parse command: empty payload: %w", ErrInvalidCommand)
	}
	name, ok := values[0].(string)
	if !ok {
		return nil, fmt.Errorf("rtmp: parse command: name is %T: %w", values[0], ErrInvalidCommand)
	}
	cmd := &Command{Name: name}
	if len(values) > 1 {
		if cmd.TransactionID, ok = toNumber(values[1]); !ok {
			return nil, fmt.Errorf("rtmp: parse command %q: transaction ID is %T: %w", name, values[1], ErrInvalidCommand)
		}
	}
	if len(values) > 2 {
		cmd.Object = values[2]
	}
	if len(values) > 3 {
		cmd.Args = values[3:]
	}
	return cmd, nil
}

// decodeValues decodes the AMF0 values of a command or data payload of type
// typ, which must be amf0Type or amf3Type.
func decodeValues(typ, amf0Type, amf3Type uint8, payload []byte) ([]any, error) {
	switch typ {
	case amf0Type:
	case amf3Type:
		if len(payload) > 0 && payload[0] == 0 {
			payload = payload[1:]
		}
	default:
		return nil, fmt.Errorf("message type %d: %w", typ, ErrInvalidCommand)
	}
	values, err := amf.DecodeAll0(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCommand, err)
	}
	return values, nil
}

// AppendPayload appends the AMF0 encoding of cmd: name, transaction ID,
// command object (nil is AMF null) and arguments.
func (c *Command) AppendPayload(dst []byte) ([]byte, error) {
	// The name and transaction ID are encoded by type: boxed into any,
	// they were allocations for every reply.
	start := len(dst)
	dst, err := amf.AppendString0(dst, c.Name)
	if err == nil {
		dst, err = amf.Append0(amf.AppendNumber0(dst, c.TransactionID), c.Object)
	}
	if err != nil {
		return dst[:start], fmt.Errorf("rtmp: encode command %q: %w", c.Name, err)
	}
	for i, a := range c.Args {
		if dst, err = amf.Append0(dst, a); err != nil {
			return dst, fmt.Errorf("rtmp: encode command %q argument %d: %w", c.Name, i, err)
		}
	}
	return dst, nil
}

// AppendCommand appends cmd as a complete AMF0 command message (type 20,
// timestamp 0) in chunks of chunkSize.
func AppendCommand(dst []byte, csid, streamID uint32, cmd *Command, chunkSize int) ([]byte, error) {
	payload := buffer.Get()
	defer payload.Release()
	var err error
	if payload.B, err = cmd.AppendPayload(payload.B); err != nil {
		return dst, err
	}
	return AppendChunks(dst, csid, MsgAMF0Command, streamID, 0, payload.B, chunkSize), nil
}

// toNumber converts the numeric values the AMF decoders produce.
func toNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int32:
		return float64(n), true
	}
	return 0, false
}

// objectProps returns the properties of an AMF0 object or ECMA array, or
// the members of an AMF3 object.
func objectProps(v any) (amf.Object, bool) {
	switch o := v.(type) {
	case amf.Object:
		return o, true
	case amf.ECMAArray:
		return amf.Object(o), true
	case amf.Object3:
		return append(o.Sealed[:len(o.Sealed):len(o.Sealed)], o.DynamicMembers...), true
	}
	return nil, false
}
