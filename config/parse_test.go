package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// d builds a directive without position, for comparing trees.
func d(name string, args []string, children ...*Directive) *Directive {
	return &Directive{Name: name, Args: args, Children: children}
}

func a(args ...string) []string { return args }

// shape returns a copy of the tree without positions.
func shape(in *Directive) *Directive {
	out := &Directive{Name: in.Name, Args: in.Args}
	for _, c := range in.Children {
		out.Children = append(out.Children, shape(c))
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []*Directive
	}{
		{"empty", "", nil},
		{"only comments and blanks", "# nothing\n\n   # here\n\t\n", nil},
		{"simple", "listen 1935;", []*Directive{d("listen", a("1935"))}},
		{"no args", "re;", []*Directive{d("re", nil)}},
		{"many args", "listen 1935 [::]:1935\t127.0.0.1:1936 ;", []*Directive{d("listen", a("1935", "[::]:1935", "127.0.0.1:1936"))}},
		{"trailing comment", "listen 1935; # the port\n", []*Directive{d("listen", a("1935"))}},
		{"comment only at token start", "url http://a/b#c;", []*Directive{d("url", a("http://a/b#c"))}},
		{"several on one line", "a 1; b 2;c 3;", []*Directive{d("a", a("1")), d("b", a("2")), d("c", a("3"))}},
		{"block", "vhost x {\n    enabled on;\n}\n", []*Directive{d("vhost", a("x"), d("enabled", a("on")))}},
		{"block on one line", "vhost x { enabled on; play { gop_cache off; } }", []*Directive{
			d("vhost", a("x"), d("enabled", a("on")), d("play", nil, d("gop_cache", a("off")))),
		}},
		{"brace glued to word", "vhost x{enabled on;}", []*Directive{d("vhost", a("x"), d("enabled", a("on")))}},
		{"empty block", "vhost x {}\nlisten 1;", []*Directive{d("vhost", a("x")), d("listen", a("1"))}},
		{"nested blocks", "a { b { c { d 1; } } }", []*Directive{d("a", nil, d("b", nil, d("c", nil, d("d", a("1")))))}},
		{"block after close on same line", "a {} b {}", []*Directive{d("a", nil), d("b", nil)}},
		{"double quotes", `device_id "my device; {x}";`, []*Directive{d("device_id", a("my device; {x}"))}},
		{"single quotes", `vf 'drawtext=text=a b:fontcolor=#cccccc';`, []*Directive{d("vf", a("drawtext=text=a b:fontcolor=#cccccc"))}},
		{"quote holding the other quote", `a "it's" 'say "hi"';`, []*Directive{d("a", a("it's", `say "hi"`))}},
		{"quoted hash", `default_streamid "#!::r=live/livestream,m=request";`, []*Directive{d("default_streamid", a("#!::r=live/livestream,m=request"))}},
		{"empty quoted arg", `passphrase "";`, []*Directive{d("passphrase", a(""))}},
		{"quoted name", `"listen" 1935;`, []*Directive{d("listen", a("1935"))}},
		{"quote inside a word is literal", `a b"c;`, []*Directive{d("a", a(`b"c`))}},
		{"brace inside a word is literal", `a b}c;`, []*Directive{d("a", a("b}c"))}},
		{"quoted then brace", `engine "hd"{ enabled on; }`, []*Directive{d("engine", a("hd"), d("enabled", a("on")))}},
		{"CRLF line ends", "listen 1935;\r\nvhost x {\r\n}\r\n", []*Directive{d("listen", a("1935")), d("vhost", a("x"))}},
		{"no final newline", "listen 1935;", []*Directive{d("listen", a("1935"))}},
		{"utf-8 and odd bytes", "name 直播 \x00\xff;", []*Directive{d("name", a("直播", "\x00\xff"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := Parse("t.conf", []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := shape(root).Children
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q):\n got %s\nwant %s", tt.in, (&Directive{Children: got}).String(), (&Directive{Children: tt.want}).String())
			}
		})
	}
}

func TestParsePositions(t *testing.T) {
	src := "# header\nlisten 1935;\n\nvhost x {\n    play {\n        gop_cache off;\n    }\n}\n"
	root, err := Parse("conf/x.conf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if root.Name != "" || root.File != "conf/x.conf" {
		t.Errorf("root = %q in %q, want unnamed in conf/x.conf", root.Name, root.File)
	}
	for _, c := range []struct {
		d    *Directive
		line int
	}{
		{root.Get("listen"), 2},
		{root.Get("vhost"), 4},
		{root.Get("vhost").Get("play"), 5},
		{root.Get("vhost").Get("play").Get("gop_cache"), 6},
	} {
		if c.d.Line != c.line || c.d.File != "conf/x.conf" {
			t.Errorf("%s at %s:%d, want conf/x.conf:%d", c.d.Name, c.d.File, c.d.Line, c.line)
		}
	}
}

func TestParseSyntaxErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		msg  string // substring of the message
	}{
		{"missing semicolon", "listen 1935\nmax_connections 10;\n", 1, `missing ";" at end of directive "listen"`},
		{"missing semicolon before close", "vhost x {\n  enabled on }\n", 2, `unexpected "}", expecting ";"`},
		{"missing semicolon at end", "listen 1935", 1, `unexpected end of file, expecting ";" or "{"`},
		{"unexpected close", "listen 1935;\n}\n", 2, `unexpected "}"`},
		{"close after block", "a {\n}\n}\n", 3, `unexpected "}"`},
		{"unclosed block", "vhost x {\n  enabled on;\n", 3, `expecting "}" to close the block opened at line 1`},
		{"unclosed nested block", "a {\n b {\n}\n", 4, `opened at line 1`},
		{"lone semicolon", "listen 1;\n;\n", 2, `unexpected ";"`},
		{"semicolon after block", "a { }\n;", 2, `unexpected ";"`},
		{"block without name", "{ a 1; }", 1, `unexpected "{"`},
		{"empty name", `"" on;`, 1, "empty directive name"},
		{"empty block name", "\n\"\" {}", 2, "empty directive name"},
		{"unterminated double quote", "a 1;\nb \"x;\n", 2, "unterminated quoted string: missing closing \""},
		{"unterminated single quote", "b 'x;", 1, "unterminated quoted string: missing closing '"},
		{"quote spanning lines", "b \"x\ny\";", 1, "unterminated quoted string"},
		{"text glued to quote", `a "b"c;`, 1, `unexpected 'c' after quoted string`},
		{"directive across lines", "listen\n1935;", 1, `missing ";"`},
		{"block brace on next line", "vhost x\n{\n}", 1, `missing ";"`},
		{"include without file", "include;", 1, "include needs at least one file name"},
		{"include block", "include a.conf { }", 1, "include cannot open a block"},
		{"include empty name", `include "";`, 1, "empty file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("conf/x.conf", []byte(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want *SyntaxError", tt.in, err)
			}
			if se.File != "conf/x.conf" || se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("Parse(%q) = %s:%d %q, want conf/x.conf:%d containing %q", tt.in, se.File, se.Line, se.Msg, tt.line, tt.msg)
			}
			if want := "config: conf/x.conf:"; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := Parse("conf/x.conf", []byte("listen 1;\n\n\n\n\n\n\n\n\n\n\n}\n"))
	if got, want := err.Error(), `config: conf/x.conf:12: unexpected "}"`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	_, err = Parse("", []byte("}"))
	if got, want := err.Error(), `config: line 1: unexpected "}"`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"token", "a " + strings.Repeat("x", MaxTokenSize+1) + ";", ErrTokenTooLong},
		{"quoted token", `a "` + strings.Repeat("x", MaxTokenSize+1) + `";`, ErrTokenTooLong},
		{"nesting", strings.Repeat("a {", MaxNesting+1) + strings.Repeat("}", MaxNesting+1), ErrNestingTooDeep},
		{"file size", "a " + strings.Repeat(" ", MaxFileSize) + ";", ErrTooLarge},
		{"directives", strings.Repeat("a;", MaxTokens+1), ErrTooLarge},
		{"arguments", "a" + strings.Repeat(" b", MaxTokens) + ";", ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("big.conf", []byte(tt.in))
			var se *SyntaxError
			if !errors.Is(err, tt.want) || !errors.As(err, &se) {
				t.Errorf("error = %v, want a *SyntaxError wrapping %v", err, tt.want)
			}
		})
	}
	// At the limits, the input parses.
	ok := "a " + strings.Repeat("x", MaxTokenSize) + ";\n" + strings.Repeat("a {", MaxNesting) + strings.Repeat("}", MaxNesting)
	if _, err := Parse("ok.conf", []byte(ok)); err != nil {
		t.Errorf("input at the limits: %v", err)
	}
}

