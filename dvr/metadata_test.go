package dvr

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-live/cascade/amf"
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

func TestMetadataPayloadHasFixedSize(t *testing.T) {
	publisher := amf.ECMAArray{
		{Key: "duration", Value: 10.08}, // describes the publisher's file: dropped
		{Key: "width", Value: 1280.0},
		{Key: "encoder", Value: "Lavf"},
		{Key: "filesize", Value: 1.0},
	}
	m, err := newMetadataLayout(publisher, 4)
	require.NoError(t, err)
	empty, err := m.payload(0, 0, nil)
	require.NoError(t, err)
	golden(t, "metadata_empty.amf", empty)

	x := newKeyframeIndex(4)
	x.add(0, 100)
	x.add(2000, 2000)
	x.add(4000, 4000)
	final, err := m.payload(6.5, 5000, x)
	require.NoError(t, err)
	golden(t, "metadata_final.amf", final)
	require.Len(t, final, m.size)

	vs, err := amf.DecodeAll0(final)
	require.NoError(t, err)
	meta := vs[1].(amf.ECMAArray)
	d, _ := meta.GetNumber("duration")
	assert.Equal(t, 6.5, d)
	size, _ := meta.GetNumber("filesize")
	assert.Equal(t, 5000.0, size)
	w, _ := meta.GetNumber("width")
	assert.Equal(t, 1280.0, w)
	kf, _ := meta.Get("keyframes")
	times, _ := kf.(amf.Object).Get("times")
	assert.Equal(t, []any{0.0, 2.0, 4.0}, times)
	positions, _ := kf.(amf.Object).Get("filepositions")
	assert.Equal(t, []any{100.0, 2000.0, 4000.0}, positions)
}

func TestKeyframeIndexDecimates(t *testing.T) {
	x := newKeyframeIndex(4)
	for i := range 20 {
		x.add(uint32(i*1000), int64(i))
		require.LessOrEqual(t, len(x.times), 4)
	}
	// 20 keyframes, room for 4: every 8th (0, 8, 16).
	assert.Equal(t, []uint32{0, 8000, 16000}, x.times)
	assert.Equal(t, []int64{0, 8, 16}, x.positions)
	assert.Equal(t, 8, x.stride)
}

func TestPublisherMetadata(t *testing.T) {
	arr := amf.ECMAArray{{Key: "width", Value: 640.0}}
	plain, _ := amf.AppendAll0(nil, "onMetaData", arr)
	set, _ := amf.AppendAll0(nil, "@setDataFrame", "onMetaData", amf.Object(arr))
	other, _ := amf.AppendAll0(nil, "onCuePoint", arr)
	assert.Equal(t, arr, publisherMetadata(plain))
	assert.Equal(t, arr, publisherMetadata(set))
	assert.Nil(t, publisherMetadata(other))
	assert.Nil(t, publisherMetadata([]byte{0x02, 0xff}))
}
