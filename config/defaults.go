package config

// builtinConfig is the configuration used when none is given: what SRS's
// conf/srs.conf serves, in the foreground. RTMP on 1935, the HTTP API on 1985,
// and on 8080 HTTP-FLV at [vhost]/[app]/[stream].flv, HLS at
// [app]/[stream].m3u8 (SRS's 10 s fragments in a 60 s window, served from
// memory and written under ./objs/nginx/html) and the web console at
// /console/. Unlike srs.conf it allows 10000 connections: out of the box it
// is an edge for thousands of players (a file without max_connections still
// gets SRS's 1000).
const builtinConfig = `
listen              1935;
max_connections     10000;
chunk_size          60000;
daemon              off;
srs_log_tank        console;
http_api {
    enabled         on;
    listen          1985;
}
http_server {
    enabled         on;
    listen          8080;
    dir             ./objs/nginx/html;
}
vhost __defaultVhost__ {
    hls {
        enabled     on;
    }
    http_remux {
        enabled     on;
        mount       [vhost]/[app]/[stream].flv;
    }
    play {
        gop_cache   on;
    }
}
`

// Default returns the built-in configuration, used when no file is given.
// Each call returns a new Config that the caller may change.
func Default() *Config {
	root, err := Parse("", []byte(builtinConfig))
	if err != nil {
		panic("config: built-in configuration: " + err.Error())
	}
	c, err := FromDirective(root, "")
	if err != nil {
		panic("config: built-in configuration: " + err.Error())
	}
	return c
}
