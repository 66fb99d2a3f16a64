package testpeer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// recordGrace is how long past the media duration a recording may take to
// connect and finish before its context gives up.
const recordGrace = 30 * time.Second

// Record plays url with ffmpeg and writes d of it, unchanged, into the file
// out (format chosen by its extension), then returns out's absolute path:
//
//	ffmpeg [-rw_timeout 10s] [args] -i url -t d -c copy -y out
//
// args are input options, e.g. "-rtmp_live", "live". It stops after d of
// media or when the stream ends; if ctx has no deadline, it gives up d+30s
// after it started.
func Record(ctx context.Context, url, out string, d time.Duration, args ...string) (string, error) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return "", errors.New(missingTools([]string{"ffmpeg"}))
	}
	path, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("record %s: %w", url, err)
	}
	ctx, cancel := withDefaultTimeout(ctx, d+recordGrace)
	defer cancel()
	argv := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning"}
	argv = append(argv, ioTimeoutArgs(url, args)...)
	argv = append(argv, args...)
	argv = append(argv, "-i", url, "-t", seconds(d), "-c", "copy", "-y", path)
	if err := runBounded(ctx, "ffmpeg", argv); err != nil {
		return "", fmt.Errorf("record %s: %w", url, err)
	}
	return path, nil
}

// RtmpDump plays the live RTMP stream url with rtmpdump for d and writes it,
// as FLV, into the file out:
//
//	rtmpdump -r url -o out --live --timeout 10 [args]
//
// After d rtmpdump is interrupted, which makes it finish the file; rtmpdump's
// own --stop is not used because it does not end live playback. An earlier
// end of the stream is not an error. If ctx has no deadline, RtmpDump gives
// up d+30s after it started. args are extra rtmpdump options such as
// "--app", "live" or "--conn", "S:token".
func RtmpDump(ctx context.Context, url, out string, d time.Duration, args ...string) error {
	if _, err := exec.LookPath("rtmpdump"); err != nil {
		return errors.New(missingTools([]string{"rtmpdump"}))
	}
	ctx, cancel := withDefaultTimeout(ctx, d+recordGrace)
	defer cancel()
	argv := []string{"-r", url, "-o", out, "--live", "--timeout", fmt.Sprint(int(ioTimeout.Seconds()))}
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, "rtmpdump", argv...)
	output := newTailBuffer(tailSize)
	cmd.Stdout = output
	cmd.Stderr = output
	cmd.WaitDelay = stopGrace
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("rtmpdump %s: %w", url, err)
	}
	// Interrupt rtmpdump after d; it then closes the file and exits with
	// status 2 ("incomplete"), which is the expected end of a live dump.
	timer := time.AfterFunc(d, func() { _ = cmd.Process.Signal(os.Interrupt) })
	err := cmd.Wait()
	interrupted := !timer.Stop()
	if ctx.Err() != nil {
		return fmt.Errorf("rtmpdump %s: %w: %s", url, ctx.Err(), lastLines(output.String(), 10))
	}
	var exit *exec.ExitError
	if interrupted && errors.As(err, &exit) && exit.ExitCode() == 2 {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("rtmpdump %s: %w: %s", url, err, lastLines(output.String(), 10))
	}
	// An FLV file holding no tag is 13 bytes: header and first tag size.
	if info, err := os.Stat(out); err != nil || info.Size() <= 13 {
		return fmt.Errorf("rtmpdump %s: no media received in %v: %s", url, d, lastLines(output.String(), 10))
	}
	return nil
}

// runBounded runs name with argv until it exits or ctx is done. When ctx is
// done the program gets SIGINT, to let it finish its output, and SIGKILL if
// it lingers.
func runBounded(ctx context.Context, name string, argv []string) error {
	cmd := exec.CommandContext(ctx, name, argv...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = stopGrace
	output := newTailBuffer(tailSize)
	cmd.Stdout = output
	cmd.Stderr = output
	err := cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = fmt.Errorf("%w (%v)", ctxErr, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(lastLines(output.String(), 10)))
	}
	return nil
}
