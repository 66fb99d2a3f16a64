package rtmp

import (
	"strings"

	"github.com/cascade-live/cascade/amf"
)

// Values a server announces, as SRS does.
const (
	// FMSVersion is the fmsVer of the connect result.
	FMSVersion = "FMS/3,5,3,888"
	// FMSVersionData is the version in the connect result's data.
	FMSVersionData = "3,5,3,888"
	// ClientID is the clientid of the onStatus objects that carry one.
	ClientID = "ASAICiss"
)

// Status levels.
const (
	LevelStatus  = "status"
	LevelWarning = "warning"
	LevelError   = "error"
)

// Status codes of _result, _error and onStatus info objects.
const (
	CodeConnectSuccess       = "NetConnection.Connect.Success"
	CodeConnectRejected      = "NetConnection.Connect.Rejected"
	CodeConnectClosed        = "NetConnection.Connect.Closed"
	CodePublishStart         = "NetStream.Publish.Start"
	CodePublishBadName       = "NetStream.Publish.BadName"
	CodeUnpublishSuccess     = "NetStream.Unpublish.Success"
	CodePlayStart            = "NetStream.Play.Start"
	CodePlayReset            = "NetStream.Play.Reset"
	CodePlayStop             = "NetStream.Play.Stop"
	CodePlayFailed           = "NetStream.Play.Failed"
	CodePlayPublishNotify    = "NetStream.Play.PublishNotify"
	CodePlayUnpublishNotify  = "NetStream.Play.UnpublishNotify"
	CodePlayStreamNotFound   = "NetStream.Play.StreamNotFound"
	CodePauseNotify          = "NetStream.Pause.Notify"
	CodeUnpauseNotify        = "NetStream.Unpause.Notify"
	CodeDataStart            = "NetStream.Data.Start"
	CodeCallFailed           = "NetConnection.Call.Failed"
	CodeStreamFailed         = "NetStream.Failed"
	CodePublishIdle          = "NetStream.Publish.Idle"
	CodeRecordStart          = "NetStream.Record.Start"
	CodeRecordStop           = "NetStream.Record.Stop"
	CodeSeekNotify           = "NetStream.Seek.Notify"
	CodeSeekFailed           = "NetStream.Seek.Failed"
	CodeConnectAppShutdown   = "NetConnection.Connect.AppShutdown"
	CodeConnectInvalidApp    = "NetConnection.Connect.InvalidApp"
	CodeConnectIdleTimeOut   = "NetConnection.Connect.IdleTimeOut"
	CodeConnectNetworkChange = "NetConnection.Connect.NetworkChange"
)

// ConnectResult is the _result of connect: properties {fmsVer, capabilities
// 127, mode 1} and information {level, code NetConnection.Connect.Success,
// description, objectEncoding, data {version}}, as SRS answers. The data
// ECMA array may be extended by the caller.
func ConnectResult(txID, objectEncoding float64) *Command {
	return &Command{
		Name:          CmdResult,
		TransactionID: txID,
		Object: amf.Object{
			{Key: "fmsVer", Value: FMSVersion},
			{Key: "capabilities", Value: float64(127)},
			{Key: "mode", Value: float64(1)},
		},
		Args: []any{amf.Object{
			{Key: "level", Value: LevelStatus},
			{Key: "code", Value: CodeConnectSuccess},
			{Key: "description", Value: "Connection succeeded"},
			{Key: "objectEncoding", Value: objectEncoding},
			{Key: "data", Value: amf.ECMAArray{{Key: "version", Value: FMSVersionData}}},
		}},
	}
}

// ConnectRejected is the _error answering connect with
// NetConnection.Connect.Rejected.
func ConnectRejected(txID float64, description string) *Command {
	return &Command{
		Name:          CmdError,
		TransactionID: txID,
		Args: []any{amf.Object{
			{Key: "level", Value: LevelError},
			{Key: "code", Value: CodeConnectRejected},
			{Key: "description", Value: description},
		}},
	}
}

// CreateStreamResult is the _result of createStream: null and the new
// message stream ID.
func CreateStreamResult(txID, streamID float64) *Command {
	return &Command{Name: CmdResult, TransactionID: txID, Args: []any{streamID}}
}

// FMLEStartResult is the _result SRS sends for releaseStream, FCPublish and
// FCUnpublish: null and undefined.
func FMLEStartResult(txID float64) *Command {
	return &Command{Name: CmdResult, TransactionID: txID, Args: []any{amf.Undefined{}}}
}

