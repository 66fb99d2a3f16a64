// Package dvr records live streams to FLV or MP4 files, configured and laid
// out like SRS's dvr: the session plan writes one file per publish, the
// segment plan cuts a file every dvr_duration (on a keyframe with
// dvr_wait_keyframe). Files are written under a ".tmp" name and renamed
// when closed. An FLV file's onMetaData carries the duration, the file size
// and a keyframes index (filepositions, times) so players can seek. A
// dvr_path ending in ".mp4" records fragmented MP4 (package mp4): an init
// segment, then a fragment per keyframe (or 2 s), each written whole, so
// the file plays up to its last fragment even if the process dies; the init
// segment is written again with the duration when the file is closed.
//
// A Recorder is a live.Output: it takes packets on the publisher's event
// loop without blocking and does all file I/O on its own goroutine.
package dvr
