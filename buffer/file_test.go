package buffer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFileRefCounting: a shared File stays readable, as it was, after its
// name is removed, until the last Release closes it.
func TestFileRefCounting(t *testing.T) {
	name := filepath.Join(t.TempDir(), "seg.ts")
	require.NoError(t, os.WriteFile(name, []byte("segment bytes"), 0o644))
	f, err := os.Open(name)
	require.NoError(t, err)
	sf, err := NewFile(f)
	require.NoError(t, err)
	assert.Equal(t, int64(13), sf.Size())
	assert.False(t, sf.Modified().IsZero())

	sf.Retain()
	assert.Equal(t, int32(2), sf.Refs())
	require.NoError(t, os.Remove(name))
	sf.Release()
	b, err := sf.ReadAll()
	require.NoError(t, err, "one reference left: still open")
	assert.Equal(t, "segment bytes", string(b))
	sf.Release()
	_, err = f.Stat()
	assert.ErrorIs(t, err, os.ErrClosed, "the last Release closed it")
	assert.Panics(t, func() { sf.Release() }, "a release too many is caught")
}

// TestNewFileRefusesDirectories: only regular files are shared.
func TestNewFileRefusesDirectories(t *testing.T) {
	d, err := os.Open(t.TempDir())
	require.NoError(t, err)
	defer d.Close()
	_, err = NewFile(d)
	assert.Error(t, err)
}
