package dvr

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// StreamID names a stream.
type StreamID struct {
	Vhost, App, Stream string
}

// String returns vhost/app/stream.
func (id StreamID) String() string { return id.Vhost + "/" + id.App + "/" + id.Stream }

// ExpandPath turns a dvr_path template into the path of a file opened at
// now, as SRS does: a template not ending in ".flv" or ".mp4" is a directory, to
// which "/[stream].[timestamp].flv" is added; then [vhost], [app] and
// [stream] name the stream, [2006] [01] [02] [15] [04] [05] [999] are the
// local year, month, day, hour, minute, second and millisecond (Go's
// reference time), and [timestamp] is the Unix time in milliseconds.
func ExpandPath(template string, id StreamID, now time.Time) string {
	if !strings.HasSuffix(template, ".flv") && !isMP4(template) {
		template = strings.TrimSuffix(template, "/") + "/[stream].[timestamp].flv"
	}
	r := strings.NewReplacer(
		"[vhost]", id.Vhost,
		"[app]", id.App,
		"[stream]", id.Stream,
		"[2006]", fmt.Sprintf("%04d", now.Year()),
		"[01]", fmt.Sprintf("%02d", int(now.Month())),
		"[02]", fmt.Sprintf("%02d", now.Day()),
		"[15]", fmt.Sprintf("%02d", now.Hour()),
		"[04]", fmt.Sprintf("%02d", now.Minute()),
		"[05]", fmt.Sprintf("%02d", now.Second()),
		"[999]", fmt.Sprintf("%03d", now.Nanosecond()/int(time.Millisecond)),
		"[timestamp]", strconv.FormatInt(now.UnixMilli(), 10),
	)
	return r.Replace(template)
}

// isMP4 reports whether path names an MP4 file, which is recorded as
// fragmented MP4 instead of FLV.
func isMP4(path string) bool { return strings.HasSuffix(path, ".mp4") }
