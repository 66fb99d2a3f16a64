package hls

import (
	"fmt"
	"strings"
	"time"
)

// StreamID names a live stream.
type StreamID struct {
	Vhost, App, Stream string
}

func (id StreamID) String() string { return id.Vhost + "/" + id.App + "/" + id.Stream }

// check rejects identities that could name files outside hls_path or
// break a playlist line: empty app or stream, ".." elements, backslashes
// and control characters.
func (id StreamID) check() error {
	if id.App == "" || id.Stream == "" {
		return fmt.Errorf("%w: %q: empty app or stream", ErrStreamID, id.String())
	}
	for _, part := range []string{id.Vhost, id.App, id.Stream} {
		for _, elem := range strings.Split(part, "/") {
			if elem == ".." {
				return fmt.Errorf("%w: %q: \"..\"", ErrStreamID, id.String())
			}
		}
		if strings.ContainsFunc(part, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
			return fmt.Errorf("%w: %q: control character or backslash", ErrStreamID, id.String())
		}
	}
	if strings.Contains(id.Stream, "/") {
		return fmt.Errorf("%w: %q: slash in stream name", ErrStreamID, id.String())
	}
	return nil
}

// SegmentInfo describes a segment just written, with what SRS's on_hls
// callback reports (the caller adds the client's id, ip and param).
type SegmentInfo struct {
	Stream   StreamID
	SeqNo    int           // seq_no
	Duration time.Duration // duration
	File     string        // file: hls_path/ts file, as SRS spells it
	URL      string        // url: the segment URI under the playlist's directory, unless absolute
	URI      string        // the URI written in the playlist
	M3U8     string        // m3u8: hls_path/m3u8 file
	M3U8URL  string        // m3u8_url: the playlist's path under hls_path
	// Discontinuity reports an EXT-X-DISCONTINUITY before the segment.
	Discontinuity bool
	// KeyFile is the key file of an encrypted segment, "" otherwise.
	KeyFile string
}

// Events receives what a Muxer does. Its methods are called on the Muxer's
// goroutine and should return quickly (queue an HTTP callback, say).
type Events interface {
	// OnHLS is called after a segment and the playlist that lists it are
	// written.
	OnHLS(SegmentInfo)
}

// ErrorEvents may also be implemented by an Events to hear of failures:
// files that could not be written, frames that could not be muxed. With
// hls_on_error disconnect the caller is expected to disconnect the
// publisher.
type ErrorEvents interface {
	OnHLSError(stream StreamID, onError string, err error)
}
