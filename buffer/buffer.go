// Package buffer provides pooled, reference-counted byte buffers.
//
// A media message is copied once out of the network read buffer into a
// Buffer; from then on the same bytes are shared by reference between the
// GOP cache, every player and every other output. Each holder calls Retain
// when it keeps the buffer and Release when it lets go; the last Release
// returns the memory to the pool.
package buffer

import (
	"sync"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"
)

// Buffer is a reference-counted byte slice backed by bytebufferpool.
// B may be appended to by its single owner until it is shared.
type Buffer struct {
	B    []byte
	refs atomic.Int32
	bb   *bytebufferpool.ByteBuffer
}

var (
	bytePool   bytebufferpool.Pool
	bufferPool = sync.Pool{New: func() any { return new(Buffer) }}
)

// Get returns an empty buffer holding one reference, owned by the caller.
func Get() *Buffer {
	b := bufferPool.Get().(*Buffer)
	b.bb = bytePool.Get()
	b.B = b.bb.B[:0]
	b.refs.Store(1)
	return b
}

// GetSize returns a buffer with len(B) == n (contents undefined) holding one reference.
func GetSize(n int) *Buffer {
	b := Get()
	if cap(b.B) < n {
		b.B = make([]byte, n)
	} else {
		b.B = b.B[:n]
	}
	return b
}

// Retain adds a reference and returns b for convenience.
func (b *Buffer) Retain() *Buffer {
	b.refs.Add(1)
	return b
}

// Refs reports the current reference count (for tests and assertions).
func (b *Buffer) Refs() int32 { return b.refs.Load() }

// Release drops a reference; the last one returns the memory to the pool.
// Using b after its last Release is a bug.
func (b *Buffer) Release() {
	switch n := b.refs.Add(-1); {
	case n > 0:
		return
	case n < 0:
		panic("buffer: Release of a released buffer")
	}
	b.bb.B = b.B[:0]
	bytePool.Put(b.bb)
	b.bb, b.B = nil, nil
	bufferPool.Put(b)
}
