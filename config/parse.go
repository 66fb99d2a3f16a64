package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Limits on what the parser accepts, so that any input, however hostile,
// parses in bounded time and memory.
const (
	MaxFileSize     = 4 << 20  // bytes in one file
	MaxTotalSize    = 16 << 20 // bytes in all files of one parse, includes counted each time
	MaxTokens       = 1 << 19  // names and arguments in one parse, which bounds memory
	MaxIncludeDepth = 16       // files included within included files
	MaxIncludes     = 512      // include operations in one parse
	MaxTokenSize    = 16 << 10 // bytes in one name or argument
	MaxNesting      = 64       // blocks within blocks
)

// Parse parses data, the content of file, and returns the root directive,
// whose Name is empty and whose Children are the top-level directives.
// Includes are read with the operating system, relative to the directory of
// file (the current directory when file is ""). Syntax errors are returned
// as *SyntaxError.
func Parse(file string, data []byte) (*Directive, error) {
	return parse(file, data, readConfigFile)
}

// ParseFile reads and parses the file at path.
func ParseFile(path string) (*Directive, error) {
	data, err := readConfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// readConfigFile reads a configuration file, refusing anything that is not a
// regular file (a device or FIFO could block or never end) or that is larger
// than MaxFileSize.
func readConfigFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, ErrNotRegular)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", path, ErrTooLarge, MaxFileSize)
	}
	return data, nil
}

// parse is Parse with the function that reads included files given, so tests
// and the fuzzer can include from memory.
func parse(file string, data []byte, read func(path string) ([]byte, error)) (*Directive, error) {
	p := &parser{read: read}
	root := &Directive{File: file}
	if err := p.parseFile(root, file, data, 0); err != nil {
		return nil, err
	}
	return root, nil
}

type parser struct {
	read     func(path string) ([]byte, error)
	files    []string // identities of the files being parsed, outermost first
	includes int      // include operations so far
	total    int      // bytes parsed so far
	tokens   int      // names and arguments read so far
}

// parseFile parses the directives of one file into parent, whose block is
// nested depth levels deep.
func (p *parser) parseFile(parent *Directive, file string, data []byte, depth int) error {
	if len(data) > MaxFileSize {
		return &SyntaxError{File: file, Msg: fmt.Sprintf("file has %d bytes, more than %d", len(data), MaxFileSize), Err: ErrTooLarge}
	}
	p.total += len(data)
	if p.total > MaxTotalSize {
		return &SyntaxError{File: file, Msg: fmt.Sprintf("files total more than %d bytes", MaxTotalSize), Err: ErrTooLarge}
	}
	p.files = append(p.files, fileIdentity(file))
	defer func() { p.files = p.files[:len(p.files)-1] }()
	return p.parseBlock(newLexer(file, data), parent, depth, 0)
}

// parseBlock parses directives into parent until the end of the file or, if
// the block was opened by "{" on line openLine (> 0), until its "}".
func (p *parser) parseBlock(lx *lexer, parent *Directive, depth, openLine int) error {
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		switch tok.kind {
		case tokNewline:
			continue
		case tokEOF:
			if openLine > 0 {
				return lx.errorf(tok.line, nil, `unexpected end of file, expecting "}" to close the block opened at line %d`, openLine)
			}
			return nil
		case tokClose:
			if openLine == 0 {
				return lx.errorf(tok.line, nil, `unexpected "}"`)
			}
			return nil
		case tokSemi:
			return lx.errorf(tok.line, nil, `unexpected ";"`)
		case tokOpen:
			return lx.errorf(tok.line, nil, `unexpected "{"`)
		}

		words, end, err := p.readDirective(lx, tok)
		if err != nil {
			return err
		}
		name, line := words[0], tok.line
		if name == "" {
			return lx.errorf(line, nil, "empty directive name")
		}
		if name == "include" {
			if end.kind == tokOpen {
				return lx.errorf(line, nil, `include cannot open a block`)
			}
			if len(words) == 1 {
				return lx.errorf(line, nil, "include needs at least one file name")
			}
			for _, inc := range words[1:] {
				if err := p.include(parent, lx.file, line, inc, depth); err != nil {
					return err
				}
			}
			continue
		}

		d := &Directive{Name: name, File: lx.file, Line: line}
		if len(words) > 1 {
			d.Args = words[1:]
		}
		parent.Children = append(parent.Children, d)
		if end.kind == tokOpen {
			if depth >= MaxNesting {
				return lx.errorf(line, ErrNestingTooDeep, "blocks nested more than %d deep", MaxNesting)
			}
			if err := p.parseBlock(lx, d, depth+1, line); err != nil {
				return err
			}
		}
	}
}

// readDirective reads the words of a directive that starts with first, up to
// the ";" or "{" that must end it on the same line. It returns the words and
// that final token.
func (p *parser) readDirective(lx *lexer, first token) ([]string, token, error) {
	words := []string{first.text}
	for {
		p.tokens++
		if p.tokens > MaxTokens {
			return nil, first, lx.errorf(first.line, ErrTooLarge, "more than %d names and arguments", MaxTokens)
		}
		tok, err := lx.next()
		if err != nil {
			return nil, tok, err
		}
		switch tok.kind {
		case tokWord:
			words = append(words, tok.text)
		case tokSemi, tokOpen:
			return words, tok, nil
		case tokNewline:
			return nil, tok, lx.errorf(first.line, nil, `missing ";" at end of directive %s`, strconv.Quote(words[0]))
		case tokClose:
			return nil, tok, lx.errorf(tok.line, nil, `unexpected "}", expecting ";" to end directive %s`, strconv.Quote(words[0]))
		default: // tokEOF
			return nil, tok, lx.errorf(tok.line, nil, `unexpected end of file, expecting ";" or "{" after directive %s`, strconv.Quote(words[0]))
		}
	}
}

// include parses the file named by an include directive on line of file from
// into parent.
func (p *parser) include(parent *Directive, from string, line int, name string, depth int) error {
	fail := func(cause error, format string, args ...any) error {
		return &SyntaxError{File: from, Line: line, Msg: fmt.Sprintf("include %s: %s", strconv.Quote(name), fmt.Sprintf(format, args...)), Err: cause}
	}
	if name == "" {
		return fail(nil, "empty file name")
	}
	p.includes++
	if p.includes > MaxIncludes {
		return fail(ErrTooManyIncludes, "%v: more than %d", ErrTooManyIncludes, MaxIncludes)
	}
	// As SRS, a relative name is relative to the working directory; when no
	// such file exists, the including file's directory is tried.
	path := name
	data, err := p.read(path)
	if alt := filepath.Join(filepath.Dir(from), name); errors.Is(err, fs.ErrNotExist) && !filepath.IsAbs(name) && alt != path {
		path = alt
		data, err = p.read(path)
	}
	if err != nil {
		return fail(err, "%v", err)
	}
	if i := slices.Index(p.files, fileIdentity(path)); i >= 0 {
		chain := append(slices.Clone(p.files[i:]), fileIdentity(path))
		return fail(ErrIncludeCycle, "%v: %s", ErrIncludeCycle, strings.Join(chain, " -> "))
	}
	if len(p.files) > MaxIncludeDepth {
		return fail(ErrIncludeDepth, "%v: more than %d levels", ErrIncludeDepth, MaxIncludeDepth)
	}
	return p.parseFile(parent, path, data, depth)
}

// fileIdentity names a file for include-cycle detection: its absolute,
// cleaned path.
func fileIdentity(path string) string {
	if path == "" {
		return ""
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}
