package config

import "strings"

// A Directive is one node of a parsed configuration: a name with arguments,
// and for a block directive, the directives inside it. The root returned by
// Parse has an empty Name and holds the top-level directives.
//
// The lookup methods accept a nil receiver and then return the zero value,
// so chains such as root.Get("http_api").Get("auth").Arg0() need no checks.
type Directive struct {
	Name     string
	Args     []string
	Children []*Directive
	File     string // file the directive was read from
	Line     int    // 1-based line in File; 0 when it did not come from a file
}

// Get returns the first child named name, or nil.
func (d *Directive) Get(name string) *Directive {
	if d == nil {
		return nil
	}
	for _, c := range d.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// All returns every child named name, in order.
func (d *Directive) All(name string) []*Directive {
	if d == nil {
		return nil
	}
	var all []*Directive
	for _, c := range d.Children {
		if c.Name == name {
			all = append(all, c)
		}
	}
	return all
}

// Arg0 returns the first argument, or "" if there is none.
func (d *Directive) Arg0() string {
	if d == nil || len(d.Args) == 0 {
		return ""
	}
	return d.Args[0]
}

// String formats d, and everything under it, in configuration syntax. For a
// root (empty Name) only the children are written. Parsing the result yields
// the same tree, unless an argument holds both kinds of quote, which the
// syntax cannot express.
func (d *Directive) String() string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	if d.Name == "" {
		for _, c := range d.Children {
			c.format(&b, 0)
		}
	} else {
		d.format(&b, 0)
	}
	return b.String()
}

func (d *Directive) format(b *strings.Builder, depth int) {
	indent := strings.Repeat("    ", depth)
	b.WriteString(indent)
	b.WriteString(quoteToken(d.Name))
	for _, a := range d.Args {
		b.WriteByte(' ')
		b.WriteString(quoteToken(a))
	}
	if len(d.Children) == 0 {
		b.WriteString(";\n")
		return
	}
	b.WriteString(" {\n")
	for _, c := range d.Children {
		c.format(b, depth+1)
	}
	b.WriteString(indent)
	b.WriteString("}\n")
}

// quoteToken quotes s if it would not read back as a single word.
func quoteToken(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\r\n;{") && !strings.ContainsAny(s[:1], "#\"'}") {
		return s
	}
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + s + "'"
}

// pos is the position of d for messages.
func (d *Directive) pos() string {
	return position(d.File, d.Line)
}