func TestInclude(t *testing.T) {
	root, err := ParseFile("testdata/include/main.conf")
	if err != nil {
		t.Fatal(err)
	}
	want := []*Directive{
		d("listen", a("1935")),
		d("vhost", a("a.example.com"), d("play", nil, d("gop_cache", a("off")))),
		d("http_server", nil, d("enabled", a("on")), d("listen", a("8081"))),
	}
	if got := shape(root).Children; !reflect.DeepEqual(got, want) {
		t.Fatalf("tree:\n%s\nwant:\n%s", root, &Directive{Children: want})
	}
	gc := root.Get("vhost").Get("play").Get("gop_cache")
	if want := filepath.Join("testdata/include/sub", "vhost-body.conf"); gc.File != want || gc.Line != 1 {
		t.Errorf("included directive at %s:%d, want %s:1", gc.File, gc.Line, want)
	}
	if l := root.Get("http_server").Get("listen"); l.File != filepath.Join("testdata/include/sub", "http.conf") || l.Line != 2 {
		t.Errorf("included directive at %s:%d", l.File, l.Line)
	}
}

func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		file     string
		wantFile string
		wantLine int
		want     error
		msg      string
	}{
		{"testdata/include/cycle-a.conf", "testdata/include/cycle-b.conf", 2, ErrIncludeCycle, "cycle-a.conf -> "},
		{"testdata/include/self.conf", "testdata/include/self.conf", 1, ErrIncludeCycle, "include cycle"},
		{"testdata/include/missing.conf", "testdata/include/missing.conf", 3, fs.ErrNotExist, `include "no-such-file.conf"`},
		{"testdata/include/bad-inner.conf", "testdata/include/sub/broken.conf", 2, nil, `missing ";"`},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			_, err := ParseFile(tt.file)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v, want *SyntaxError", err)
			}
			if filepath.Clean(se.File) != filepath.Clean(tt.wantFile) || se.Line != tt.wantLine || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("error at %s:%d %q, want %s:%d containing %q", se.File, se.Line, se.Msg, tt.wantFile, tt.wantLine, tt.msg)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v does not wrap %v", err, tt.want)
			}
		})
	}
}

