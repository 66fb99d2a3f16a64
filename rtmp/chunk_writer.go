package rtmp

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// AppendChunks appends payload as one message in chunks of chunkSize: a
// fmt 0 header carrying the absolute timestamp (extended when ≥ 0xFFFFFF),
// then fmt 3 continuations, each repeating the extended timestamp when one
// is used. Because the chunks depend on no per-connection state, the same
// bytes can be sent to every player that uses chunkSize.
//
// chunkSize ≤ 0 means DefaultChunkSize. A csid outside MinCSID..MaxCSID or a
// payload longer than MaxPayloadSize is a programming error and panics.
func AppendChunks(dst []byte, csid uint32, typ uint8, streamID, timestamp uint32, payload []byte, chunkSize int) []byte {
	chunkSize = normChunkSize(chunkSize)
	dst = slices.Grow(dst, ChunksLen(csid, len(payload), chunkSize, timestamp))
	dst = appendMessageHeader(dst, 0, csid, timestamp, len(payload), typ, streamID)
	return appendPayloadChunks(dst, csid, timestamp >= extendedTimestamp, timestamp, payload, chunkSize)
}

// ChunksLen returns the exact number of bytes AppendChunks appends, to
// pre-size a pooled buffer.
func ChunksLen(csid uint32, payloadLen, chunkSize int, timestamp uint32) int {
	chunkSize = normChunkSize(chunkSize)
	bh := basicHeaderLen(csid)
	ext := 0
	if timestamp >= extendedTimestamp {
		ext = 4
	}
	chunks := max(1, (payloadLen+chunkSize-1)/chunkSize)
	return bh + 11 + ext + payloadLen + (chunks-1)*(bh+ext)
}

// ChunkWriter chunks messages for a single connection, compressing headers
// (fmt 1, 2 and 3) against the previous message on the same chunk stream,
// as Flash Player, librtmp and ffmpeg do. The zero value uses
// DefaultChunkSize. A ChunkWriter is not safe for concurrent use.
type ChunkWriter struct {
	// ChunkSize is the chunk size announced to the peer; 0 means
	// DefaultChunkSize. Change it only right after appending the Set Chunk
	// Size message that announces it.
	ChunkSize int

	streams map[uint32]*sendState
}

// sendState is the last header sent on one chunk stream.
type sendState struct {
	streamID  uint32
	length    int
	typ       uint8
	timestamp uint32
	tsField   uint32 // last timestamp field value (absolute after fmt 0, delta after 1/2)
	// afterFull is set after a fmt 0 header. A fmt 3 header starting a
	// message then means "add the fmt 0 timestamp again" to the
	// specification, ffmpeg, librtmp and SRS, but "add 0" to nginx-rtmp, so
	// it is avoided there.
	afterFull bool
}

// Append appends m's payload as chunks.
func (w *ChunkWriter) Append(dst []byte, m *Message) []byte {
	return w.AppendChunks(dst, m.CSID, m.Type, m.StreamID, m.Timestamp, m.Payload())
}

// AppendChunks appends payload as chunks of one message, with the most
// compact first header that the previous message on csid allows.
func (w *ChunkWriter) AppendChunks(dst []byte, csid uint32, typ uint8, streamID, timestamp uint32, payload []byte) []byte {
	chunkSize := normChunkSize(w.ChunkSize)
	if w.streams == nil {
		w.streams = make(map[uint32]*sendState)
	}
	st := w.streams[csid]
	if st == nil {
		checkCSID(csid)
		st = &sendState{}
		w.streams[csid] = st
	} else if st.streamID == streamID && timestamp >= st.timestamp {
		delta := timestamp - st.timestamp
		var format byte = 1
		if typ == st.typ && len(payload) == st.length {
			format = 2
			if delta == st.tsField && !st.afterFull {
				format = 3
			}
		}
		st.typ, st.length, st.timestamp, st.afterFull = typ, len(payload), timestamp, false
		ext := st.tsField >= extendedTimestamp // fmt 3 repeats the previous field
		if format != 3 {
			st.tsField = delta
			ext = delta >= extendedTimestamp
		}
		dst = appendMessageHeader(dst, format, csid, delta, len(payload), typ, streamID)
		if format == 3 && ext {
			dst = binary.BigEndian.AppendUint32(dst, delta)
		}
		return appendPayloadChunks(dst, csid, ext, delta, payload, chunkSize)
	}
	*st = sendState{streamID: streamID, length: len(payload), typ: typ, timestamp: timestamp, tsField: timestamp, afterFull: true}
	dst = appendMessageHeader(dst, 0, csid, timestamp, len(payload), typ, streamID)
	return appendPayloadChunks(dst, csid, timestamp >= extendedTimestamp, timestamp, payload, chunkSize)
}

// appendMessageHeader appends a basic header and the fmt 0, 1 or 2 message
// header (a fmt 3 header is the basic header alone) with field as the
// timestamp or delta, followed by the extended timestamp when needed.
func appendMessageHeader(dst []byte, format byte, csid, field uint32, length int, typ uint8, streamID uint32) []byte {
	if length > MaxPayloadSize {
		panic(fmt.Sprintf("rtmp: payload of %d bytes exceeds the 24-bit message length", length))
	}
	dst = appendBasicHeader(dst, format, csid)
	if format == 3 {
		return dst
	}
	ts := min(field, extendedTimestamp)
	dst = append(dst, byte(ts>>16), byte(ts>>8), byte(ts))
	if format <= 1 {
		dst = append(dst, byte(length>>16), byte(length>>8), byte(length), typ)
	}
	if format == 0 {
		dst = binary.LittleEndian.AppendUint32(dst, streamID)
	}
	if field >= extendedTimestamp {
		dst = binary.BigEndian.AppendUint32(dst, field)
	}
	return dst
}

// appendPayloadChunks appends payload after a first header already written:
// the first chunk's data, then fmt 3 continuation chunks.
func appendPayloadChunks(dst []byte, csid uint32, ext bool, extValue uint32, payload []byte, chunkSize int) []byte {
	k := min(len(payload), chunkSize)
	dst = append(dst, payload[:k]...)
	for payload = payload[k:]; len(payload) > 0; payload = payload[k:] {
		dst = appendBasicHeader(dst, 3, csid)
		if ext {
			dst = binary.BigEndian.AppendUint32(dst, extValue)
		}
		k = min(len(payload), chunkSize)
		dst = append(dst, payload[:k]...)
	}
	return dst
}

func appendBasicHeader(dst []byte, format byte, csid uint32) []byte {
	switch {
	case csid < MinCSID || csid > MaxCSID:
		panic(fmt.Sprintf("rtmp: chunk stream ID %d out of range", csid))
	case csid < 64:
		return append(dst, format<<6|byte(csid))
	case csid < 64+256:
		return append(dst, format<<6, byte(csid-64))
	default:
		id := csid - 64
		return append(dst, format<<6|1, byte(id), byte(id>>8))
	}
}

func basicHeaderLen(csid uint32) int {
	checkCSID(csid)
	switch {
	case csid < 64:
		return 1
	case csid < 64+256:
		return 2
	default:
		return 3
	}
}

func checkCSID(csid uint32) {
	if csid < MinCSID || csid > MaxCSID {
		panic(fmt.Sprintf("rtmp: chunk stream ID %d out of range", csid))
	}
}

func normChunkSize(n int) int {
	switch {
	case n <= 0:
		return DefaultChunkSize
	case n > MaxChunkSize:
		return MaxChunkSize
	}
	return n
}
