package hds

import (
	"testing"

	"github.com/cascade-live/cascade/buffer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStore(t *testing.T) {
	s := NewStore()
	frag := buffer.Get()
	frag.B = append(frag.B, "fragment"...)
	s.put("/live/sSeg1-Frag12", frag, ContentTypeFragment)

	tests := []struct {
		path string
		ok   bool
	}{
		{"/live/sSeg1-Frag12", true},
		{"/live/sSeg1-Frag12?token=x", true},
		{"/live/sSeg3-Frag12", true}, // any segment: there is only one
		{"/live/sSeg1-Frag13", false},
		{"/live/sSegx-Frag12", false},
		{"/live/s.f4m", false},
	}
	for _, tt := range tests {
		b, ct, ok := s.Get(tt.path)
		require.Equal(t, tt.ok, ok, tt.path)
		if ok {
			assert.Equal(t, ContentTypeFragment, ct)
			assert.Equal(t, "fragment", string(b.B))
			b.Release()
		}
	}

	held, _, ok := s.Get("/live/sSeg1-Frag12")
	require.True(t, ok)
	assert.Equal(t, int32(2), held.Refs())
	s.remove("/live/sSeg1-Frag12")
	assert.Equal(t, int32(1), held.Refs(), "a reader keeps its reference")
	assert.Equal(t, "fragment", string(held.B))
	held.Release()
	_, _, ok = s.Get("/live/sSeg1-Frag12")
	assert.False(t, ok)

	a, b := buffer.Get(), buffer.Get()
	s.put("/live/s.abst", a, ContentTypeBootstrap)
	a.Retain()
	s.put("/live/s.abst", b, ContentTypeBootstrap)
	assert.Equal(t, int32(1), a.Refs(), "replacing releases the old file")
	a.Release()
	s.remove("/live/s.abst")
}
