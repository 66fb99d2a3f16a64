package hls

import (
	"path"
	"strings"
)

// names are the paths of one stream's playlist.
type names struct {
	m3u8Rel  string // hls_m3u8_file expanded: the playlist under hls_path
	m3u8File string // hls_path/m3u8Rel, as SRS joins them
	m3u8URL  string // URL path of the playlist
}

func newNames(cfg *Config, id StreamID) names {
	v := pathVars{id: id}
	rel := v.expand(cfg.M3U8File)
	return names{m3u8Rel: rel, m3u8File: cfg.Path + "/" + rel, m3u8URL: urlPath(rel)}
}

// urlPath is the URL path of a file rel under its root.
func urlPath(rel string) string { return path.Clean("/" + rel) }

// entryURI is a segment's URI in the playlist, as SRS makes it: relative
// to the playlist's directory, behind hls_entry_prefix (with the
// playlist's directory, unless the prefix ends in "/"). A segment outside
// the playlist's directory gets its absolute URL path, where SRS would
// write a file system path.
func entryURI(prefix, m3u8Rel, rel string) string {
	dir := path.Dir(path.Clean("/" + m3u8Rel))
	uri := path.Clean("/" + rel)
	if under, ok := strings.CutPrefix(uri, strings.TrimSuffix(dir, "/")+"/"); ok {
		uri = under
	}
	if prefix == "" {
		return uri
	}
	if strings.HasPrefix(uri, "/") {
		return strings.TrimRight(prefix, "/") + uri
	}
	if strings.HasSuffix(prefix, "/") {
		return prefix + uri
	}
	if dir != "/" {
		return prefix + dir + "/" + uri
	}
	return prefix + "/" + uri
}

// keyURI is the URI of a key in EXT-X-KEY: hls_key_url followed by the
// key file's name as SRS writes it or, without hls_key_url, a URI the
// player resolves against the playlist (SRS's bare file name only works
// when the playlist sits at the root).
func keyURI(cfg *Config, m3u8Rel, rel string) string {
	if cfg.KeyURL != "" {
		return cfg.KeyURL + rel
	}
	return entryURI("", m3u8Rel, rel)
}

// hookURL is on_hls's url: the URI under the playlist's directory, unless
// it is absolute.
func hookURL(m3u8Rel, uri string) string {
	if strings.Contains(uri, "://") || strings.HasPrefix(uri, "/") {
		return uri
	}
	if dir := path.Dir(m3u8Rel); dir != "." && dir != "/" {
		return dir + "/" + uri
	}
	return uri
}
