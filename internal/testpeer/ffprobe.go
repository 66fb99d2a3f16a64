package testpeer

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

const (
	// defaultTimeout bounds a one-shot peer run whose context has no deadline.
	defaultTimeout = 30 * time.Second
	// ioTimeout is the -rw_timeout given to ffmpeg and ffprobe for network
	// URLs, so that a stalled server ends the read instead of hanging it.
	ioTimeout = 10 * time.Second
)

// isNetworkURL reports whether target is a network URL rather than a file.
func isNetworkURL(target string) bool {
	scheme, _, ok := strings.Cut(target, "://")
	return ok && scheme != "file"
}

// ioTimeoutArgs returns -rw_timeout for a network target unless args set it.
func ioTimeoutArgs(target string, args []string) []string {
	if !isNetworkURL(target) || slices.Contains(args, "-rw_timeout") {
		return nil
	}
	return []string{"-rw_timeout", fmt.Sprint(ioTimeout.Microseconds())}
}

// withDefaultTimeout gives ctx a deadline of d from now if it has none.
func withDefaultTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// ffprobe runs ffprobe with the input options args on target, followed by
// the output options show, and returns its standard output (JSON).
func ffprobe(ctx context.Context, target string, args, show []string) ([]byte, error) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		return nil, errors.New(missingTools([]string{"ffprobe"}))
	}
	ctx, cancel := withDefaultTimeout(ctx, defaultTimeout)
	defer cancel()
	argv := []string{"-hide_banner", "-v", "error"}
	argv = append(argv, ioTimeoutArgs(target, args)...)
	argv = append(argv, args...)
	argv = append(argv, show...)
	argv = append(argv, "-of", "json", target)
	cmd := exec.CommandContext(ctx, "ffprobe", argv...)
	stderr := newTailBuffer(tailSize)
	cmd.Stderr = stderr
	cmd.WaitDelay = stopGrace
	out, err := cmd.Output()
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return nil, fmt.Errorf("ffprobe %s: %w: %s", target, err, strings.TrimSpace(lastLines(stderr.String(), 10)))
	}
	return out, nil
}
