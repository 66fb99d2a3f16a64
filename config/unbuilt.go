package config

import (
	"cmp"
	"slices"
	"strings"
)

// unbuilt lists the SRS features cascade does not implement yet, by the
// dotted path of the directive that turns each on ("vhost." paths are
// looked for in every vhost). A block is on when it has "enabled on"; for
// the entries whose key has "=", when the named child has that value. Each
// gets a warning at start naming where it is set. Remove an entry when its
// feature lands.
var unbuilt = map[string]string{
	"vhost.dash":        "dash: not supported yet; no MPEG-DASH will be served",
	"vhost.rtc":         "rtc: not supported yet; WebRTC will not be served",
	"vhost.rtsp":        "rtsp: not supported yet; RTSP will not be served",
	"rtc_server":        "rtc_server: not supported yet; nothing will listen for WebRTC",
	"rtsp_server":       "rtsp_server: not supported yet; nothing will listen for RTSP",
	"rtmps":             "rtmps: not supported yet; nothing will listen for RTMPS",
	"http_api.https":    "http_api.https: not supported yet; the API will be served over plain HTTP only",
	"http_server.https": "http_server.https: not supported yet; streams will be served over plain HTTP only",
	"tencentcloud_cls":  "tencentcloud_cls: not supported yet; no logs will be sent",
	"tencentcloud_apm":  "tencentcloud_apm: not supported yet; no traces will be sent",
}

// unbuiltDirectives returns a warning for each directive under root that
// turns on a feature listed in unbuilt.
func unbuiltDirectives(root *Directive) []string {
	type hit struct {
		at  *Directive
		msg string
	}
	var hits []hit
	for key, msg := range unbuilt {
		path, cond, _ := strings.Cut(key, "/")
		child, value := "enabled", "on"
		if cond != "" {
			child, value, _ = strings.Cut(cond, "=")
		}
		for _, d := range find(root, strings.Split(path, ".")) {
			if c := d.Get(child); c != nil && c.Arg0() == value {
				hits = append(hits, hit{c, msg})
			}
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(strings.Compare(a.at.File, b.at.File), cmp.Compare(a.at.Line, b.at.Line), strings.Compare(a.msg, b.msg))
	})
	warnings := make([]string, 0, len(hits))
	for _, h := range hits {
		warnings = append(warnings, warning(h.at, "%s", h.msg))
	}
	return warnings
}

// find returns the directives at path under d, following every directive
// of each name on the way.
func find(d *Directive, path []string) []*Directive {
	if len(path) == 0 {
		return []*Directive{d}
	}
	var out []*Directive
	for _, c := range d.All(path[0]) {
		out = append(out, find(c, path[1:])...)
	}
	return out
}
