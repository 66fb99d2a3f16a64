package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Validate checks the typed settings of c, for example after a program
// changed them, and returns every problem it finds joined into one error.
// FromDirective, Load, Default and FromEnv only return configurations that
// pass it.
func (c *Config) Validate() error {
	var errs []error
	bad := func(directive string, value any, sentinel error, format string, args ...any) {
		errs = append(errs, &ValueError{
			Directive: directive,
			Value:     fmt.Sprint(value),
			Err:       fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...)),
		})
	}
	endpoints := func(directive string, eps []string) {
		if len(eps) == 0 {
			bad(directive, "", ErrInvalidValue, "needs at least one endpoint")
		}
		for _, ep := range eps {
			if _, err := normalizeEndpoint(ep); err != nil {
				bad(directive, ep, ErrInvalidValue, "%v", err)
			}
		}
	}
	chunkSize := func(directive string, n int) {
		if n < minChunkSize || n > maxChunkSize {
			bad(directive, n, ErrOutOfRange, "must be in [%d, %d]", minChunkSize, maxChunkSize)
		}
	}
	nonNegative := func(directive string, n int64) {
		if n < 0 {
			bad(directive, n, ErrOutOfRange, "must not be negative")
		}
	}

	endpoints("listen", c.Listen)
	chunkSize("chunk_size", c.ChunkSize)
	if c.MaxConnections <= 0 {
		bad("max_connections", c.MaxConnections, ErrOutOfRange, "must be positive")
	}
	if c.LogTank != LogTankConsole && c.LogTank != LogTankFile {
		bad("srs_log_tank", c.LogTank, ErrInvalidValue, "must be %s or %s", LogTankConsole, LogTankFile)
	}
	if c.LogTank == LogTankFile && c.LogFile == "" {
		bad("srs_log_file", c.LogFile, ErrInvalidValue, "needed when srs_log_tank is file")
	}
	if !slices.Contains(logLevels, c.LogLevel) {
		bad("srs_log_level", c.LogLevel, ErrInvalidValue, "unknown level")
	}
	endpoints("http_server.listen", c.HTTPServer.Listen)
	endpoints("http_api.listen", c.HTTPAPI.Listen)

	for _, name := range slices.Sorted(maps.Keys(c.Vhosts)) {
		v := c.Vhosts[name]
		if v == nil || v.Name != name {
			bad("vhost", name, ErrInvalidValue, "vhost map entry does not hold a vhost of that name")
			continue
		}
		prefix := "vhost " + strconv.Quote(name) + " "
		chunkSize(prefix+"chunk_size", v.ChunkSize)
		nonNegative(prefix+"in_ack_size", int64(v.InAckSize))
		nonNegative(prefix+"out_ack_size", int64(v.OutAckSize))
		p := v.Play
		nonNegative(prefix+"play.gop_cache_max_frames", int64(p.GopCacheMaxFrames))
		nonNegative(prefix+"play.queue_length", int64(p.QueueLength))
		nonNegative(prefix+"play.mw_latency", int64(p.MwLatency))
		nonNegative(prefix+"play.send_min_interval", int64(p.SendMinInterval))
		if p.MwMsgs < 0 || p.MwMsgs > maxMwMsgs {
			bad(prefix+"play.mw_msgs", p.MwMsgs, ErrOutOfRange, "must be in [0, %d]", maxMwMsgs)
		}
		switch p.TimeJitter {
		case TimeJitterFull, TimeJitterZero, TimeJitterOff:
		default:
			bad(prefix+"play.time_jitter", p.TimeJitter, ErrInvalidValue, "must be full, zero or off")
		}
		nonNegative(prefix+"publish.mr_latency", int64(v.Publish.MRLatency))
		nonNegative(prefix+"publish.firstpkt_timeout", int64(v.Publish.FirstPktTimeout))
		nonNegative(prefix+"publish.normal_timeout", int64(v.Publish.NormalTimeout))
		nonNegative(prefix+"publish.kickoff_for_idle", int64(v.Publish.KickoffForIdle))
		nonNegative(prefix+"http_remux.fast_cache", int64(v.HTTPRemux.FastCache))
		if v.HTTPRemux.Mount == "" {
			bad(prefix+"http_remux.mount", "", ErrInvalidValue, "must not be empty")
		}
	}
	return errors.Join(errs...)
}
