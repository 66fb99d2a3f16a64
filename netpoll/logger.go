package netpoll

import (
	"context"
	"log/slog"
)

// connLogger is a connection's logger: its records carry "cid" first, as
// with slog's Logger.With, which pre-formats the attribute into a clone of
// the handler, about 300 bytes per connection held for its life, while most
// connections log a line or two. This adds it when a record is logged.
func connLogger(l *slog.Logger, id string) *slog.Logger {
	return slog.New(&cidHandler{h: l.Handler(), id: id})
}

type cidHandler struct {
	h  slog.Handler
	id string
}

func (c *cidHandler) attr() slog.Attr { return slog.String("cid", c.id) }

func (c *cidHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return c.h.Enabled(ctx, level)
}

func (c *cidHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(c.attr())
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(a)
		return true
	})
	return c.h.Handle(ctx, out)
}

func (c *cidHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return c.h.WithAttrs(append([]slog.Attr{c.attr()}, attrs...))
}

func (c *cidHandler) WithGroup(name string) slog.Handler {
	return c.h.WithAttrs([]slog.Attr{c.attr()}).WithGroup(name)
}
