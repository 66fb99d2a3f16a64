// Package dvr records live streams to FLV files, configured and laid out
// like SRS's dvr: the session plan writes one file per publish, the segment
// plan cuts a file every dvr_duration (on a keyframe with
// dvr_wait_keyframe). Files are written under a ".tmp" name and renamed
// when closed; their onMetaData carries the duration, the file size and a
// keyframes index (filepositions, times) so players can seek.
//
// A Recorder is a live.Output: it takes packets on the publisher's event
// loop without blocking and does all file I/O on its own goroutine.
package dvr
