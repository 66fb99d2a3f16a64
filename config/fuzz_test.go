package config

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes the parser or the typed builder
// panic or run away, and that what parses formats back to the same tree.
// Every included file has the content of the input itself, which exercises
// the include bounds.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"listen 1935;",
		"listen 1935 [::]:1935 127.0.0.1:1936;\nchunk_size 60000;\nmax_connections 1000;\n",
		"vhost __defaultVhost__ {\n    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }\n    play { gop_cache on; queue_length 10.5; mw_latency 350; }\n}\n",
		"# comment\nhttp_api { enabled on; listen 1985; auth { enabled on; username 'a b'; password \"x;y\"; } }\n",
		"vhost x { gop_cache off; mr { enabled on; latency 300; } refer a.com; forward 127.0.0.1:1936; }",
		"include a.conf;",
		"vhost v { include b.conf c.conf; }",
		"a { b { c { d 1; } } }",
		"vhost x {\n  enabled on\n}\n",
		"}",
		"a \"unterminated\n",
		"a 'x'y;",
		"\"\" on;",
		"vhost x { http_remux { enabled on; mount /[app]/[stream].ts; } hls { enabled on; } }",
		"srs_log_tank file; srs_log_file \"\"; daemon on; asprocess on;",
		"rtmp { listen 0; chunk_size 128; } vhost a { min_latency on; play { mw_msgs 999; } }",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		read := func(string) ([]byte, error) { return data, nil }
		root, err := parse("main.conf", data, read)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		checkTree(t, root, 0)

		text := root.String()
		if !strings.Contains(text, "\"") || !strings.Contains(text, "'") {
			again, err := Parse("again.conf", []byte(text))
			if err != nil {
				t.Fatalf("reparse of %q: %v", text, err)
			}
			if !reflect.DeepEqual(shape(root), shape(again)) {
				t.Fatalf("round trip changed the tree:\n%q\n%q", text, again.String())
			}
		}

		c, err := FromDirective(root, "main.conf")
		if err == nil {
			if err := c.Validate(); err != nil {
				t.Fatalf("FromDirective returned a configuration that does not validate: %v", err)
			}
		} else if !strings.HasPrefix(err.Error(), "config: ") {
			t.Fatalf("error without prefix: %v", err)
		}
	})
}

func checkTree(t *testing.T, d *Directive, depth int) {
	if depth > MaxNesting+1 {
		t.Fatalf("tree deeper than %d", MaxNesting)
	}
	for _, c := range d.Children {
		if c.Name == "" || c.Line < 1 {
			t.Fatalf("directive %q at line %d", c.Name, c.Line)
		}
		if len(c.Name) > MaxTokenSize {
			t.Fatalf("name of %d bytes", len(c.Name))
		}
		checkTree(t, c, depth+1)
	}
}
