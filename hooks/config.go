package hooks

import (
	"fmt"
	"net/url"

	"github.com/cascade-live/cascade/config"
)

// Config is a vhost's http_hooks block. Each hook lists the URLs to call, in
// order; an empty list means the hook is not configured.
type Config struct {
	Enabled     bool     // enabled; SRS's default is off
	OnConnect   []string // on_connect
	OnClose     []string // on_close
	OnPublish   []string // on_publish
	OnUnpublish []string // on_unpublish
	OnPlay      []string // on_play
	OnStop      []string // on_stop
	OnDVR       []string // on_dvr
	OnHLS       []string // on_hls
	OnHLSNotify []string // on_hls_notify, URL templates for a GET (see Notify)
}

// ParseConfig reads an http_hooks block, or the http_hooks block of a vhost
// block. A nil block gives the zero Config, hooks disabled.
//
// Like SRS, only "enabled on" enables the hooks. When they are enabled, a
// hook URL that is not an absolute http or https URL is an error naming the
// file and line, where SRS would start and then reject every client at call
// time; when they are disabled, the URLs are not looked at.
func ParseConfig(block *config.Directive) (Config, error) {
	if block != nil && block.Name == "vhost" {
		block = block.Get("http_hooks")
	}
	if block == nil {
		return Config{}, nil
	}
	if block.Name != "http_hooks" {
		return Config{}, fmt.Errorf("hooks: ParseConfig wants an http_hooks or vhost block, not %q", block.Name)
	}
	c := Config{
		Enabled:     block.Get("enabled").Arg0() == "on",
		OnConnect:   urls(block, "on_connect"),
		OnClose:     urls(block, "on_close"),
		OnPublish:   urls(block, "on_publish"),
		OnUnpublish: urls(block, "on_unpublish"),
		OnPlay:      urls(block, "on_play"),
		OnStop:      urls(block, "on_stop"),
		OnDVR:       urls(block, "on_dvr"),
		OnHLS:       urls(block, "on_hls"),
		OnHLSNotify: urls(block, "on_hls_notify"),
	}
	if !c.Enabled {
		return c, nil
	}
	for _, d := range block.Children {
		// on_hls_notify is left alone: SRS ignores its failures, and
		// [ts_url] may stand for the whole URL.
		if d.Name == "enabled" || d.Name == "on_hls_notify" {
			continue
		}
		for _, u := range d.Args {
			if err := checkURL(u); err != nil {
				return Config{}, &config.ValueError{
					File: d.File, Line: d.Line, Directive: d.Name, Value: u,
					Err: fmt.Errorf("%w: %v", config.ErrInvalidValue, err),
				}
			}
		}
	}
	return c, nil
}

// urls returns the arguments of the first directive named name, as SRS
// reads only the first.
func urls(block *config.Directive, name string) []string {
	d := block.Get(name)
	if d == nil || len(d.Args) == 0 {
		return nil
	}
	return append([]string(nil), d.Args...)
}

// checkURL reports whether u can be called at all. Template placeholders
// such as [app] are legal in a path.
func checkURL(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return err
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return fmt.Errorf("want an http:// or https:// URL")
	}
	if p.Host == "" {
		return fmt.Errorf("URL has no host")
	}
	return nil
}

// URLs returns the URLs configured for action (ActionPublish, ...), or nil
// when the hooks are disabled or action is not one of the POSTed hooks.
func (c *Config) URLs(action string) []string {
	if !c.Enabled {
		return nil
	}
	switch action {
	case ActionConnect:
		return c.OnConnect
	case ActionClose:
		return c.OnClose
	case ActionPublish:
		return c.OnPublish
	case ActionUnpublish:
		return c.OnUnpublish
	case ActionPlay:
		return c.OnPlay
	case ActionStop:
		return c.OnStop
	case ActionDVR:
		return c.OnDVR
	case ActionHLS:
		return c.OnHLS
	}
	return nil
}