func TestIncludeBounds(t *testing.T) {
	// A chain of distinct files deeper than MaxIncludeDepth.
	dir := t.TempDir()
	for i := 0; i <= MaxIncludeDepth+1; i++ {
		body := "include " + fileName(i+1) + ";\n"
		if err := os.WriteFile(filepath.Join(dir, fileName(i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ParseFile(filepath.Join(dir, fileName(0))); !errors.Is(err, ErrIncludeDepth) {
		t.Errorf("deep chain: error = %v, want ErrIncludeDepth", err)
	}

	// A file including another many times: no cycle, but bounded.
	files := map[string]string{
		"main.conf": strings.Repeat("include leaf.conf;\n", MaxIncludes+1),
		"leaf.conf": "a 1;\n",
	}
	_, err := parse("main.conf", []byte(files["main.conf"]), memReader(files))
	if !errors.Is(err, ErrTooManyIncludes) {
		t.Errorf("many includes: error = %v, want ErrTooManyIncludes", err)
	}

	// Files that are each small enough but too large together.
	big := map[string]string{"big.conf": "a " + strings.Repeat(" ", MaxFileSize-8) + ";\n"}
	inc := strings.Repeat("include big.conf;\n", MaxTotalSize/MaxFileSize+1)
	if _, err := parse("main.conf", []byte(inc), memReader(big)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("large total: error = %v, want ErrTooLarge", err)
	}

	// Devices and directories are refused, not read.
	for _, path := range []string{os.DevNull, dir} {
		_, err := Parse("x.conf", []byte("include "+path+";"))
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("include %s: error = %v, want ErrNotRegular", path, err)
		}
	}
}

func fileName(i int) string { return "f" + strings.Repeat("x", i) + ".conf" }

// memReader reads included files from files, keyed by base name.
func memReader(files map[string]string) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		if s, ok := files[filepath.Base(path)]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
}

func TestIncludeMultipleFilesAndRelativeToCWD(t *testing.T) {
	files := map[string]string{"a.conf": "a 1;", "b.conf": "b 2;"}
	root, err := parse("", []byte("x { include a.conf b.conf; }"), memReader(files))
	if err != nil {
		t.Fatal(err)
	}
	want := []*Directive{d("x", nil, d("a", a("1")), d("b", a("2")))}
	if got := shape(root).Children; !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s", root)
	}
	if f := root.Get("x").Get("b").File; f != "b.conf" {
		t.Errorf("file = %q, want b.conf (relative to the current directory)", f)
	}
}

func TestIncludedFileCannotCloseOuterBlock(t *testing.T) {
	files := map[string]string{"close.conf": "}"}
	_, err := parse("main.conf", []byte("vhost x {\ninclude close.conf;\n}"), memReader(files))
	var se *SyntaxError
	if !errors.As(err, &se) || se.File != "close.conf" || se.Line != 1 {
		t.Errorf("error = %v, want close.conf:1", err)
	}
}

func TestDirectiveLookup(t *testing.T) {
	root, err := Parse("", []byte("a 1; b 2; a 3 4; c { d; }"))
	if err != nil {
		t.Fatal(err)
	}
	if got := root.Get("a").Args; !reflect.DeepEqual(got, a("1")) {
		t.Errorf("Get(a) = %v, want the first", got)
	}
	if got := len(root.All("a")); got != 2 {
		t.Errorf("All(a) has %d, want 2", got)
	}
	if root.Get("zz") != nil || root.Get("zz").Get("y") != nil || root.Get("zz").Arg0() != "" || root.Get("zz").All("x") != nil {
		t.Error("lookups through a missing directive should give zero values")
	}
	if root.Get("c").Get("d").Arg0() != "" {
		t.Error("Arg0 of a directive without arguments should be empty")
	}
}

func TestDirectiveStringRoundTrip(t *testing.T) {
	src := `listen 1935 [::]:1935;
vhost "a b" {
    vf 'x "y" z';
    empty "";
    hash "#x" "}y" "{z" ";w" "'q";
    play { gop_cache off; }
}
`
	root, err := Parse("", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("", []byte(root.String()))
	if err != nil {
		t.Fatalf("reparse of\n%s: %v", root, err)
	}
	if !reflect.DeepEqual(shape(root), shape(again)) {
		t.Errorf("round trip changed the tree:\n%s\n%s", root, again)
	}
	if got := root.Get("listen").String(); got != "listen 1935 [::]:1935;\n" {
		t.Errorf("String() = %q", got)
	}
}
