package hds

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		b, err := os.ReadFile("testdata/" + name)
		require.NoError(f, err)
		f.Add(b)
	}
}

func FuzzParseBootstrap(f *testing.F) {
	addSeeds(f, "bootstrap.abst")
	f.Add(sampleBootstrap().SegmentRuns[0].AppendBox(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBootstrap(data)
		if err != nil {
			return
		}
		again, err := ParseBootstrap(b.AppendBox(nil))
		require.NoError(t, err)
		require.Equal(t, b, again)
	})
}

func FuzzParseRandomAccess(f *testing.F) {
	addSeeds(f, "fragment.afra")
	f.Add((&RandomAccess{LongIDs: true, Global: []GlobalRandomAccessEntry{{Segment: 1}}}).AppendBox(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseRandomAccess(data)
		if err != nil {
			return
		}
		again, err := ParseRandomAccess(a.AppendBox(nil))
		require.NoError(t, err)
		require.Equal(t, a, again)
	})
}
