package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/testpeer"
)

// TestGrafanaDashboardMetrics: every metric the Grafana dashboard in deploy/
// queries, and every label its variables list, is in a real scrape of the
// exporter while ffmpeg publishes and RTMP, HTTP-FLV and HLS players play.
func TestGrafanaDashboardMetrics(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	raw, err := os.ReadFile("../deploy/grafana-dashboard.json")
	require.NoError(t, err)
	var dash any
	require.NoError(t, json.Unmarshal(raw, &dash))
	var exprs, variables []string
	walkJSON(dash, "", func(key, s string) {
		switch key {
		case "expr":
			exprs = append(exprs, s)
		case "definition":
			variables = append(variables, s)
		}
	})
	require.GreaterOrEqual(t, len(exprs), 15, "the dashboard's queries")
	require.Len(t, variables, 3, "vhost, app and stream")

	conf := fmt.Sprintf(`
listen 127.0.0.1:0;
http_server { enabled on; listen 127.0.0.1:0; }
exporter { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ {
    hls { enabled on; hls_fragment 1; hls_window 10; hls_path %s; }
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
}
`, t.TempDir())
	ts, _ := startServerConf(t, conf)
	testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("g"), testpeer.PublishOptions{Loop: true})
	src := ts.source("g", true)
	dialRaw(t, ts.RTMPAddr(), 0).play("g")
	flv, err := http.Get(ts.flvURL("g"))
	require.NoError(t, err)
	defer flv.Body.Close()
	go func() { _, _ = io.Copy(io.Discard, flv.Body) }()
	waitFor(t, 20*time.Second, "an HLS playlist", func() bool {
		resp, err := http.Get("http://" + ts.HTTPAddr().String() + "/live/g.m3u8")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	waitFor(t, 10*time.Second, "two players", func() bool { return src.Consumers() == 2 })

	scrape := func() map[string][]string {
		resp, err := http.Get("http://" + ts.MgmtAddr("exporter").String() + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return seriesByName(string(b))
	}
	var series map[string][]string
	waitFor(t, 10*time.Second, "players of the three protocols in the scrape", func() bool {
		series = scrape()
		all := strings.Join(series["srs_stream_players"], "\n")
		return strings.Contains(all, `protocol="rtmp"`) && strings.Contains(all, `protocol="flv"`) && strings.Contains(all, `protocol="hls"`)
	})

	names := map[string]bool{}
	for _, e := range exprs {
		for _, n := range promQLMetrics(e) {
			names[n] = true
		}
	}
	for _, v := range variables {
		m := labelValuesQuery.FindStringSubmatch(v)
		require.NotNil(t, m, "variable query %q is not label_values(metric, label)", v)
		names[m[1]] = true
		require.NotEmpty(t, series[m[1]], "variable %q: no series", v)
		assert.Contains(t, series[m[1]][0], m[2]+`="`, "variable %q: the metric has no label %s", v, m[2])
	}
	require.GreaterOrEqual(t, len(names), 12, "metric names in the dashboard: %v", names)
	for n := range names {
		assert.NotEmpty(t, series[n], "the dashboard queries %s, which the exporter does not export", n)
	}
}

// TestPromQLMetrics checks the metric-name extraction the dashboard test uses.
func TestPromQLMetrics(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`srs_cpu_percent`, []string{"srs_cpu_percent"}},
		{`srs_memory * 1024`, []string{"srs_memory"}},
		{`rate(srs_send_bytes_total[$__rate_interval]) * 8`, []string{"srs_send_bytes_total"}},
		{`sum by (protocol) (srs_stream_players{vhost=~"$vhost",app=~"a b"})`, []string{"srs_stream_players"}},
		{`a_total / on (x) group_left b_info{y="1"} > bool 0`, []string{"a_total", "b_info"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, promQLMetrics(tt.expr), tt.expr)
	}
}

// walkJSON calls fn with every string value in v and its key.
func walkJSON(v any, key string, fn func(key, s string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			walkJSON(e, k, fn)
		}
	case []any:
		for _, e := range x {
			walkJSON(e, key, fn)
		}
	case string:
		fn(key, x)
	}
}

var (
	labelValuesQuery = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{[^}]*\})?\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)
	promQLStrings    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promQLRemove     = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promQLIdent      = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?`)
	promQLKeywords   = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true,
		"group_right": true, "bool": true, "and": true, "or": true, "unless": true, "offset": true}
)

// promQLMetrics lists the metric names a PromQL expression selects: the
// identifiers left once strings, label matchers, ranges, groupings,
// functions and keywords are taken out.
func promQLMetrics(expr string) []string {
	s := promQLRemove.ReplaceAllString(promQLStrings.ReplaceAllString(expr, `""`), " ")
	var out []string
	for _, m := range promQLIdent.FindAllStringSubmatch(s, -1) {
		if m[2] == "(" || promQLKeywords[m[1]] {
			continue
		}
		out = append(out, m[1])
	}
	return out
}

// seriesByName groups the samples of a Prometheus text scrape by metric name.
func seriesByName(text string) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := line
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name = line[:i]
		}
		out[name] = append(out[name], line)
	}
	return out
}
