// Package rtmp implements the RTMP wire protocol as pure functions and
// state machines over byte slices: the chunk stream (ChunkReader,
// AppendChunks, ChunkWriter), protocol control and user control messages,
// the simple and complex (digest) handshakes, and AMF0 commands and data
// messages with the responses a server sends.
//
// The package opens no sockets and starts no goroutines. A server feeds the
// bytes it reads into a ChunkReader and writes the bytes produced by the
// Append functions; package rtmp/client wraps the same pieces around a
// net.Conn.
//
// Chunks produced by AppendChunks use one fmt 0 header followed by fmt 3
// continuations, so the same bytes can be shared by every player of a
// stream. ChunkWriter compresses headers per chunk stream for a single
// connection.
//
// Reference: Adobe's RTMP specification 1.0 (chunk stream, control and
// command messages); the complex handshake as implemented by Flash Player,
// FMS, librtmp and SRS; the responses and status objects as sent by SRS.
package rtmp
