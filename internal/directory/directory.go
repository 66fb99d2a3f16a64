// Package directory is a stream directory in Redis for fleets whose origins
// are too many, or change too often, for a static list: each origin
// registers the streams it publishes, and edges and origins look up where a
// stream is.
//
// Keys (inspect them with redis-cli):
//
//	<prefix>:stream:<vhost>/<app>/<stream>   a string: the JSON Record of the
//	                                         origin publishing the stream,
//	                                         with a TTL (ttl, default 10 s)
//	                                         the origin refreshes every ttl/3
//	                                         while the stream lives
//
// The prefix defaults to "cascade". An origin deletes its keys at unpublish
// (only if they are still its own); an origin that dies stops refreshing and
// its keys expire. When Redis is down, origins keep serving, log the
// failure once and re-register everything when it is back; lookups fail
// and callers fall back to their static configuration.
//
// The client is github.com/redis/go-redis/v9: the maintained, widely used
// Redis client, with pooling, timeouts and reconnection built in.
package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cascade-live/cascade/config"
)

// Config is the top-level stream_directory block.
type Config struct {
	Enabled bool
	Redis   string        // host:port or redis://[user:pass@]host:port/db
	TTL     time.Duration // of each stream key
	Prefix  string
	// Advertise is the host put in this server's records; default: the
	// address the listeners are bound to.
	Advertise string
}

// ParseConfig reads the stream_directory block (nil: disabled).
func ParseConfig(d *config.Directive) (Config, error) {
	c := Config{TTL: 10 * time.Second, Prefix: "cascade"}
	if d == nil || d.Get("enabled").Arg0() != "on" {
		return c, nil
	}
	c.Enabled = true
	c.Redis = d.Get("redis").Arg0()
	if c.Redis == "" {
		return c, errors.New("stream_directory: redis address missing")
	}
	if s := d.Get("ttl").Arg0(); s != "" {
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || n < 1 {
			return c, fmt.Errorf("stream_directory: ttl %q: want seconds >= 1", s)
		}
		c.TTL = time.Duration(n * float64(time.Second))
	}
	if s := d.Get("prefix").Arg0(); s != "" {
		c.Prefix = s
	}
	c.Advertise = d.Get("advertise").Arg0()
	return c, nil
}

// Record is what a stream's key holds.
type Record struct {
	RTMP     string `json:"rtmp"`           // host:port of the origin's RTMP listener
	HTTP     string `json:"http,omitempty"` // host:port of its HTTP-FLV listener
	API      string `json:"api,omitempty"`  // host:port of its HTTP API
	ServerID string `json:"server_id"`
	Since    int64  `json:"since"` // Unix seconds the publish started
}

// Directory registers this server's streams and looks up others'.
type Directory struct {
	cfg  Config
	log  *slog.Logger
	rdb  *redis.Client
	self func() Record // this server's addresses, read at each refresh

	mu      sync.Mutex
	streams map[string]int64 // key → since
	down    bool             // Redis failed last time: log once per outage

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// New connects lazily to cfg.Redis and starts refreshing registrations.
func New(cfg Config, log *slog.Logger, self func() Record) (*Directory, error) {
	var opts *redis.Options
	if strings.Contains(cfg.Redis, "://") {
		o, err := redis.ParseURL(cfg.Redis)
		if err != nil {
			return nil, fmt.Errorf("stream_directory: redis %q: %w", cfg.Redis, err)
		}
		opts = o
	} else {
		opts = &redis.Options{Addr: cfg.Redis}
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = time.Second, time.Second, time.Second
	opts.MaxRetries = 1
	d := &Directory{cfg: cfg, log: log, rdb: redis.NewClient(opts), self: self,
		streams: map[string]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go d.refreshLoop()
	return d, nil
}

// Key is the Redis key of a stream.
func (d *Directory) Key(vhost, app, stream string) string {
	return d.cfg.Prefix + ":stream:" + vhost + "/" + app + "/" + stream
}

// Register records a stream this server publishes.
func (d *Directory) Register(vhost, app, stream string) {
	k := d.Key(vhost, app, stream)
	since := time.Now().Unix()
	d.mu.Lock()
	d.streams[k] = since
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d.report(d.set(ctx, k, since))
}

// unregisterScript deletes a key only if it still names this server.
var unregisterScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v)['server_id'] == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Unregister removes a stream this server no longer publishes.
func (d *Directory) Unregister(vhost, app, stream string) {
	k := d.Key(vhost, app, stream)
	d.mu.Lock()
	delete(d.streams, k)
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := unregisterScript.Run(ctx, d.rdb, []string{k}, d.self().ServerID).Err()
	d.report(err)
}

// Lookup returns the record of the origin publishing a stream. ok is false
// when no origin does, or Redis cannot be asked (the error says which).
func (d *Directory) Lookup(ctx context.Context, vhost, app, stream string) (Record, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, err := d.rdb.Get(ctx, d.Key(vhost, app, stream)).Result()
	if errors.Is(err, redis.Nil) {
		return Record{}, false, nil
	}
	if err != nil {
		d.report(err)
		return Record{}, false, fmt.Errorf("stream_directory: lookup: %w", err)
	}
	var r Record
	if err := json.Unmarshal([]byte(v), &r); err != nil || r.RTMP == "" {
		return Record{}, false, fmt.Errorf("stream_directory: bad record at %s: %q", d.Key(vhost, app, stream), v)
	}
	return r, true, nil
}

func (d *Directory) set(ctx context.Context, key string, since int64) error {
	r := d.self()
	r.Since = since
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return d.rdb.Set(ctx, key, b, d.cfg.TTL).Err()
}

// refreshLoop re-sets every registered key each TTL/3.
func (d *Directory) refreshLoop() {
	defer close(d.done)
	t := time.NewTicker(max(d.cfg.TTL/3, 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
		d.mu.Lock()
		keys := make(map[string]int64, len(d.streams))
		for k, v := range d.streams {
			keys[k] = v
		}
		d.mu.Unlock()
		var err error
		for k, since := range keys {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err = d.set(ctx, k, since)
			cancel()
			if err != nil {
				break
			}
		}
		d.report(err)
	}
}

// report logs the first failure of an outage and the recovery.
func (d *Directory) report(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case err != nil && !d.down:
		d.down = true
		d.log.Error("stream_directory: redis unavailable; serving on, will retry", "redis", d.cfg.Redis, "err", err)
	case err == nil && d.down:
		d.down = false
		d.log.Info("stream_directory: redis is back", "redis", d.cfg.Redis)
	}
}

// Close stops refreshing (a stopped server's keys expire). Idempotent.
func (d *Directory) Close() error {
	var err error
	d.closeOnce.Do(func() {
		close(d.stop)
		<-d.done
		err = d.rdb.Close()
	})
	return err
}
