// Package browser holds the files of the browser tests: a page that plays
// a stream with hls.js, and play.js, which drives Debian's Chromium with
// playwright-core. `make deps` installs their npm packages here.
package browser
