package ffmpeg

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNative: only RTSP cameras whose engine copies into a stream of this
// server are pulled without ffmpeg.
func TestNative(t *testing.T) {
	const out = "rtmp://127.0.0.1:1935/live/cam"
	m := &Manager{opts: Options{
		Pull:    func(context.Context, string, string) error { return nil },
		Resolve: func(u string) (string, bool) { return "k", strings.HasPrefix(u, "rtmp://127.0.0.1:1935/") },
	}}
	copyEngine := &Engine{Enabled: true, VCodec: codecCopy, ACodec: codecCopy}
	tests := []struct {
		name   string
		in     Ingest
		e      *Engine
		output string
		want   bool
	}{
		{"disabled engine", Ingest{InputType: inputStream, InputURL: "rtsp://cam/1"}, &Engine{}, out, true},
		{"copy engine", Ingest{InputType: inputStream, InputURL: "rtsps://cam/1"}, copyEngine, out, true},
		{"video transcoded", Ingest{InputType: inputStream, InputURL: "rtsp://cam/1"}, &Engine{Enabled: true, VCodec: "libx264", ACodec: codecCopy}, out, false},
		{"audio transcoded", Ingest{InputType: inputStream, InputURL: "rtsp://cam/1"}, &Engine{Enabled: true, VCodec: codecCopy, ACodec: "aac"}, out, false},
		{"rtmp source", Ingest{InputType: inputStream, InputURL: "rtmp://other/live/s"}, &Engine{}, out, false},
		{"file source", Ingest{InputType: inputFile, InputURL: "rtsp.flv"}, &Engine{}, out, false},
		{"output elsewhere", Ingest{InputType: inputStream, InputURL: "rtsp://cam/1"}, &Engine{}, "rtmp://other/live/cam", false},
		{"file output", Ingest{InputType: inputStream, InputURL: "rtsp://cam/1"}, &Engine{}, "/tmp/cam.flv", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, m.native(&tt.in, tt.e, tt.output))
		})
	}
	m.opts.Pull = nil
	require.False(t, m.native(&Ingest{InputType: inputStream, InputURL: "rtsp://cam/1"}, &Engine{}, out), "without Pull")
}
