package config

import (
	"fmt"
	"strconv"
)

// tokenKind is the kind of a lexical token.
type tokenKind int

const (
	tokWord    tokenKind = iota // a name or argument, quoted or not
	tokSemi                     // ;
	tokOpen                     // {
	tokClose                    // }
	tokNewline                  // end of a line
	tokEOF                      // end of the input
)

type token struct {
	kind tokenKind
	text string // for tokWord, the word without its quotes
	line int
}

// A lexer splits one file into tokens. It follows SRS's reader: a word ends
// at a space, tab, line break, ";" or "{"; "#" starts a comment only at the
// start of a token; a quote starts a quoted word only at the start of a
// token, and that word ends at the matching quote on the same line.
type lexer struct {
	file string
	data []byte
	off  int // offset of the next byte to read
	line int // line of the next byte to read
}

func newLexer(file string, data []byte) *lexer {
	return &lexer{file: file, data: data, line: 1}
}

// isWordEnd reports whether c ends an unquoted word.
func isWordEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ';', '{':
		return true
	}
	return false
}

func (lx *lexer) next() (token, error) {
	for lx.off < len(lx.data) {
		c := lx.data[lx.off]
		switch c {
		case ' ', '\t', '\r':
			lx.off++
		case '\n':
			lx.off++
			lx.line++
			return token{kind: tokNewline, line: lx.line - 1}, nil
		case '#':
			for lx.off < len(lx.data) && lx.data[lx.off] != '\n' {
				lx.off++
			}
		case ';':
			lx.off++
			return token{kind: tokSemi, line: lx.line}, nil
		case '{':
			lx.off++
			return token{kind: tokOpen, line: lx.line}, nil
		case '}':
			lx.off++
			return token{kind: tokClose, line: lx.line}, nil
		case '"', '\'':
			return lx.quoted(c)
		default:
			return lx.word()
		}
	}
	return token{kind: tokEOF, line: lx.line}, nil
}

func (lx *lexer) word() (token, error) {
	start := lx.off
	for lx.off < len(lx.data) && !isWordEnd(lx.data[lx.off]) {
		lx.off++
		if lx.off-start > MaxTokenSize {
			return token{}, lx.tooLong()
		}
	}
	return token{kind: tokWord, text: string(lx.data[start:lx.off]), line: lx.line}, nil
}

func (lx *lexer) quoted(quote byte) (token, error) {
	lx.off++ // the opening quote
	start := lx.off
	for {
		if lx.off >= len(lx.data) || lx.data[lx.off] == '\n' {
			return token{}, lx.errorf(lx.line, nil, "unterminated quoted string: missing closing %c", quote)
		}
		if lx.data[lx.off] == quote {
			break
		}
		lx.off++
		if lx.off-start > MaxTokenSize {
			return token{}, lx.tooLong()
		}
	}
	text := string(lx.data[start:lx.off])
	lx.off++ // the closing quote
	if lx.off < len(lx.data) && !isWordEnd(lx.data[lx.off]) {
		return token{}, lx.errorf(lx.line, nil, "unexpected %s after quoted string", strconv.QuoteRune(rune(lx.data[lx.off])))
	}
	return token{kind: tokWord, text: text, line: lx.line}, nil
}

func (lx *lexer) tooLong() error {
	return lx.errorf(lx.line, ErrTokenTooLong, "token longer than %d bytes", MaxTokenSize)
}

func (lx *lexer) errorf(line int, cause error, format string, args ...any) *SyntaxError {
	return &SyntaxError{File: lx.file, Line: line, Msg: fmt.Sprintf(format, args...), Err: cause}
}
