// Package coworkers is SRS's origin cluster: origins that know each other
// (cluster { origin_cluster on; coworkers host:port …; }) answer
// /api/v1/clusters with where a stream is published, and an origin asked
// for a stream it does not have asks its coworkers and redirects the
// player there (RTMP 302 or HTTP 302).
package coworkers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Origin is the "origin" object of /api/v1/clusters: where a coworker
// publishes the stream. The fields are SRS's; HTTPPort is cascade's
// addition (the port HTTP-FLV players are redirected to), ignored by SRS.
type Origin struct {
	IP       string   `json:"ip"`
	Port     int      `json:"port"` // RTMP
	Vhost    string   `json:"vhost"`
	API      string   `json:"api"`
	Routers  []string `json:"routers"`
	HTTPPort int      `json:"http_port,omitempty"`
}

// RTMP is the origin's RTMP host:port.
func (o *Origin) RTMP() string { return net.JoinHostPort(o.IP, strconv.Itoa(o.Port)) }

// HTTP is the origin's HTTP host:port, or "" when it did not say.
func (o *Origin) HTTP() string {
	if o.HTTPPort == 0 {
		return ""
	}
	return net.JoinHostPort(o.IP, strconv.Itoa(o.HTTPPort))
}

// Query is the "query" object of /api/v1/clusters, echoing the request.
type Query struct {
	IP     string `json:"ip"`
	Vhost  string `json:"vhost"`
	App    string `json:"app"`
	Stream string `json:"stream"`
}

// Answer is the "data" of /api/v1/clusters.
type Answer struct {
	Query  Query   `json:"query"`
	Origin *Origin `json:"origin"` // null when the stream is not published here
}

// ErrNotFound reports that no coworker publishes the stream.
var ErrNotFound = errors.New("coworkers: no coworker publishes the stream")

// maxAnswer bounds a coworker's answer.
const maxAnswer = 64 << 10

var httpClient = &http.Client{Timeout: 3 * time.Second}

// Find asks each coworker (HTTP API host:port) in turn, as SRS does, and
// returns the first that publishes vhost/app/stream. host is the host the
// player asked for (SRS's "ip" query field).
func Find(ctx context.Context, coworkers []string, vhost, host, app, stream string) (*Origin, error) {
	var errs []error
	for _, cw := range coworkers {
		o, err := ask(ctx, cw, vhost, host, app, stream)
		if err == nil {
			return o, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("%w: %s/%s/%s: %w", ErrNotFound, vhost, app, stream, errors.Join(errs...))
}

func ask(ctx context.Context, coworker, vhost, host, app, stream string) (*Origin, error) {
	// SRS writes the query in this order, with host:port values unescaped.
	u := "http://" + coworker + "/api/v1/clusters?vhost=" + esc(vhost) + "&ip=" + esc(host) + "&app=" + esc(app) +
		"&stream=" + esc(stream) + "&coworker=" + esc(coworker)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("coworker %s: %w", coworker, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("coworker %s: %w", coworker, err)
	}
	var r struct {
		Code int     `json:"code"`
		Data *Answer `json:"data"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("coworker %s: %w", coworker, err)
	}
	if r.Code != 0 || r.Data == nil || r.Data.Origin == nil || r.Data.Origin.IP == "" || r.Data.Origin.Port == 0 {
		return nil, fmt.Errorf("coworker %s: %w", coworker, ErrNotFound)
	}
	return r.Data.Origin, nil
}

// Describe builds this server's Origin for a stream it publishes, as SRS's
// dumps does: the RTMP listener's port; its IP unless it listens on all
// addresses or loopback, in which case the host the coworker was asked by
// (its "coworker" query field) names this server.
func Describe(rtmp, httpAddr, api net.Addr, vhost, coworker string) *Origin {
	ip, port := split(rtmp)
	if ip == "" || net.ParseIP(ip).IsUnspecified() {
		if h, _, err := net.SplitHostPort(coworker); err == nil {
			ip = h
		} else if coworker != "" {
			ip = coworker
		}
	}
	o := &Origin{IP: ip, Port: port, Vhost: vhost}
	if _, hp := split(httpAddr); hp != 0 {
		o.HTTPPort = hp
	}
	if _, ap := split(api); ap != 0 {
		o.API = net.JoinHostPort(ip, strconv.Itoa(ap))
		o.Routers = []string{o.API}
	}
	return o
}

// esc escapes a query value but leaves ':' alone, as SRS writes host:port.
func esc(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "%3A", ":") }

func split(a net.Addr) (string, int) {
	if a == nil {
		return "", 0
	}
	h, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return "", 0
	}
	n, _ := strconv.Atoi(p)
	return h, n
}
