// Package api serves SRS's HTTP management API (/api/v1/...) over net/http.
//
// The server implements Provider with snapshots of its vhosts, streams and
// clients; NewHandler encodes them in SRS's JSON shapes, with SRS's envelope
// ({"code":0,"server":…,"service":…,"pid":…}), its error codes (HTTP 200
// with a non-zero code), its paging, JSONP, CORS and basic authentication,
// so scripts and dashboards written for SRS work unchanged.
//
// Two helpers feed the snapshots: KbpsMeter turns byte counters sampled
// every few seconds into SRS's 30-second average kbps, and HostSampler reads
// /proc for the self and system parts of /api/v1/summaries.
//
// This is the management plane: nothing here runs on the media path.
package api
