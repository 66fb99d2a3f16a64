// Package metrics is the Prometheus exporter: SRS's exporter metrics
// (srs_build_info, srs_cpu_percent, srs_clients…, with SRS's names, types
// and labels, so SRS dashboards work unchanged) plus per-stream series
// labelled vhost, app and stream.
//
// The collector does its work at scrape time only: it reads the snapshots a
// Source returns and builds constant metrics from them, so the server's
// media path keeps nothing for the exporter beyond the counters it already
// has. A stream missing from a snapshot has no series in that scrape.
package metrics
