// Package config reads cascade's configuration, which is SRS's: the same
// file syntax, the same directive names, the same defaults and the same
// SRS_* environment variables, so a configuration written for SRS 5, 6 or 7
// works unchanged.
//
// # Syntax
//
// A file is a list of directives. A simple directive is a name, optional
// arguments and a semicolon; a block directive ends with a brace-enclosed
// list of directives instead of the semicolon:
//
//	listen 1935;                 # a comment runs to the end of the line
//	vhost __defaultVhost__ {
//	    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
//	}
//
// Tokens are separated by spaces, tabs and line breaks. An argument may be
// quoted with "double" or 'single' quotes to hold spaces, semicolons or
// braces; there are no escape sequences. As in SRS, a directive must end
// (with ";" or "{") on the line it starts on, so a missing semicolon is
// reported at the line where it is missing.
//
// "include a.conf b.conf;" may stand wherever a directive may, and is replaced
// by the directives of the named files. As in SRS, a relative name is
// resolved against the working directory (SRS's configs say
// "include ./conf/x.conf;" and are run from SRS's root); when no such file
// exists, against the directory of the file that holds the include, so the
// working directory wins when both have the file. Include cycles, include
// depth, file size, token size and block nesting are all bounded (see
// MaxFileSize and the other limits), so any input parses in bounded time and
// memory.
//
// Parse and ParseFile return the raw tree of Directive values; syntax errors
// are *SyntaxError values naming the file and line.
//
// # Typed configuration
//
// FromDirective turns a tree into a Config holding the settings the server
// needs, with SRS's defaults filled in; Load does ParseFile and FromDirective
// in one step, Default returns the built-in configuration used when no file
// is given, and FromEnv builds a configuration from SRS_* environment
// variables alone, like "srs -e". As in SRS 6, Load lets the SRS_* variables
// of the environment override the file (LoadEnv takes them explicitly), and
// refuses a file without an RTMP listen (an empty file) as SRS does, unless
// the environment gives one; "listen 0" is refused too ("host:0", to let the
// system pick a port, is cascade's own). Everything else stays reachable through the
// raw tree (Config.Root, Vhost.Block).
//
// Directives that SRS has renamed or moved over the years (http_stream,
// vhost-level gop_cache, the mr block, ...) are rewritten into their current
// form before the typed values are read, as SRS does when it loads a file.
// Directives SRS would reject as unknown are reported in Config.Warnings
// with their file and line, and so are the directives that turn on an SRS
// feature cascade does not implement yet (forward, edge, transcode, ...; the
// table is in unbuilt.go), so that an operator does not believe it works.
package config
