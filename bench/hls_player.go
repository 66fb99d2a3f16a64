package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// hlsRun is what HLS players share: an HTTP client with keep-alive
// connections (one or two per player, as a browser's) and the histogram of
// segment fetch times.
type hlsRun struct {
	client    *http.Client
	fetch     latencyHist // request to last byte of each segment
	segments  atomic.Uint64
	playlists atomic.Uint64
	errors    atomic.Uint64
}

func newHLSRun(players int) *hlsRun {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: players + 1,
		MaxIdleConns:        players + 1,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &hlsRun{client: &http.Client{Transport: tr}}
}

// HLSReport sums up the HLS players' fetches over the steady window.
type HLSReport struct {
	Segments  uint64         `json:"segments"`
	Playlists uint64         `json:"playlists"`
	Errors    uint64         `json:"errors"`
	Fetch     DeliveryReport `json:"segment_fetch"`
}

func (h *hlsRun) report() *HLSReport {
	return &HLSReport{Segments: h.segments.Load(), Playlists: h.playlists.Load(), Errors: h.errors.Load(), Fetch: h.fetch.report()}
}

var errPlaylistNotFound = protoErr("playlist status 404")

// maxPlaylist bounds a playlist the player reads.
const maxPlaylist = 1 << 20

// playlist is what an HLS player needs of a media playlist.
type playlist struct {
	target   time.Duration
	sequence uint64   // of the first segment
	segments []string // URIs
}

func parsePlaylist(r io.Reader) (*playlist, error) {
	pl := &playlist{}
	sc := bufio.NewScanner(io.LimitReader(r, maxPlaylist))
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case first:
			if line != "#EXTM3U" {
				return nil, protoErr("not a playlist")
			}
			first = false
		case strings.HasPrefix(line, "#EXT-X-TARGETDURATION:"):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "#EXT-X-TARGETDURATION:"))
			if err != nil || n <= 0 {
				return nil, protoErr("bad target duration")
			}
			pl.target = time.Duration(n) * time.Second
		case strings.HasPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"):
			n, err := strconv.ParseUint(strings.TrimPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"), 10, 64)
			if err != nil {
				return nil, protoErr("bad media sequence")
			}
			pl.sequence = n
		case line != "" && !strings.HasPrefix(line, "#"):
			pl.segments = append(pl.segments, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if first || pl.target == 0 {
		return nil, protoErr("not a media playlist")
	}
	return pl, nil
}

// play follows a live playlist as hls.js does: it starts three segments
// from the end, fetches each new segment once, and reloads the playlist
// every target duration (half of it when nothing changed).
func (h *hlsRun) play(ctx context.Context, p *player, t *Target, cfg *Config, buf []byte) {
	plURL := t.URL
	var next uint64 // the next segment to fetch; 0 before the first playlist
	setup := time.Now().Add(cfg.Timeout)
	for {
		pl, final, err := h.getPlaylist(ctx, plURL, cfg.Timeout)
		if err == errPlaylistNotFound && next == 0 && time.Now().Before(setup) {
			// Not published yet: retry within the setup timeout, as
			// hls.js does.
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		if err != nil {
			if ctx.Err() == nil { // not the end of the run
				h.errors.Add(1)
			}
			p.fail(ctx, "playlist", err)
			return
		}
		plURL = final // keep the session URL (hls_ctx) a redirect gave
		p.state.Store(statePlaying)
		end := pl.sequence + uint64(len(pl.segments))
		if next == 0 {
			next = max(pl.sequence, end-min(end, 3))
		}
		changed := false
		for ; next < end; next++ {
			if next < pl.sequence {
				next = pl.sequence // fell behind the window
			}
			seg, err := plURL.Parse(pl.segments[next-pl.sequence])
			if err != nil {
				p.fail(ctx, "segment", err)
				return
			}
			if err := h.getSegment(ctx, p, seg, buf); err != nil {
				if ctx.Err() == nil {
					h.errors.Add(1)
				}
				p.fail(ctx, "segment", err)
				return
			}
			changed = true
		}
		wait := pl.target
		if !changed {
			wait /= 2
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

func (h *hlsRun) getPlaylist(ctx context.Context, u *url.URL, timeout time.Duration) (*playlist, *url.URL, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, nil, errPlaylistNotFound
	default:
		return nil, nil, protoErr(fmt.Sprintf("playlist status %d", resp.StatusCode))
	}
	h.playlists.Add(1)
	pl, err := parsePlaylist(resp.Body)
	return pl, resp.Request.URL, err
}

// getSegment fetches one segment, counting its bytes as media.
func (h *hlsRun) getSegment(ctx context.Context, p *player, u *url.URL, buf []byte) error {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return protoErr(fmt.Sprintf("segment status %d", resp.StatusCode))
	}
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			p.account(n, uint64(n))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	h.fetch.add(time.Since(start))
	if h.fetch.on.Load() {
		h.segments.Add(1)
	}
	if p.firstMedia.Load() == 0 {
		now := int64(max(p.clock()-p.start, 1))
		p.firstMedia.Store(now)
		p.firstVideo.Store(now) // a segment starts with a keyframe
		p.firstVideoKey.Store(1)
	}
	return nil
}
