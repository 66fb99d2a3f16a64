// Package heartbeat reports the server to a management service, as SRS's
// heartbeat block does: every interval it POSTs a JSON object with the
// device_id, the server's ip, and as SRS 6 its server and service ids and
// pid, optionally the /api/v1/summaries data ("summaries") and the listen
// ports ("rtmp", "http", "api": arrays of strings; SRS copies the listen
// directives, here they are the ports actually bound, the same for the usual
// "listen 1935;"). A slow or dead receiver costs one timeout per beat and one log
// line until it answers again; beats never pile up.
package heartbeat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cascade-live/cascade/api"
	"github.com/cascade-live/cascade/config"
)

// Config is the heartbeat block.
type Config struct {
	Enabled   bool          // enabled: off by default
	Interval  time.Duration // interval, in seconds: 9.9 s by default
	URL       string        // url: http://127.0.0.1:8085/api/v1/servers by default
	DeviceID  string        // device_id: "my-srs-device" by default
	Summaries bool          // summaries: off by default
	Ports     bool          // ports: off by default
}

// SRS's defaults.
const (
	DefaultInterval = 9900 * time.Millisecond
	DefaultURL      = "http://127.0.0.1:8085/api/v1/servers"
	DefaultDeviceID = "my-srs-device"
)

// ParseConfig reads the top-level heartbeat block of root. When enabled, an
// interval that is not a positive number of seconds, or a url that is not
// http(s), is an error naming the file and line.
func ParseConfig(root *config.Directive) (Config, error) {
	b := root.Get("heartbeat")
	c := Config{Enabled: b.Get("enabled").Arg0() == "on", Interval: DefaultInterval,
		URL: DefaultURL, DeviceID: DefaultDeviceID,
		Summaries: b.Get("summaries").Arg0() == "on", Ports: b.Get("ports").Arg0() == "on"}
	if d := b.Get("device_id"); d != nil {
		c.DeviceID = d.Arg0()
	}
	if d := b.Get("interval"); d != nil {
		sec, err := strconv.ParseFloat(d.Arg0(), 64)
		if err != nil || sec <= 0 {
			return Config{}, config.InvalidValue(d, d.Arg0(), "want a positive number of seconds")
		}
		c.Interval = time.Duration(sec * float64(time.Second))
	}
	if d := b.Get("url"); d != nil {
		c.URL = d.Arg0()
		if u, err := url.Parse(c.URL); c.Enabled && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			return Config{}, config.InvalidValue(d, d.Arg0(), "want an http or https URL")
		}
	}
	return c, nil
}

// Ports are the server's listen ports, as the heartbeat reports them.
type Ports struct {
	RTMP, HTTP, API []string // "1935"…
}

// Source is what a beat reports about the server.
type Source interface {
	IP() string                         // the server's address (stats.network picks it)
	IDs() (server, service, pid string) // as the HTTP API's envelope and SRS 6's heartbeat
	Summary() api.Summary               // as /api/v1/summaries's data
	Ports() Ports
}

// message is the JSON body, with SRS's names.
type message struct {
	DeviceID  string       `json:"device_id"`
	IP        string       `json:"ip"`
	Server    string       `json:"server"`
	Service   string       `json:"service"`
	PID       string       `json:"pid"`
	Summaries *api.Summary `json:"summaries,omitempty"`
	RTMP      []string     `json:"rtmp,omitempty"`
	HTTP      []string     `json:"http,omitempty"`
	API       []string     `json:"api,omitempty"`
}

// Beater sends the heartbeats.
type Beater struct {
	cfg    Config
	src    Source
	log    *slog.Logger
	client *http.Client
	failed bool // the last beat failed: log again only once it worked
}

// New returns a Beater for cfg; Run sends the beats.
func New(cfg Config, src Source, log *slog.Logger) *Beater {
	if log == nil {
		log = slog.Default()
	}
	// A beat must be over before the next one is due.
	timeout := min(cfg.Interval, 10*time.Second)
	return &Beater{cfg: cfg, src: src, log: log, client: &http.Client{Timeout: timeout}}
}

// Run sends a beat every interval until ctx ends.
func (b *Beater) Run(ctx context.Context) {
	t := time.NewTicker(b.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.beat(ctx)
		}
	}
}

// Body returns the JSON a beat sends now.
func (b *Beater) Body() ([]byte, error) {
	m := message{DeviceID: b.cfg.DeviceID, IP: b.src.IP()}
	m.Server, m.Service, m.PID = b.src.IDs()
	if b.cfg.Summaries {
		s := b.src.Summary()
		m.Summaries = &s
	}
	if b.cfg.Ports {
		p := b.src.Ports()
		m.RTMP, m.HTTP, m.API = p.RTMP, p.HTTP, p.API
	}
	return json.Marshal(m)
}

func (b *Beater) beat(ctx context.Context) {
	err := b.post(ctx)
	switch {
	case err != nil && !b.failed && ctx.Err() == nil:
		b.failed = true
		b.log.Warn("heartbeat failed; retrying every interval, quiet until it works", "url", b.cfg.URL, "err", err)
	case err == nil && b.failed:
		b.failed = false
		b.log.Info("heartbeat works again", "url", b.cfg.URL)
	}
}

func (b *Beater) post(ctx context.Context) error {
	body, err := b.Body()
	if err != nil {
		return fmt.Errorf("heartbeat: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("heartbeat: %s answered %s", b.cfg.URL, resp.Status)
	}
	return nil
}
