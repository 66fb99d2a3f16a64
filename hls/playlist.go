package hls

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Playlist is an RFC 8216 media playlist, the subset this package writes
// and reads back: version, target duration, media and discontinuity
// sequence numbers, segments with EXTINF, EXT-X-DISCONTINUITY and
// EXT-X-KEY, and EXT-X-ENDLIST.
type Playlist struct {
	Version               int
	TargetDuration        int // seconds
	MediaSequence         int
	DiscontinuitySequence int
	Segments              []Segment
	EndList               bool
}

// Segment is one media segment of a Playlist.
type Segment struct {
	Duration      time.Duration // EXTINF, written with millisecond precision
	Title         string        // EXTINF title
	URI           string
	Discontinuity bool // an EXT-X-DISCONTINUITY precedes the segment
	Key           *Key // encryption in effect, nil for none
}

// Key is the value of an EXT-X-KEY tag.
type Key struct {
	Method string // "AES-128" or "SAMPLE-AES"
	URI    string
	IV     [16]byte
	HasIV  bool
}

// Key methods.
const (
	MethodNone      = "NONE"
	MethodAES128    = "AES-128"
	MethodSampleAES = "SAMPLE-AES"
)

// Duration returns the sum of the segments' durations.
func (p *Playlist) Duration() time.Duration {
	var d time.Duration
	for _, s := range p.Segments {
		d += s.Duration
	}
	return d
}

func sameKey(a, b *Key) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Append appends the playlist in its text form to dst. An EXT-X-KEY tag is
// written before the first segment and wherever the key changes; it is
// METHOD=NONE where encryption stops.
func (p *Playlist) Append(dst []byte) []byte {
	dst = append(dst, "#EXTM3U\n"...)
	if p.Version > 0 {
		dst = appendIntTag(dst, "#EXT-X-VERSION:", p.Version)
	}
	dst = appendIntTag(dst, "#EXT-X-MEDIA-SEQUENCE:", p.MediaSequence)
	dst = appendIntTag(dst, "#EXT-X-TARGETDURATION:", p.TargetDuration)
	if p.DiscontinuitySequence > 0 {
		dst = appendIntTag(dst, "#EXT-X-DISCONTINUITY-SEQUENCE:", p.DiscontinuitySequence)
	}
	var key *Key
	for i, s := range p.Segments {
		if s.Discontinuity {
			dst = append(dst, "#EXT-X-DISCONTINUITY\n"...)
		}
		if (i == 0 && s.Key != nil) || (i > 0 && !sameKey(key, s.Key)) {
			dst = appendKey(dst, s.Key)
		}
		key = s.Key
		dst = append(dst, "#EXTINF:"...)
		dst = strconv.AppendFloat(dst, float64(s.Duration.Round(time.Millisecond))/float64(time.Second), 'f', 3, 64)
		dst = append(dst, ',')
		if s.Title != "" {
			dst = append(dst, ' ')
			dst = append(dst, oneLine(s.Title)...)
		}
		dst = append(dst, '\n')
		dst = append(dst, oneLine(s.URI)...)
		dst = append(dst, '\n')
	}
	if p.EndList {
		dst = append(dst, "#EXT-X-ENDLIST\n"...)
	}
	return dst
}

// String returns the text form of the playlist.
func (p *Playlist) String() string { return string(p.Append(nil)) }

func appendIntTag(dst []byte, tag string, v int) []byte {
	dst = append(dst, tag...)
	dst = strconv.AppendInt(dst, int64(v), 10)
	return append(dst, '\n')
}

func appendKey(dst []byte, k *Key) []byte {
	if k == nil {
		return append(dst, "#EXT-X-KEY:METHOD=NONE\n"...)
	}
	dst = append(dst, "#EXT-X-KEY:METHOD="...)
	dst = append(dst, k.Method...)
	dst = append(dst, ",URI=\""...)
	dst = append(dst, strings.NewReplacer(`"`, "%22", "\n", "%0A", "\r", "%0D").Replace(k.URI)...)
	dst = append(dst, '"')
	if k.HasIV {
		dst = append(dst, ",IV=0x"...)
		dst = hex.AppendEncode(dst, k.IV[:])
	}
	return append(dst, '\n')
}

// oneLine keeps a title or URI on its line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\n", "%0A", "\r", "%0D").Replace(s)
}

// maxSegmentDuration bounds EXTINF values so that they fit a Duration.
const maxSegmentDuration = 1e6 // seconds

