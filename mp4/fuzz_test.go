package mp4

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzWalk: any input is walked without panicking, and every box's body
// lies inside the input.
func FuzzWalk(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.m*")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0, 0, 0, 0, 16})
	f.Add([]byte{0, 0, 0, 0, 'm', 'o', 'o', 'v'})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Walk(b, func(box Box) error {
			if box.Offset < 0 || box.Offset+8 > len(b) || len(box.Body) > len(b) {
				t.Fatalf("box %s at %d with %d bytes in %d", box.Path, box.Offset, len(box.Body), len(b))
			}
			return nil
		})
	})
}
