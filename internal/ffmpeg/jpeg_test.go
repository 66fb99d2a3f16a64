package ffmpeg

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"github.com/stretchr/testify/require"
)

func encodeJPEG(t testing.TB, shade uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, 32, 16))
	for i := range img.Pix {
		img.Pix[i] = shade + uint8(i)
	}
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, nil))
	return b.Bytes()
}

// handmade is a JPEG-shaped stream whose segment payload and entropy data
// hold 0xFF 0xD9 that are not its end.
var handmade = []byte{
	0xff, 0xd8, // SOI
	0xff, 0xe0, 0x00, 0x06, 0xff, 0xd9, 0xff, 0xd9, // APP0 whose payload looks like EOI twice
	0xff, 0xff, 0xda, 0x00, 0x02, // SOS after a fill byte, empty header
	0x12, 0xff, 0x00, 0xff, 0xd3, 0x34, // data, a stuffed 0xFF, a restart marker
	0xff, 0xd9, // EOI
}

func TestNextJPEG(t *testing.T) {
	a, b := encodeJPEG(t, 10), encodeJPEG(t, 200)
	for _, tc := range []struct {
		name string
		in   []byte
		n    int
		bad  bool
	}{
		{"encoded", append(append([]byte{}, a...), b...), len(a), false},
		{"handmade", append(append([]byte{}, handmade...), a...), len(handmade), false},
		{"empty", nil, 0, false},
		{"not a jpeg", []byte("\x89PNG\r\n"), 0, true},
		{"garbage after SOI", []byte{0xff, 0xd8, 0x00}, 0, true},
		{"short length", []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, bad := nextJPEG(tc.in)
			require.Equal(t, tc.n, n)
			require.Equal(t, tc.bad, bad)
		})
	}
	// Every strict prefix asks for more.
	for _, j := range [][]byte{a, handmade} {
		for i := range j {
			n, bad := nextJPEG(j[:i])
			require.False(t, bad, "prefix %d", i)
			require.Zero(t, n, "prefix %d", i)
		}
	}
}

// TestJPEGSplitter feeds pictures in odd-sized writes: each is stored
// whole, the last one is what Get serves.
func TestJPEGSplitter(t *testing.T) {
	store := newSnapshots()
	defer store.clear()
	w := &jpegWriter{store: store, stream: Stream{Vhost: "v", App: "live", Stream: "s"}}
	var stream []byte
	var last []byte
	for i := 0; i < 5; i++ {
		last = encodeJPEG(t, uint8(i*40))
		stream = append(stream, last...)
	}
	sp := w.run()
	for len(stream) > 0 {
		n := min(len(stream), 777)
		_, err := sp.Write(stream[:n])
		require.NoError(t, err)
		stream = stream[n:]
	}
	b, ctype, ok := store.Get("/live/s.jpg")
	require.True(t, ok)
	require.Equal(t, "image/jpeg", ctype)
	require.Equal(t, last, b.B)
	b.Release()
	require.Equal(t, 5, store.List()[0].Pictures)

	_, err := w.run().Write([]byte("not a picture"))
	require.Error(t, err)

	store.close(w)
	_, _, ok = store.Get("/live/s.jpg")
	require.False(t, ok)
	_, err = w.run().Write(encodeJPEG(t, 1))
	require.NoError(t, err)
	require.Empty(t, store.List(), "a closed writer stores nothing")
}

// FuzzNextJPEG: never panics, never reads past the input.
func FuzzNextJPEG(f *testing.F) {
	f.Add(handmade)
	f.Add(encodeJPEG(f, 0))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, bad := nextJPEG(b)
		if n > len(b) || (bad && n != 0) {
			t.Fatalf("n=%d bad=%v for %d bytes", n, bad, len(b))
		}
	})
}
