package config_test

import (
	"errors"
	"fmt"

	"github.com/cascade-live/cascade/config"
)

func ExampleParse() {
	root, err := config.Parse("conf/x.conf", []byte(`
listen 1935;
vhost __defaultVhost__ {
    play { gop_cache off; }
}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	gc := root.Get("vhost").Get("play").Get("gop_cache")
	fmt.Println(gc.Arg0(), "at", gc.File, "line", gc.Line)
	// Output: off at conf/x.conf line 4
}

func ExampleSyntaxError() {
	_, err := config.Parse("conf/x.conf", []byte("vhost x {\n    enabled on\n}\n"))
	var se *config.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Line)
	}
	fmt.Println(err)
	// Output:
	// 2
	// config: conf/x.conf:2: missing ";" at end of directive "enabled"
}

func ExampleFromDirective() {
	root, _ := config.Parse("srs.conf", []byte(`
listen 1935;
chunk_size 4096;
vhost __defaultVhost__ {
    min_latency on;
    http_remux { enabled on; }
    gopcache off;
}
`))
	c, err := config.FromDirective(root, "srs.conf")
	if err != nil {
		fmt.Println(err)
		return
	}
	v := c.Vhost("live.example.com")
	fmt.Println(c.Listen, c.ChunkSize, v.Name, v.HTTPRemux.Mount, v.Play.MwMsgs)
	fmt.Println(c.Warnings)
	// Output:
	// [:1935] 4096 __defaultVhost__ [vhost]/[app]/[stream].flv 0
	// [config: srs.conf:7: unknown directive "gopcache" in vhost]
}

func ExampleFromEnv() {
	c, err := config.FromEnv([]string{
		"SRS_LISTEN=1935",
		"SRS_HTTP_SERVER_ENABLED=on",
		"SRS_VHOST_HTTP_REMUX_ENABLED=on",
		"SRS_VHOST_PLAY_MW_LATENCY=100",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	v := c.Vhost(config.DefaultVhost)
	fmt.Println(c.Listen, c.HTTPServer.Enabled, c.HTTPServer.Listen, v.HTTPRemux.Enabled, v.Play.MwLatency)
	// Output: [:1935] true [:8080] true 100ms
}
