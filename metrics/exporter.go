package metrics

import (
	"net/http"
	"strings"

	"github.com/cascade-live/cascade/config"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultListen is where SRS's exporter listens unless told otherwise.
const DefaultListen = ":9972"

// Exporter is SRS's exporter block:
//
//	exporter { enabled on; listen 9972; label cn-beijing; tag cn-edge; }
type Exporter struct {
	Enabled bool   // enabled: off by default
	Listen  string // listen: DefaultListen by default; a bare port becomes ":port"
	Label   string // label
	Tag     string // tag
}

// ExporterConfig reads the exporter block of a configuration's root.
func ExporterConfig(root *config.Directive) Exporter {
	d := root.Get("exporter")
	e := Exporter{
		Enabled: d.Get("enabled").Arg0() == "on",
		Listen:  d.Get("listen").Arg0(),
		Label:   d.Get("label").Arg0(),
		Tag:     d.Get("tag").Arg0(),
	}
	switch {
	case e.Listen == "":
		e.Listen = DefaultListen
	case !strings.Contains(e.Listen, ":"):
		e.Listen = ":" + e.Listen
	}
	return e
}

// Handler serves reg's metrics in the Prometheus text format on /metrics,
// SRS's exporter path; other paths are 404.
func Handler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		// A failing collector costs its own series, not the whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
	}))
	return mux
}
