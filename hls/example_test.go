package hls_test

import (
	"fmt"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/hls"
)

// A server reads each vhost's hls block, keeps one Store, and attaches a
// Muxer to every published stream of a vhost with HLS on (with
// live.Source.AddOutput). Its HTTP server answers from the Store first.
func Example() {
	root, err := config.Parse("srs.conf", []byte(`
vhost __defaultVhost__ {
    hls {
        enabled         on;
        hls_fragment    2;
        hls_window      10;
        hls_path        ./objs/nginx/html;
    }
}`))
	if err != nil {
		panic(err)
	}
	cfg, err := hls.ParseConfig(root.Get("vhost").Get("hls"))
	if err != nil {
		panic(err)
	}
	store := hls.NewStore()
	defer store.Close()
	m, err := hls.NewMuxer(cfg, hls.StreamID{Vhost: "__defaultVhost__", App: "live", Stream: "livestream"}, store, nil)
	if err != nil {
		panic(err)
	}
	// source.AddOutput(m): packets flow until the publisher leaves.
	m.Unpublish()
	if err := m.Close(); err != nil {
		panic(err)
	}
	if b, contentType, ok := store.Get("/live/livestream.m3u8"); ok {
		fmt.Println(contentType, len(b.B))
		b.Release()
	}
	fmt.Println(store.Roots())
	// Output: [objs/nginx/html]
}
