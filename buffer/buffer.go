// Package buffer provides pooled, reference-counted byte buffers.
//
// A media message is copied once out of the network read buffer into a
// Buffer; from then on the same bytes are shared by reference between the
// GOP cache, every player and every other output. Each holder calls Retain
// when it keeps the buffer and Release when it lets go; the last Release
// returns the memory to the pool.
package buffer

import (
	"math/bits"
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

// Size classes: one bytebufferpool per power of two from 256 bytes, so
// that an audio frame and a keyframe do not share (and miscalibrate) one
// pool, and a buffer is at most twice what it holds: what a server keeps
// per stream (GOP cache, HLS segments) is sized by these classes. Buffers
// over the largest class are not pooled.
const (
	minClassShift = 8  // 256 B
	maxClassShift = 22 // 4 MiB
	numClasses    = maxClassShift - minClassShift + 1
)

var (
	bytePools  [numClasses]bytebufferpool.Pool
	bufferPool = sync.Pool{New: func() any { return new(Buffer) }}
)

// classOf returns the smallest class holding n bytes, or -1.
func classOf(n int) int {
	if n <= 1<<minClassShift {
		return 0
	}
	if c := bits.Len(uint(n-1)) - minClassShift; c < numClasses {
		return c
	}
	return -1
}

// classFor returns the largest class a buffer of capacity n can serve, or -1.
func classFor(n int) int {
	if n < 1<<minClassShift {
		return -1
	}
	return min(bits.Len(uint(n))-1-minClassShift, numClasses-1)
}

// Get returns an empty buffer holding one reference, owned by the caller.
func Get() *Buffer { return get(0) }

// GetSize returns a buffer with len(B) == n (contents undefined) holding one reference.
func GetSize(n int) *Buffer {
	b := get(n)
	b.B = b.B[:n]
	return b
}

func get(n int) *Buffer {
	b := bufferPool.Get().(*Buffer)
	b.refs.Store(1)
	c := classOf(n)
	if c < 0 {
		b.bb = &bytebufferpool.ByteBuffer{B: make([]byte, 0, n)}
	} else {
		b.bb = bytePools[c].Get()
		if size := 1 << (minClassShift + c); cap(b.bb.B) < size {
			b.bb.B = make([]byte, 0, size)
		}
	}
	b.B = b.bb.B[:0]
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
	// bytebufferpool calibrates on len: hand it the capacity.
	b.bb.B = b.B[:cap(b.B)]
	if c := classFor(cap(b.B)); c >= 0 {
		bytePools[c].Put(b.bb)
	}
	b.bb, b.B = nil, nil
	bufferPool.Put(b)
}
