package srt

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Modes of an SRT connection.
const (
	ModePublish = "publish"
	ModeRequest = "request" // play
)

// ErrStreamID reports a streamid that names no stream or an unknown mode.
var ErrStreamID = errors.New("srt: bad streamid")

// StreamID is what an SRT streamid asks for, in SRS's conventions.
type StreamID struct {
	Mode        string // ModePublish or ModeRequest
	Vhost       string // "" unless given (h=, or vhost= in the query)
	App, Stream string
	Param       string // "?k=v&..." for on_publish/on_play, or ""
}

// maxStreamID bounds the streamid parsed (SRT allows 512 bytes).
const maxStreamID = 512

// ParseStreamID reads an SRT streamid as SRS does:
//
//	#!::r=live/livestream,m=publish[,h=vhost][,key=value...]
//	#!::h=live/livestream,m=request          (SRS 4: h holds the path)
//	#!::h=vhost/live/livestream,m=publish    (SRS 4: vhost first)
//	live/livestream[?key=value]              (mode defaultMode)
//	livestream                               (app defaultApp)
//
// Keys other than r, m and h become the query given to callbacks; the
// stream is split from the app at the first slash, as SRS does.
func ParseStreamID(s, defaultApp, defaultMode string) (StreamID, error) {
	if len(s) > maxStreamID {
		return StreamID{}, fmt.Errorf("%w: %d bytes", ErrStreamID, len(s))
	}
	id := StreamID{Mode: defaultMode}
	var path string
	var params []string
	if rest, ok := strings.CutPrefix(s, "#!::"); ok {
		// SRS takes "?" as another separator, for r=live/s?secret=x.
		for kv := range strings.SplitSeq(strings.ReplaceAll(rest, "?", ","), ",") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "r":
				path = v
			case "m":
				switch m := strings.ToLower(v); m {
				case ModePublish, ModeRequest:
					id.Mode = m
				default:
					return StreamID{}, fmt.Errorf("%w: mode %q", ErrStreamID, v)
				}
			case "h":
				if first, after, ok := strings.Cut(v, "/"); ok {
					if strings.Contains(after, "/") { // vhost/app/stream
						id.Vhost, path = first, after
					} else { // app/stream
						path = v
					}
				} else {
					id.Vhost = v
				}
			default:
				params = append(params, kv)
			}
		}
	} else {
		path = s
		if !strings.Contains(path, "/") {
			path = defaultApp + "/" + path
		}
	}
	path, query, _ := strings.Cut(path, "?")
	if query != "" {
		params = append(params, query)
	}
	app, stream, ok := strings.Cut(path, "/")
	if !ok || app == "" || stream == "" {
		return StreamID{}, fmt.Errorf("%w: %q names no app/stream", ErrStreamID, s)
	}
	id.App, id.Stream = app, stream
	if id.Vhost == "" {
		if q, err := url.ParseQuery(strings.Join(params, "&")); err == nil {
			id.Vhost = q.Get("vhost")
		}
	} else {
		params = append([]string{"vhost=" + id.Vhost}, params...)
	}
	if len(params) > 0 {
		id.Param = "?" + strings.Join(params, "&")
	}
	return id, nil
}