// CallResult is the _result for other calls that expect an answer
// (_checkbw, getStreamLength…): null and null.
func CallResult(txID float64) *Command {
	return &Command{Name: CmdResult, TransactionID: txID, Args: []any{nil}}
}

// OnStatus is an onStatus command (transaction ID 0, null command object)
// with the info object {level, code, description} followed by extra
// properties.
func OnStatus(level, code, description string, extra ...amf.Property) *Command {
	info := make(amf.Object, 0, 3+len(extra))
	info = append(info,
		amf.Property{Key: "level", Value: level},
		amf.Property{Key: "code", Value: code},
		amf.Property{Key: "description", Value: description},
	)
	info = append(info, extra...)
	return &Command{Name: CmdOnStatus, Args: []any{info}}
}

// Status returns the onStatus a server sends for code: for the codes SRS
// sends, exactly SRS's level, description, details and clientid; for
// NetStream.Publish.BadName, NetStream.Play.StreamNotFound, Play.Stop,
// Play.PublishNotify and Play.UnpublishNotify, nginx-rtmp's. Other codes get
// level status and an empty description.
func Status(code string) *Command {
	clientID := amf.Property{Key: "clientid", Value: ClientID}
	details := amf.Property{Key: "details", Value: "stream"}
	switch code {
	case CodePublishStart:
		return OnStatus(LevelStatus, code, "Started publishing stream.", clientID)
	case CodeUnpublishSuccess:
		return OnStatus(LevelStatus, code, "Stream is now unpublished", clientID)
	case CodePlayReset:
		return OnStatus(LevelStatus, code, "Playing and resetting stream.", details, clientID)
	case CodePlayStart:
		return OnStatus(LevelStatus, code, "Started playing stream.", details, clientID)
	case CodePauseNotify:
		return OnStatus(LevelStatus, code, "Paused stream.")
	case CodeUnpauseNotify:
		return OnStatus(LevelStatus, code, "Unpaused stream.")
	case CodePublishBadName:
		return OnStatus(LevelError, code, "Already publishing")
	case CodePlayStreamNotFound:
		return OnStatus(LevelError, code, "No such stream")
	case CodePlayStop:
		return OnStatus(LevelStatus, code, "Stop live")
	case CodePlayPublishNotify:
		return OnStatus(LevelStatus, code, "Start publishing")
	case CodePlayUnpublishNotify:
		return OnStatus(LevelStatus, code, "Stop publishing")
	}
	return OnStatus(LevelStatus, code, "")
}

// OnFCPublish is the onFCPublish SRS sends after publish: {code
// NetStream.Publish.Start, description} with no level.
func OnFCPublish() *Command {
	return &Command{Name: CmdOnFCPublish, Args: []any{amf.Object{
		{Key: "code", Value: CodePublishStart},
		{Key: "description", Value: "Started publishing stream."},
	}}}
}

// OnFCUnpublish is the onFCUnpublish SRS sends for FCUnpublish.
func OnFCUnpublish() *Command {
	return &Command{Name: CmdOnFCUnpublish, Args: []any{amf.Object{
		{Key: "code", Value: CodeUnpublishSuccess},
		{Key: "description", Value: "Stop publishing stream."},
	}}}
}

// StatusInfo returns the info object of a _result, _error or onStatus
// command (its first argument that is an object), or nil.
func StatusInfo(cmd *Command) amf.Object {
	for _, a := range cmd.Args {
		if o, ok := objectProps(a); ok {
			return o
		}
	}
	return nil
}

// RedirectStatus is SRS's RTMP 302: an onStatus of level error with
// NetConnection.Connect.Rejected whose ex object carries code 302, the
// tcUrl to reconnect to (ex.redirect) and the full stream URL
// (ex.redirect2). streamURL is rtmp://host:port/app/stream[?query].
func RedirectStatus(streamURL string) *Command {
	tcURL := streamURL
	if q := strings.IndexByte(tcURL, '?'); q >= 0 {
		tcURL = tcURL[:q]
	}
	if i := strings.LastIndexByte(tcURL, '/'); i > len("rtmp://") {
		tcURL = tcURL[:i]
	}
	return OnStatus(LevelError, CodeConnectRejected, "RTMP 302 Redirect", amf.Property{Key: "ex", Value: amf.Object{
		{Key: "code", Value: 302.0},
		{Key: "redirect", Value: tcURL},
		{Key: "redirect2", Value: streamURL},
	}})
}
