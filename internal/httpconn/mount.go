package httpconn

import "strings"

// matchMount matches an HTTP path against an http_remux mount such as
// "[vhost]/[app]/[stream].flv" (the vhost part comes from the Host header,
// as in SRS). [app] may span several path segments; [stream] is one.
func matchMount(mount, path string) (app, stream string, ok bool) {
	mount = strings.TrimPrefix(mount, "[vhost]")
	if !strings.HasPrefix(mount, "/") {
		mount = "/" + mount
	}
	const appTok, streamTok = "[app]", "[stream]"
	ai := strings.Index(mount, appTok)
	si := strings.Index(mount, streamTok)
	if si < 0 {
		return "", "", mount == path
	}
	// Literal prefix before the first placeholder and suffix after [stream].
	suffix := mount[si+len(streamTok):]
	if !strings.HasSuffix(path, suffix) {
		return "", "", false
	}
	rest := strings.TrimSuffix(path, suffix)
	if ai < 0 || ai > si {
		// Only [stream] (or [app] after it, which SRS does not use).
		prefix := mount[:si]
		if !strings.HasPrefix(rest, prefix) {
			return "", "", false
		}
		stream = rest[len(prefix):]
		return "", stream, stream != "" && !strings.Contains(stream, "/")
	}
	prefix := mount[:ai]
	mid := mount[ai+len(appTok) : si] // usually "/"
	if !strings.HasPrefix(rest, prefix) {
		return "", "", false
	}
	rest = rest[len(prefix):]
	j := strings.LastIndex(rest, mid)
	if mid == "" || j <= 0 {
		return "", "", false
	}
	app, stream = rest[:j], rest[j+len(mid):]
	if stream == "" || strings.Contains(stream, "/") {
		return "", "", false
	}
	return app, stream, true
}
