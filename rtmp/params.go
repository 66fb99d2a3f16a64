package rtmp

import (
	"fmt"

	"github.com/cascade-live/cascade/amf"
)

// ConnectParams is the command object of a connect command.
type ConnectParams struct {
	App      string
	TcURL    string
	PageURL  string
	SwfURL   string
	FlashVer string
	Type     string // "nonprivate" from FMLE, ffmpeg and OBS
	// ObjectEncoding is 0 (AMF0) or 3 (AMF3); the connect result echoes it.
	ObjectEncoding float64
	// Raw is the whole command object, for fields not listed above.
	Raw amf.Object
	// Args holds the optional arguments after the command object (user
	// arguments of NetConnection.connect).
	Args []any
}

// ParseConnect returns the parameters of a connect command. Missing fields
// are left empty; a server decides which it requires (SRS requires tcUrl).
func ParseConnect(cmd *Command) (*ConnectParams, error) {
	if cmd.Name != CmdConnect {
		return nil, fmt.Errorf("rtmp: parse connect: command %q: %w", cmd.Name, ErrInvalidCommand)
	}
	obj, ok := objectProps(cmd.Object)
	if !ok {
		return nil, fmt.Errorf("rtmp: parse connect: command object is %T: %w", cmd.Object, ErrInvalidCommand)
	}
	p := &ConnectParams{Raw: obj, Args: cmd.Args}
	p.App, _ = obj.GetString("app")
	p.TcURL, _ = obj.GetString("tcUrl")
	p.PageURL, _ = obj.GetString("pageUrl")
	p.SwfURL, _ = obj.GetString("swfUrl")
	p.FlashVer, _ = obj.GetString("flashVer")
	p.Type, _ = obj.GetString("type")
	p.ObjectEncoding, _ = obj.GetNumber("objectEncoding")
	return p, nil
}

// Publishing types of the publish command.
const (
	PublishLive   = "live"
	PublishRecord = "record"
	PublishAppend = "append"
)

// PublishParams are the arguments of a publish command.
type PublishParams struct {
	Name string // stream name, possibly with a "?query"
	Type string // PublishLive (the default), PublishRecord or PublishAppend
}

// ParsePublish returns the arguments of a publish command:
// publish(txID, null, name[, type]).
func ParsePublish(cmd *Command) (*PublishParams, error) {
	if cmd.Name != CmdPublish {
		return nil, fmt.Errorf("rtmp: parse publish: command %q: %w", cmd.Name, ErrInvalidCommand)
	}
	name, err := StreamNameArg(cmd)
	if err != nil {
		return nil, err
	}
	p := &PublishParams{Name: name, Type: PublishLive}
	if len(cmd.Args) > 1 {
		t, ok := cmd.Args[1].(string)
		if !ok {
			return nil, fmt.Errorf("rtmp: parse publish: type is %T: %w", cmd.Args[1], ErrInvalidCommand)
		}
		if t != "" {
			p.Type = t
		}
	}
	return p, nil
}

// PlayParams are the arguments of a play command.
type PlayParams struct {
	Name string // stream name, possibly with a "?query"
	// Start is -2 (live, else recorded: the default), -1 (live only) or a
	// position in seconds of a recorded stream.
	Start float64
	// Duration is -1 (until the end: the default), 0 (a single frame) or
	// seconds.
	Duration float64
	// Reset tells whether to flush previous playlists (default true).
	Reset bool
}

// ParsePlay returns the arguments of a play command:
// play(txID, null, name[, start[, duration[, reset]]]). reset may be a
// boolean or a number, as SRS accepts.
func ParsePlay(cmd *Command) (*PlayParams, error) {
	if cmd.Name != CmdPlay {
		return nil, fmt.Errorf("rtmp: parse play: command %q: %w", cmd.Name, ErrInvalidCommand)
	}
	name, err := StreamNameArg(cmd)
	if err != nil {
		return nil, err
	}
	p := &PlayParams{Name: name, Start: -2, Duration: -1, Reset: true}
	for i, dst := range []*float64{&p.Start, &p.Duration} {
		if len(cmd.Args) <= i+1 {
			return p, nil
		}
		v := cmd.Args[i+1]
		if v == nil || v == (amf.Undefined{}) {
			continue
		}
		n, ok := toNumber(v)
		if !ok {
			return nil, fmt.Errorf("rtmp: parse play: argument %d is %T: %w", i+1, v, ErrInvalidCommand)
		}
		*dst = n
	}
	if len(cmd.Args) > 3 {
		switch v := cmd.Args[3].(type) {
		case bool:
			p.Reset = v
		case nil, amf.Undefined:
		default:
			n, ok := toNumber(v)
			if !ok {
				return nil, fmt.Errorf("rtmp: parse play: reset is %T: %w", v, ErrInvalidCommand)
			}
			p.Reset = n != 0
		}
	}
	return p, nil
}

// StreamNameArg returns the stream name, the first argument of publish,
// play, releaseStream, FCPublish and FCUnpublish.
func StreamNameArg(cmd *Command) (string, error) {
	if len(cmd.Args) == 0 {
		return "", fmt.Errorf("rtmp: %s: missing stream name: %w", cmd.Name, ErrInvalidCommand)
	}
	name, ok := cmd.Args[0].(string)
	if !ok {
		return "", fmt.Errorf("rtmp: %s: stream name is %T: %w", cmd.Name, cmd.Args[0], ErrInvalidCommand)
	}
	return name, nil
}

// ParseDeleteStream returns the stream ID of deleteStream(txID, null, id)
// and closeStream (which carries none: 0).
func ParseDeleteStream(cmd *Command) (float64, error) {
	if len(cmd.Args) == 0 {
		return 0, nil
	}
	id, ok := toNumber(cmd.Args[0])
	if !ok {
		return 0, fmt.Errorf("rtmp: %s: stream ID is %T: %w", cmd.Name, cmd.Args[0], ErrInvalidCommand)
	}
	return id, nil
}

// ParsePause returns the arguments of pause(txID, null, pause, milliseconds).
func ParsePause(cmd *Command) (pause bool, ms float64, err error) {
	if cmd.Name != CmdPause || len(cmd.Args) == 0 {
		return false, 0, fmt.Errorf("rtmp: parse pause: %q with %d arguments: %w", cmd.Name, len(cmd.Args), ErrInvalidCommand)
	}
	pause, ok := cmd.Args[0].(bool)
	if !ok {
		return false, 0, fmt.Errorf("rtmp: parse pause: flag is %T: %w", cmd.Args[0], ErrInvalidCommand)
	}
	if len(cmd.Args) > 1 {
		ms, _ = toNumber(cmd.Args[1])
	}
	return pause, ms, nil
}
