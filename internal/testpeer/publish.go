package testpeer

import (
	"strconv"
	"testing"
	"time"
)

// PublishOptions tune [Publish].
type PublishOptions struct {
	// Loop replays the file forever (-stream_loop -1).
	Loop bool
	// Duration, when positive, stops publishing after that much media (-t).
	Duration time.Duration
	// ExtraArgs are output options placed after "-c copy -f flv", right
	// before the URL: for example "-metadata", "title=x", or RTMP options
	// such as "-rtmp_app", "-rtmp_playpath", "-rtmp_tcurl", "-rtmp_flashver",
	// "-rtmp_conn" (see `ffmpeg -h protocol=rtmp`). ffmpeg 5.1's RTMP output
	// has no option that sets its outgoing chunk size.
	ExtraArgs []string
}

// Publish starts ffmpeg sending file at its native rate (-re), unchanged
// (-c copy), as FLV to url:
//
//	ffmpeg -re [-stream_loop -1] -i file [-t d] -c copy -f flv [extra args] url
//
// url is usually rtmp://127.0.0.1:port/app/stream, but may be a file path
// (it is overwritten). The process is stopped when the test ends; call
// [Process.Wait] to wait for a bounded publish (Duration, or no Loop) to end.
func Publish(t testing.TB, file, url string, opts PublishOptions) *Process {
	t.Helper()
	args := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning", "-re"}
	if opts.Loop {
		args = append(args, "-stream_loop", "-1")
	}
	args = append(args, "-i", file)
	if opts.Duration > 0 {
		args = append(args, "-t", seconds(opts.Duration))
	}
	args = append(args, "-c", "copy", "-f", "flv", "-y")
	args = append(args, opts.ExtraArgs...)
	args = append(args, url)
	return Start(t, "ffmpeg", args...)
}

// seconds formats d as decimal seconds for command-line options.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
