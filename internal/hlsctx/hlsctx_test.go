package hlsctx

import (
	"testing"
	"time"

	"github.com/cascade-live/cascade/internal/streamreq"
	"github.com/stretchr/testify/assert"
)

// TestExpire: a session lives while its requests come within its idle
// timeout; Count and List see only the live ones.
func TestExpire(t *testing.T) {
	var s Sessions
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		id, stream string
		idle       time.Duration
	}{{"a", "s1", 5 * time.Second}, {"b", "s1", 30 * time.Second}, {"c", "s2", 5 * time.Second}} {
		hs := &Session{ID: tc.id, Req: streamreq.Request{Vhost: "v", App: "live", Stream: tc.stream}, Idle: tc.idle}
		hs.Touch(t0)
		s.Add(hs)
	}
	s.Get("c").Touch(t0.Add(8 * time.Second))
	assert.Nil(t, s.Get("x"))
	assert.Equal(t, 2, s.Count("v", "live", "s1"))

	gone := s.Expire(t0.Add(10 * time.Second))
	if assert.Len(t, gone, 1) {
		assert.Equal(t, "a", gone[0].ID)
	}
	assert.Equal(t, 1, s.Count("v", "live", "s1"))
	assert.Equal(t, 1, s.Count("v", "live", "s2"))
	assert.Len(t, s.List(), 2)

	assert.Len(t, s.Expire(t0.Add(40*time.Second)), 2)
	assert.Empty(t, s.List())
}
