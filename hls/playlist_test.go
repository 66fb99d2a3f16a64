package hls

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(file, got, 0o644))
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

func iv(b byte) (v [16]byte) {
	for i := range v {
		v[i] = b + byte(i)
	}
	return v
}

var (
	key0 = &Key{Method: MethodAES128, URI: "https://keys.example/live/livestream-0.key", IV: iv(0), HasIV: true}
	key2 = &Key{Method: MethodAES128, URI: "https://keys.example/live/livestream-2.key", IV: iv(0xA0), HasIV: true}
)

// playlistCases are playlists as the muxer builds them, with their golden
// files.
var playlistCases = []struct {
	name string
	p    Playlist
}{
	{"live.m3u8", Playlist{
		Version: 3, MediaSequence: 7, TargetDuration: 15,
		Segments: []Segment{
			{Duration: 10 * time.Second, Title: "no desc", URI: "livestream-7.ts"},
			{Duration: 10040 * time.Millisecond, Title: "no desc", URI: "livestream-8.ts"},
			{Duration: 9960 * time.Millisecond, Title: "no desc", URI: "livestream-9.ts"},
		},
	}},
	{"republish.m3u8", Playlist{
		Version: 3, MediaSequence: 12, TargetDuration: 3, DiscontinuitySequence: 1,
		Segments: []Segment{
			{Duration: 2 * time.Second, Title: "no desc", URI: "http://cdn.example/live/livestream-12.ts"},
			{Duration: 2065 * time.Millisecond, Title: "no desc", URI: "http://cdn.example/live/livestream-13.ts"},
			{Duration: 2 * time.Second, Title: "no desc", URI: "http://cdn.example/live/livestream-14.ts", Discontinuity: true},
		},
	}},
	{"keys.m3u8", Playlist{
		Version: 3, MediaSequence: 1, TargetDuration: 3,
		Segments: []Segment{
			{Duration: 2 * time.Second, Title: "no desc", URI: "livestream-1.ts", Key: key0},
			{Duration: 2 * time.Second, Title: "no desc", URI: "livestream-2.ts", Key: key2},
			{Duration: 2 * time.Second, Title: "no desc", URI: "livestream-3.ts", Key: key2, Discontinuity: true},
			{Duration: 2 * time.Second, Title: "no desc", URI: "livestream-4.ts"},
		},
		EndList: true,
	}},
	{"empty.m3u8", Playlist{Version: 3, TargetDuration: 15}},
}

func TestPlaylistGolden(t *testing.T) {
	for _, tt := range playlistCases {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Append(nil)
			golden(t, tt.name, got)
			back, err := ParsePlaylist(got)
			require.NoError(t, err)
			assert.Equal(t, &tt.p, back)
		})
	}
}

func TestParsePlaylist(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Playlist
	}{
		{"foreign tags and CRLF", "\ufeff#EXTM3U\r\n#EXT-X-VERSION:4\r\n#EXT-X-PLAYLIST-TYPE:EVENT\r\n" +
			"#EXT-X-TARGETDURATION:6\r\n#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00Z\r\n\r\n" +
			"#EXTINF:5.005,title, with comma\r\nseg.ts\r\n# a comment\r\n#EXTINF:6\r\nhttp://x/y.ts?a=b\r\n",
			&Playlist{Version: 4, TargetDuration: 6, Segments: []Segment{
				{Duration: 5005 * time.Millisecond, Title: "title, with comma", URI: "seg.ts"},
				{Duration: 6 * time.Second, URI: "http://x/y.ts?a=b"},
			}}},
		{"key then NONE", "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k,1\",IV=0x1,KEYFORMAT=\"identity\"\n#EXTINF:1,\na.ts\n" +
			"#EXT-X-KEY:METHOD=NONE\n#EXTINF:1,\nb.ts\n",
			&Playlist{Segments: []Segment{
				{Duration: time.Second, URI: "a.ts", Key: &Key{Method: MethodAES128, URI: "k,1", IV: [16]byte{15: 1}, HasIV: true}},
				{Duration: time.Second, URI: "b.ts"},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePlaylist([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParsePlaylistErrors(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"no header", "#EXTINF:1,\na.ts\n"},
		{"URI without EXTINF", "#EXTM3U\na.ts\n"},
		{"EXTINF without URI", "#EXTM3U\n#EXTINF:1,\n"},
		{"two EXTINF", "#EXTM3U\n#EXTINF:1,\n#EXTINF:1,\na.ts\n"},
		{"negative duration", "#EXTM3U\n#EXTINF:-1,\na.ts\n"},
		{"NaN duration", "#EXTM3U\n#EXTINF:NaN,\na.ts\n"},
		{"huge duration", "#EXTM3U\n#EXTINF:1e300,\na.ts\n"},
		{"bad sequence", "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-3\n"},
		{"sequence overflow", "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999\n"},
		{"key without URI", "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128\n"},
		{"key bad method", "#EXTM3U\n#EXT-X-KEY:METHOD=ROT13,URI=\"k\"\n"},
		{"key bad IV", "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0xZZ\n"},
		{"key long IV", "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x" + "00000000000000000000000000000000f" + "\n"},
		{"key unterminated", "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\n"},
		{"key duplicate", "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,METHOD=NONE,URI=\"k\"\n"},
		{"key lower-case name", "#EXTM3U\n#EXT-X-KEY:method=NONE\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePlaylist([]byte(tt.in))
			assert.ErrorIs(t, err, ErrPlaylist)
		})
	}
}

// FuzzParsePlaylist checks that the parser never panics and that what it
// accepts survives writing and reading back.
func FuzzParsePlaylist(f *testing.F) {
	for _, tt := range playlistCases {
		f.Add(tt.p.Append(nil))
	}
	f.Add([]byte("#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"a\"\n#EXTINF:0.0005,x\nu\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePlaylist(b)
		if err != nil {
			return
		}
		once := p.Append(nil)
		q, err := ParsePlaylist(once)
		if err != nil {
			t.Fatalf("reading back %q: %v", once, err)
		}
		if twice := q.Append(nil); string(twice) != string(once) {
			t.Fatalf("not stable:\n%q\n%q", once, twice)
		}
	})
}

func TestAppendWithQuery(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"tags only", "#EXTM3U\n#EXT-X-VERSION:3\n", "#EXTM3U\n#EXT-X-VERSION:3\n"},
		{"plain uri", "#EXTINF:2.000,\nlive/s-1.ts\n", "#EXTINF:2.000,\nlive/s-1.ts?hls_ctx=ab\n"},
		{"uri with query", "a.ts?x=1\n", "a.ts?x=1&hls_ctx=ab\n"},
		{"crlf", "#EXTM3U\r\na.ts\r\n", "#EXTM3U\r\na.ts?hls_ctx=ab\r\n"},
		{"no final newline", "a.ts", "a.ts?hls_ctx=ab"},
		{"blank lines kept", "\n\na.ts\n", "\n\na.ts?hls_ctx=ab\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendWithQuery([]byte("<"), []byte(tt.in), "hls_ctx", "ab")
			if string(got) != "<"+tt.want {
				t.Errorf("got %q, want %q", got, "<"+tt.want)
			}
		})
	}
}

func BenchmarkAppendWithQuery(b *testing.B) {
	var p Playlist
	p.Version, p.TargetDuration = 3, 10
	for i := range 10 {
		p.Segments = append(p.Segments, Segment{Duration: 10 * time.Second, URI: "live/livestream-" + strconv.Itoa(i) + ".ts"})
	}
	src := p.Append(nil)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendWithQuery(dst[:0], src, "hls_ctx", "k2b8e7x1")
	}
}
