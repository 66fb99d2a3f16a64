// Package bench is the load harness behind cmd/cascade-bench: it plays one
// live stream with many simulated players over RTMP or HTTP-FLV and reports
// what they received and what it cost the server.
//
// A player is one goroutine with one reused read buffer. It does the RTMP
// handshake and the connect, createStream and play commands with package
// rtmp, then walks the chunk stream itself (ChunkCounter): it tracks the
// chunk headers of each chunk stream but never assembles a media message,
// so audio and video payload bytes are counted where they lie in the read
// buffer. HTTP-FLV players walk the FLV tags of the response body the same
// way (FLVCounter), through a chunked transfer coding if there is one.
//
// Run drives a whole test: it starts players at a fixed rate, lets them
// warm up, measures a steady window (bytes per player, the server's CPU
// time and resident memory from /proc, the tool's own CPU time) and returns
// a Report, which prints as text or JSON.
//
// Every target must resolve to a loopback address: the harness refuses to
// send load anywhere else.
package bench
