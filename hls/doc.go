// Package hls writes the HTTP Live Streaming output of live streams, as
// SRS's vhost `hls { }` block does: MPEG-TS segments cut at keyframes, a
// sliding-window media playlist (RFC 8216, version 3), optional AES-128
// encryption, and the on_hls event after every segment.
//
// A Muxer is a live.Output for one stream. WritePacket and Unpublish only
// queue work; muxing, encryption and file I/O run on the Muxer's own
// goroutine. A full queue drops packets (counted; video resumes at the next
// keyframe) rather than blocking the publisher.
//
// A Store, shared by every Muxer of a server, keeps what players fetch,
// keyed by URL path: each stream's playlist and keys in memory, and the
// segments in its window as the files written for them, held open.
// Everything is written under hls_path, as SRS does, with temporary files
// renamed into place; the HTTP server looks files up in the Store without
// opening anything, and sends segments with sendfile(2) from the page
// cache, where writing them left their bytes (an open file stays readable
// when hls_cleanup deletes it under a player still fetching it). The
// Store also keeps each stream's sequence numbers and window across
// publishes, so a republish (a new Muxer for the same stream) continues
// the playlist after an EXT-X-DISCONTINUITY.
//
// Segmenting follows the media timestamps only: a stream fed faster than
// real time produces the same segments. Wall time is used for file name
// placeholders ([timestamp], [2006]…, hls_ts_floor) and for hls_dispose.
//
// Where SRS is inconsistent with RFC 8216 or with itself, this package
// follows the RFC and says so: the EXT-X-KEY tag is repeated on the first
// segment of the window (SRS writes it only on the segment that starts a
// key, which a sliding window drops); EXT-X-DISCONTINUITY-SEQUENCE is
// written once a discontinuity has left the window; a segment outside the
// playlist's directory, or a key without hls_key_url, is addressed by a
// URI players resolve (SRS writes a file system path, or a bare name);
// [duration] names the file on disk as in the playlist; key files leave
// with their last segment when hls_cleanup is on. And where SRS waits for
// a keyframe however long the GOP, a video segment here is also cut at
// any frame once it reaches hls_fragment*hls_td_ratio, which bounds
// segments (and the target duration) when keyframes are rare.
package hls
