// Package http1 parses HTTP/1.x request heads and formats response heads
// over plain byte slices.
//
// It is the HTTP layer of cascade's event-loop servers (HTTP-FLV, HLS),
// which read from gnet connections instead of net/http. The package does no
// I/O: the caller accumulates bytes and calls [ParseRequest] each time more
// arrive. [ErrIncomplete] means "wait for more"; any other error means the
// connection should get the matching error response (see [StatusForError]
// and [AppendError]) and be closed.
//
// The parser follows RFC 9112 with the strict choices a public-facing
// server should make: it rejects obsolete line folding, bare CR, NUL and
// other control bytes, whitespace before a field's colon, conflicting
// Content-Length or Host fields, transfer codings other than "chunked", and
// requests that carry both Transfer-Encoding and Content-Length. It accepts
// a bare LF as a line terminator and ignores empty lines before the
// request-line, as RFC 9112 allows.
//
// Parsing a complete head costs three allocations: one string holding the
// head (every string in [Request] is a slice of it), the [Request], and its
// [Header] slice. Decoding a percent-escaped or unclean path, or lowercasing
// a mixed-case host, costs one more each.
package http1
