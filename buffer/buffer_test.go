package buffer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRefCounting(t *testing.T) {
	b := GetSize(1000)
	assert.Len(t, b.B, 1000)
	assert.Equal(t, int32(1), b.Refs())
	b.Retain()
	assert.Equal(t, int32(2), b.Refs())
	b.Release()
	assert.Equal(t, int32(1), b.Refs())
	b.Release()
	assert.Panics(t, func() { b.Release() }, "a release too many is caught")
}

func TestSizeClasses(t *testing.T) {
	for _, tc := range []struct{ n, class int }{
		{0, 0}, {256, 0}, {257, 1}, {512, 1}, {513, 2}, {1024, 2}, {4096, 4}, {100 << 10, 9}, {128 << 10, 9}, {128<<10 + 1, 10}, {4 << 20, 14}, {4<<20 + 1, -1},
	} {
		assert.Equal(t, tc.class, classOf(tc.n), "classOf(%d)", tc.n)
	}
	// A buffer grown past its class goes back to the class its capacity serves.
	assert.Equal(t, 4, classFor(5000))
	assert.Equal(t, 4, classFor(4096))
	assert.Equal(t, 9, classFor(200<<10))
	assert.Equal(t, 14, classFor(64<<20), "a huge buffer serves the largest class")
	assert.Equal(t, -1, classFor(100))
	for n := 1; n <= 4<<20; n = n*3/2 + 1 {
		c := classOf(n)
		assert.GreaterOrEqual(t, 1<<(minClassShift+c), n, "class %d holds %d", c, n)
		assert.Less(t, 1<<(minClassShift+c), max(2*n, 257), "class %d is the smallest for %d", c, n)
		assert.Equal(t, c, classFor(1<<(minClassShift+c)), "a buffer of class %d goes back to it", c)
	}
	big := GetSize(5 << 20)
	assert.Len(t, big.B, 5<<20)
	big.Release()
}

func TestSteadyStateDoesNotAllocate(t *testing.T) {
	for _, n := range []int{4, 5000, 100 << 10} {
		GetSize(n).Release() // warm the class
		allocs := testing.AllocsPerRun(100, func() {
			b := GetSize(n)
			b.Retain()
			b.Release()
			b.Release()
		})
		assert.Zero(t, allocs, "size %d", n)
	}
}

func BenchmarkGetRelease100KB(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		GetSize(100 << 10).Release()
	}
}
