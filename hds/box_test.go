package hds

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func sampleBootstrap() *Bootstrap {
	return &Bootstrap{
		InfoVersion:      7,
		Profile:          ProfileNamed,
		Live:             true,
		TimeScale:        1000,
		CurrentMediaTime: 10080,
		MovieIdentifier:  "livestream",
		SegmentRuns:      []SegmentRunTable{{Entries: []SegmentRun{{FirstSegment: 1, FragmentsPerSegment: 3}}}},
		FragmentRuns: []FragmentRunTable{{TimeScale: 1000, Entries: []FragmentRun{
			{FirstFragment: 3, FirstTimestamp: 4000, Duration: 2000},
			{FirstFragment: 4, FirstTimestamp: 6000, Duration: 2000},
			{FirstFragment: 5, FirstTimestamp: 8000, Duration: 2080},
			{FirstFragment: 6, FirstTimestamp: 10080, Duration: 0, Discontinuity: EndOfPresentation},
		}}},
	}
}

func sampleRandomAccess() *RandomAccess {
	return &RandomAccess{LongOffsets: true, TimeScale: 1000, Entries: []RandomAccessEntry{{Time: 4000, Offset: 49}, {Time: 6000, Offset: 90210}}}
}

func TestBootstrapRoundTrip(t *testing.T) {
	b := sampleBootstrap()
	data := b.AppendBox(nil)
	golden(t, "bootstrap.abst", data)
	got, err := ParseBootstrap(data)
	require.NoError(t, err)
	assert.Equal(t, b, got)

	// The nested tables parse on their own too.
	_, content, _, err := NextBox(data)
	require.NoError(t, err)
	asrt := b.SegmentRuns[0].AppendBox(nil)
	assert.Contains(t, string(content), string(asrt))
	srt, err := ParseSegmentRunTable(asrt)
	require.NoError(t, err)
	assert.Equal(t, &b.SegmentRuns[0], srt)
	frt, err := ParseFragmentRunTable(b.FragmentRuns[0].AppendBox(nil))
	require.NoError(t, err)
	assert.Equal(t, &b.FragmentRuns[0], frt)
}

func TestBootstrapFields(t *testing.T) {
	data := sampleBootstrap().AppendBox(nil)
	// Fixed positions from the specification: size, "abst", version and
	// flags, BootstrapinfoVersion, then Profile(2) Live(1) Update(1).
	assert.Equal(t, uint32(len(data)), uint32(data[0])<<24|uint32(data[1])<<16|uint32(data[2])<<8|uint32(data[3]))
	assert.Equal(t, "abst", string(data[4:8]))
	assert.Equal(t, []byte{0, 0, 0, 7}, data[12:16])
	assert.Equal(t, byte(0x20), data[16], "named profile, live, no update")
	assert.Equal(t, []byte{0, 0, 0x03, 0xe8}, data[17:21], "time scale 1000")
}

func TestRandomAccessRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		afra *RandomAccess
	}{
		{"long offsets", sampleRandomAccess()},
		{"short offsets", &RandomAccess{TimeScale: 1000, Entries: []RandomAccessEntry{{Time: 1, Offset: 2}}}},
		{"global short", &RandomAccess{TimeScale: 1000, Global: []GlobalRandomAccessEntry{{Time: 5, Segment: 1, Fragment: 9, AfraOffset: 100, OffsetFromAfra: 200}}}},
		{"global long", &RandomAccess{LongIDs: true, LongOffsets: true, TimeScale: 90000, Entries: []RandomAccessEntry{{Time: 1 << 40, Offset: 1 << 33}}, Global: []GlobalRandomAccessEntry{{Time: 5, Segment: 70000, Fragment: 80000, AfraOffset: 1 << 35, OffsetFromAfra: 7}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.afra.AppendBox(nil)
			assert.Len(t, data, tt.afra.BoxLen())
			got, err := ParseRandomAccess(data)
			require.NoError(t, err)
			if tt.afra.Global == nil {
				assert.Nil(t, got.Global)
			}
			assert.Equal(t, tt.afra, got)
		})
	}
	golden(t, "fragment.afra", sampleRandomAccess().AppendBox(nil))
}

func TestParseRejectsBrokenBoxes(t *testing.T) {
	abst := sampleBootstrap().AppendBox(nil)
	afra := sampleRandomAccess().AppendBox(nil)
	tests := []struct {
		name string
		data []byte
		err  error
		afra bool
	}{
		{"empty", nil, ErrShortBox, false},
		{"truncated", abst[:len(abst)-3], ErrShortBox, false},
		{"size below header", []byte{0, 0, 0, 4, 'a', 'b', 's', 't'}, ErrInvalidBox, false},
		{"wrong type", afra, ErrInvalidBox, false},
		{"trailing bytes", append(append([]byte{}, abst...), 0), ErrInvalidBox, false},
		{"huge entry count", func() []byte {
			b := append([]byte{}, afra...)
			b[17], b[18], b[19], b[20] = 0xff, 0xff, 0xff, 0xff
			return b
		}(), ErrInvalidBox, true},
		{"afra truncated", afra[:len(afra)-1], ErrShortBox, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.afra {
				_, err = ParseRandomAccess(tt.data)
			} else {
				_, err = ParseBootstrap(tt.data)
			}
			assert.ErrorIs(t, err, tt.err)
		})
	}
}
