package hls

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestExpand(t *testing.T) {
	id := StreamID{Vhost: "v.example", App: "live", Stream: "cam1"}
	wall := time.Date(2015, 1, 3, 10, 57, 30, 776_000_000, time.UTC)
	all := pathVars{id: id, seq: 42, duration: 10040 * time.Millisecond, hasSeq: true, wall: wall}
	floor := all
	floor.floorTS, floor.hasFloor = 142028265, true
	tests := []struct {
		vars pathVars
		tmpl string
		want string
	}{
		{all, "[app]/[stream]-[seq].ts", "live/cam1-42.ts"},
		{all, "[vhost]/[app]/[stream].m3u8", "v.example/live/cam1.m3u8"},
		{all, "[app]/[2006]/[01]/[02]/[15].[04].[05].[999]-[seq].ts", "live/2015/01/03/10.57.30.776-42.ts"},
		{all, "[stream]-[timestamp].ts", "cam1-1420282650776.ts"},
		{floor, "[stream]-[timestamp].ts", "cam1-142028265.ts"},
		{all, "[stream]-[duration]-[seq].ts", "cam1-10040-42.ts"},
		{all, "[stream]-[unknown]-[-[seq]].ts", "cam1-[unknown]-[-42].ts"},
		{all, "plain.ts", "plain.ts"},
		{all, "[stream", "[stream"},
		// The playlist: stream placeholders only.
		{pathVars{id: id}, "[app]/[stream]-[seq]-[2006].m3u8", "live/cam1-[seq]-[2006].m3u8"},
		// Values are not expanded again.
		{pathVars{id: StreamID{App: "[seq]", Stream: "[app]"}, seq: 1, hasSeq: true}, "[app]/[stream]-[seq]", "[seq]/[app]-1"},
		{pathVars{wall: time.Date(987, 2, 3, 4, 5, 6, 7_000_000, time.UTC)}, "[2006]-[01]-[02] [15]:[04]:[05].[999]", "0987-02-03 04:05:06.007"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.vars.expand(tt.tmpl), tt.tmpl)
	}
}

// TestFloorCounter follows SRS's hls_ts_floor: the counter starts one
// fragment behind the wall clock, steps by one per segment, and jumps back
// when it runs more than 20 fragments ahead.
func TestFloorCounter(t *testing.T) {
	const frag = 10 * time.Second
	base := time.UnixMilli(1_000_000_000_000) // floor 100000000
	var f floorCounter
	assert.EqualValues(t, 99_999_999, f.next(base, frag))
	assert.EqualValues(t, -1, f.deviation)
	assert.Equal(t, -3*time.Second, f.adjust(frag))
	// Segments faster than the wall clock run ahead of it...
	for range 5 {
		f.next(base, frag)
	}
	assert.EqualValues(t, 100_000_004, f.accepted)
	assert.Equal(t, 12*time.Second, f.adjust(frag))
	// ...up to 20 fragments, then jump back.
	for range 16 {
		f.next(base, frag)
	}
	assert.EqualValues(t, 100_000_020, f.accepted)
	assert.EqualValues(t, 99_999_999, f.next(base, frag))
}

func TestEntryURI(t *testing.T) {
	tests := []struct {
		prefix, m3u8, ts, want string
	}{
		{"", "live/livestream.m3u8", "live/livestream-0.ts", "livestream-0.ts"},
		{"", "live/livestream.m3u8", "live/livestream/2024/0.ts", "livestream/2024/0.ts"},
		{"", "livestream.m3u8", "livestream-0.ts", "livestream-0.ts"},
		{"", "live/livestream.m3u8", "other/livestream-0.ts", "/other/livestream-0.ts"},
		{"", "live/livestream.m3u8", "livestream-0.ts", "/livestream-0.ts"},
		{"http://cdn", "live/livestream.m3u8", "live/livestream-0.ts", "http://cdn/live/livestream-0.ts"},
		{"http://cdn/", "live/livestream.m3u8", "live/livestream-0.ts", "http://cdn/livestream-0.ts"},
		{"http://cdn", "livestream.m3u8", "livestream-0.ts", "http://cdn/livestream-0.ts"},
		{"http://cdn/", "live/livestream.m3u8", "other/x.ts", "http://cdn/other/x.ts"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, entryURI(tt.prefix, tt.m3u8, tt.ts), "%+v", tt)
	}
}

func TestKeyURI(t *testing.T) {
	cfg := DefaultConfig()
	assert.Equal(t, "livestream-5.key", keyURI(&cfg, "live/livestream.m3u8", "live/livestream-5.key"))
	cfg.KeyURL = "https://keys.example/"
	assert.Equal(t, "https://keys.example/live/livestream-5.key", keyURI(&cfg, "live/livestream.m3u8", "live/livestream-5.key"))
}

func TestHookURL(t *testing.T) {
	assert.Equal(t, "live/livestream-0.ts", hookURL("live/livestream.m3u8", "livestream-0.ts"))
	assert.Equal(t, "livestream-0.ts", hookURL("livestream.m3u8", "livestream-0.ts"))
	assert.Equal(t, "http://cdn/live/x.ts", hookURL("live/livestream.m3u8", "http://cdn/live/x.ts"))
	assert.Equal(t, "/other/x.ts", hookURL("live/livestream.m3u8", "/other/x.ts"))
}

func TestStreamIDCheck(t *testing.T) {
	for _, id := range []StreamID{
		{App: "live", Stream: "../etc"},
		{App: "../..", Stream: "x"},
		{App: "live", Stream: "a/b"},
		{App: "live", Stream: "a\nb"},
		{App: "live", Stream: ""},
		{App: "", Stream: "x"},
		{App: `a\b`, Stream: "x"},
	} {
		assert.ErrorIs(t, id.check(), ErrStreamID, "%q", id)
	}
	assert.NoError(t, StreamID{Vhost: "__defaultVhost__", App: "live/sub", Stream: "cam.1"}.check())
}
