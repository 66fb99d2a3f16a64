package rtmp

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkGolden compares got with testdata/name, a hex dump of 32 bytes a
// line; with -update it rewrites the file.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	var dump strings.Builder
	for rest := got; len(rest) > 0; {
		n := min(len(rest), 32)
		dump.WriteString(hex.EncodeToString(rest[:n]))
		dump.WriteByte('\n')
		rest = rest[n:]
	}
	if *update {
		if err := os.WriteFile(path, []byte(dump.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := readGolden(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch:\ngot\n%s", name, dump.String())
	}
}

// readGolden reads a hex dump written by checkGolden.
func readGolden(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(strings.Join(strings.Fields(string(b)), ""))
}
