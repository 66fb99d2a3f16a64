package netpoll

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestConnLogger: a connection's lines read as Logger.With("cid", id)'s.
func TestConnLogger(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"no attrs", func(l *slog.Logger) { l.Info("connection closed") }},
		{"attrs", func(l *slog.Logger) { l.Warn("connection closed", "in", 12, "err", "EOF", "a", 1, "b", 2, "c", 3) }},
		{"with", func(l *slog.Logger) { l.With("proto", "rtmp").Info("play", "stream", "live/a") }},
		{"group", func(l *slog.Logger) { l.WithGroup("g").Info("play", "stream", "live/a") }},
		{"below the level", func(l *slog.Logger) { l.Debug("not shown") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want, got bytes.Buffer
			noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}}
			tc.log(slog.New(slog.NewTextHandler(&want, noTime)).With("cid", "k3x9"))
			tc.log(connLogger(slog.New(slog.NewTextHandler(&got, noTime)), "k3x9"))
			assert.Equal(t, want.String(), got.String())
		})
	}
}
