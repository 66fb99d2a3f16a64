// Package browser holds the files of the browser tests: a page that plays
// a stream with hls.js, play.js, which drives Debian's Chromium with
// playwright-core, and console.js, which walks the web console through
// server/console_browser_test.go. `make deps` installs their npm packages
// here.
package browser
