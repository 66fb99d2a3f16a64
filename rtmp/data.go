package rtmp

import (
	"errors"
	"fmt"

	"github.com/cascade-live/cascade/amf"
	"github.com/cascade-live/cascade/buffer"
)

// Data message names.
const (
	DataSetDataFrame   = "@setDataFrame"
	DataClearDataFrame = "@clearDataFrame"
	DataOnMetaData     = "onMetaData"
	DataSampleAccess   = "|RtmpSampleAccess"
)

// ErrNotMetadata reports a data message that is not onMetaData.
var ErrNotMetadata = errors.New("rtmp: not an onMetaData message")

// ParseData decodes a data message of type MsgAMF0Data or MsgAMF3Data (whose
// payload is a 0 byte then AMF0 values): the handler name and its values.
func ParseData(typ uint8, payload []byte) (name string, values []any, err error) {
	vs, err := decodeValues(typ, MsgAMF0Data, MsgAMF3Data, payload)
	if err != nil {
		return "", nil, fmt.Errorf("rtmp: parse data: %w", err)
	}
	if len(vs) == 0 {
		return "", nil, fmt.Errorf("rtmp: parse data: empty payload: %w", ErrInvalidCommand)
	}
	name, ok := vs[0].(string)
	if !ok {
		return "", nil, fmt.Errorf("rtmp: parse data: name is %T: %w", vs[0], ErrInvalidCommand)
	}
	return name, vs[1:], nil
}

// MetadataPayload turns the payload of a publisher's metadata message,
// "@setDataFrame", "onMetaData", {…} (FMLE, OBS, ffmpeg) or "onMetaData",
// {…}, into the AMF0 data payload players receive: "onMetaData" and the
// object or ECMA array, appended to dst. A leading 0 byte (AMF3 data
// message) is skipped.
//
// Without extra properties the metadata bytes are copied unchanged; with
// them the metadata is encoded again with each extra property set
// (replacing one of the same key). The returned ECMAArray holds the final
// properties. A missing metadata value gives an empty ECMA array.
func MetadataPayload(dst, payload []byte, extra ...amf.Property) ([]byte, amf.ECMAArray, error) {
	if len(payload) > 0 && payload[0] == 0 {
		payload = payload[1:]
	}
	name, n, err := decodeString(payload)
	if err != nil {
		return dst, nil, fmt.Errorf("rtmp: metadata: %w", err)
	}
	if name == DataSetDataFrame {
		payload = payload[n:]
		if name, n, err = decodeString(payload); err != nil {
			return dst, nil, fmt.Errorf("rtmp: metadata after %s: %w", DataSetDataFrame, err)
		}
	}
	if name != DataOnMetaData {
		return dst, nil, fmt.Errorf("rtmp: metadata: %q: %w", name, ErrNotMetadata)
	}
	var meta amf.ECMAArray
	isObject := false
	end := n
	if n < len(payload) {
		v, m, err := amf.Decode0(payload[n:])
		if err != nil {
			return dst, nil, fmt.Errorf("rtmp: metadata: %w", err)
		}
		switch o := v.(type) {
		case amf.ECMAArray:
			meta, end = o, n+m
		case amf.Object:
			meta, end, isObject = amf.ECMAArray(o), n+m, true
		}
	}
	if meta == nil {
		meta = amf.ECMAArray{}
	}
	if len(extra) == 0 && end > n {
		return append(dst, payload[:end]...), meta, nil
	}
	for _, p := range extra {
		meta.Set(p.Key, p.Value)
	}
	var value any = meta
	if isObject {
		value = amf.Object(meta)
	}
	out, err := amf.AppendAll0(dst, DataOnMetaData, value)
	if err != nil {
		return dst, nil, fmt.Errorf("rtmp: metadata: %w", err)
	}
	return out, meta, nil
}

func decodeString(b []byte) (string, int, error) {
	v, n, err := amf.Decode0(b)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrInvalidCommand, err)
	}
	s, ok := v.(string)
	if !ok {
		return "", 0, fmt.Errorf("name is %T: %w", v, ErrInvalidCommand)
	}
	return s, n, nil
}

// AppendData appends a complete AMF0 data message (type 18): name then
// values, in chunks of chunkSize.
func AppendData(dst []byte, csid, streamID, timestamp uint32, chunkSize int, name string, values ...any) ([]byte, error) {
	payload := buffer.Get()
	defer payload.Release()
	var err error
	if payload.B, err = amf.Append0(payload.B, name); err == nil {
		payload.B, err = amf.AppendAll0(payload.B, values...)
	}
	if err != nil {
		return dst, fmt.Errorf("rtmp: encode data %q: %w", name, err)
	}
	return AppendChunks(dst, csid, MsgAMF0Data, streamID, timestamp, payload.B, chunkSize), nil
}

// sampleAccessPayload is "|RtmpSampleAccess", true, true in AMF0.
var sampleAccessPayload = []byte("\x02\x00\x11|RtmpSampleAccess\x01\x01\x01\x01")

// AppendRtmpSampleAccess appends the |RtmpSampleAccess(true, true) data
// message SRS sends at play start (allowing Flash to access the raw audio
// and video), on chunk stream CSIDStream of streamID.
func AppendRtmpSampleAccess(dst []byte, streamID uint32, chunkSize int) []byte {
	return AppendChunks(dst, CSIDStream, MsgAMF0Data, streamID, 0, sampleAccessPayload, chunkSize)
}