// ParsePlaylist parses a media playlist. Tags it does not know are
// skipped, as RFC 8216 asks of clients; malformed known tags, a URI
// without EXTINF or an EXTINF without URI are errors wrapping ErrPlaylist
// with the line number.
func ParsePlaylist(b []byte) (*Playlist, error) {
	p := &Playlist{}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	var (
		seen    bool // #EXTM3U
		pending *Segment
		key     *Key
		disc    bool
	)
	for n := 1; len(b) > 0; n++ {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		s := strings.TrimSpace(string(line))
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%w: line %d: %s", ErrPlaylist, n, fmt.Sprintf(format, args...))
		}
		if s == "" {
			continue
		}
		if !seen {
			if s != "#EXTM3U" {
				return nil, fail("missing #EXTM3U")
			}
			seen = true
			continue
		}
		if !strings.HasPrefix(s, "#") {
			if pending == nil {
				return nil, fail("URI without #EXTINF")
			}
			pending.URI = s
			pending.Key = key
			pending.Discontinuity = disc
			p.Segments = append(p.Segments, *pending)
			pending, disc = nil, false
			continue
		}
		name, value, _ := strings.Cut(s, ":")
		var err error
		switch name {
		case "#EXT-X-VERSION":
			p.Version, err = parseDecimal(value)
		case "#EXT-X-TARGETDURATION":
			p.TargetDuration, err = parseDecimal(value)
		case "#EXT-X-MEDIA-SEQUENCE":
			p.MediaSequence, err = parseDecimal(value)
		case "#EXT-X-DISCONTINUITY-SEQUENCE":
			p.DiscontinuitySequence, err = parseDecimal(value)
		case "#EXT-X-DISCONTINUITY":
			disc = true
		case "#EXT-X-ENDLIST":
			p.EndList = true
		case "#EXT-X-KEY":
			key, err = parseKey(value)
		case "#EXTINF":
			if pending != nil {
				return nil, fail("#EXTINF without URI")
			}
			pending = &Segment{}
			pending.Duration, pending.Title, err = parseExtinf(value)
		}
		if err != nil {
			return nil, fail("%s: %v", name, err)
		}
	}
	if !seen {
		return nil, fmt.Errorf("%w: empty", ErrPlaylist)
	}
	if pending != nil {
		return nil, fmt.Errorf("%w: #EXTINF without URI at the end", ErrPlaylist)
	}
	return p, nil
}

// parseDecimal reads an RFC 8216 decimal-integer that fits an int.
func parseDecimal(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a decimal integer", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q out of range", s)
	}
	return n, nil
}

func parseExtinf(v string) (time.Duration, string, error) {
	d, title, _ := strings.Cut(v, ",")
	f, err := strconv.ParseFloat(strings.TrimSpace(d), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxSegmentDuration {
		return 0, "", fmt.Errorf("duration %q", d)
	}
	return time.Duration(math.Round(f * float64(time.Second))), strings.TrimSpace(title), nil
}

// parseKey reads an EXT-X-KEY attribute list; METHOD=NONE gives nil.
func parseKey(v string) (*Key, error) {
	attrs, err := parseAttributes(v)
	if err != nil {
		return nil, err
	}
	k := &Key{Method: attrs["METHOD"]}
	switch k.Method {
	case MethodNone:
		return nil, nil
	case MethodAES128, MethodSampleAES:
	case "":
		return nil, fmt.Errorf("no METHOD")
	default:
		return nil, fmt.Errorf("METHOD %q", k.Method)
	}
	uri, ok := attrs["URI"]
	if !ok {
		return nil, fmt.Errorf("no URI")
	}
	k.URI = uri
	if iv, ok := attrs["IV"]; ok {
		h, found := strings.CutPrefix(iv, "0x")
		if !found {
			h, found = strings.CutPrefix(iv, "0X")
		}
		if !found || h == "" || len(h) > 32 {
			return nil, fmt.Errorf("IV %q", iv)
		}
		h = strings.Repeat("0", 32-len(h)) + h
		if _, err := hex.Decode(k.IV[:], []byte(h)); err != nil {
			return nil, fmt.Errorf("IV %q", iv)
		}
		k.HasIV = true
	}
	return k, nil
}

// parseAttributes reads an attribute-list: NAME=value pairs separated by
// commas, values quoted ("…", the quotes removed) or not.
func parseAttributes(s string) (map[string]string, error) {
	attrs := make(map[string]string)
	for s != "" {
		name, rest, ok := strings.Cut(s, "=")
		if !ok || name == "" || strings.TrimLeft(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return nil, fmt.Errorf("attribute %q", s)
		}
		var value string
		if quoted, ok := strings.CutPrefix(rest, `"`); ok {
			end := strings.IndexByte(quoted, '"')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quoted string in %s", name)
			}
			value, rest = quoted[:end], quoted[end+1:]
			if rest != "" && rest[0] != ',' {
				return nil, fmt.Errorf("text after quoted string in %s", name)
			}
			rest = strings.TrimPrefix(rest, ",")
		} else {
			value, rest, _ = strings.Cut(rest, ",")
		}
		if _, dup := attrs[name]; dup {
			return nil, fmt.Errorf("attribute %s twice", name)
		}
		attrs[name] = value
		s = rest
	}
	return attrs, nil
}

// AppendWithQuery appends playlist to dst with name=value added to the
// query of every URI line (lines that are neither blank nor tags), as
// hls_ctx sessions need. It is done per request, so it makes no garbage.
func AppendWithQuery(dst, playlist []byte, name, value string) []byte {
	for len(playlist) > 0 {
		line := playlist
		if i := bytes.IndexByte(playlist, '\n'); i >= 0 {
			line = playlist[:i+1]
		}
		playlist = playlist[len(line):]
		uri := bytes.TrimRight(line, "\r\n")
		if len(uri) == 0 || uri[0] == '#' {
			dst = append(dst, line...)
			continue
		}
		dst = append(dst, uri...)
		if bytes.IndexByte(uri, '?') >= 0 {
			dst = append(dst, '&')
		} else {
			dst = append(dst, '?')
		}
		dst = append(dst, name...)
		dst = append(dst, '=')
		dst = append(dst, value...)
		dst = append(dst, line[len(uri):]...)
	}
	return dst
}
