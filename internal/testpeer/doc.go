// Package testpeer runs real media clients (ffmpeg, ffprobe, rtmpdump, ...) as
// peers in tests, so that cascade is tested against the programs people use
// with it rather than against itself.
//
// Helpers that take a testing.TB fail the test when a program is missing:
// they never skip. `make test` installs every program with
// scripts/install-test-deps.sh.
//
// Child processes are bounded in time: long-running ones ([Start], [Publish])
// are stopped when the test ends, and one-shot ones ([Probe], [Packets],
// [Record], [RtmpDump]) run under a context with a default deadline.
//
// Tests pick their own ports by listening on 127.0.0.1:0; this package
// offers no port guessing.
package testpeer
