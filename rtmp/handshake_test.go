package rtmp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// The test's own reading of the complex handshake, written from the layout
// description (not from handshake.go), to check the package against.
var (
	testServerKey = append([]byte("Genuine Adobe Flash Media Server 001"), h(
		"f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae")...)
	testPlayerKey = append([]byte("Genuine Adobe Flash Player 001"), h(
		"f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae")...)
)

func testHMAC(key []byte, data ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

// testDigestAt returns the digest position of a 1536-byte C1/S1 whose digest
// block starts at 8 (schema 1) or 772 (schema 0), and whether it is valid.
func testDigestAt(p []byte, block int, key []byte) (int, bool) {
	pos := block + 4 + (int(p[block])+int(p[block+1])+int(p[block+2])+int(p[block+3]))%728
	d := testHMAC(key, p[:pos], p[pos+32:])
	return pos, bytes.Equal(d, p[pos:pos+32])
}

// testSchema returns the schema (0 or 1) of a C1/S1 and its digest, or -1.
func testSchema(p []byte, key []byte) (int, []byte) {
	if pos, ok := testDigestAt(p, 772, key); ok {
		return 0, p[pos : pos+32]
	}
	if pos, ok := testDigestAt(p, 8, key); ok {
		return 1, p[pos : pos+32]
	}
	return -1, nil
}

// testSignedResponse reports whether an S2/C2 is signed for peerDigest.
func testSignedResponse(p, key, peerDigest []byte) bool {
	return bytes.Equal(p[1504:], testHMAC(testHMAC(key, peerDigest), p[:1504]))
}

// makeC0C1 builds a C0+C1 signed in the given schema from a seeded stream.
func makeC0C1(schema int, seed uint64) []byte {
	p := make([]byte, 1537)
	rng := rand.NewChaCha8([32]byte{byte(seed)})
	rng.Read(p)
	p[0] = 3
	copy(p[1:9], h("00000000 80000702"))
	signC1(p[1:], schema)
	return p
}

// signC1 writes C1's digest in the block of schema.
func signC1(c1 []byte, schema int) {
	block := 8
	if schema == 0 {
		block = 772
	}
	pos := block + 4 + (int(c1[block])+int(c1[block+1])+int(c1[block+2])+int(c1[block+3]))%728
	copy(c1[pos:], testHMAC(testPlayerKey[:30], c1[:pos], c1[pos+32:]))
}

func seeded(seed byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{0: seed}) }

func loadC0C1(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServerHandshake(t *testing.T) {
	tests := []struct {
		name    string
		c0c1    []byte
		complex bool
		schema  int
	}{
		// Golden C1s built from the layout description, one per schema.
		{"schema 0 (golden)", nil, true, 0},
		{"schema 1 (golden)", nil, true, 1},
		// Captured from real clients.
		{"ffmpeg", loadC0C1(t, "c0c1_ffmpeg.bin"), true, 1},
		{"rtmpdump with FP9 handshake", loadC0C1(t, "c0c1_rtmpdump_fp9.bin"), true, 1},
		{"rtmpdump simple", loadC0C1(t, "c0c1_rtmpdump.bin"), false, -1},
	}
	tests[0].c0c1 = goldenC0C1(t, 0)
	tests[1].c0c1 = goldenC0C1(t, 1)
	corrupt := bytes.Clone(tests[2].c0c1)
	pos, _ := testDigestAt(corrupt[1:], 8, testPlayerKey[:30])
	corrupt[1+pos] ^= 1
	tests = append(tests, struct {
		name    string
		c0c1    []byte
		complex bool
		schema  int
	}{"corrupt digest falls back to simple", corrupt, false, -1})
	// A zero version means a simple handshake, as in nginx-rtmp, whatever
	// the rest of C1 holds.
	zeroVersion := makeC0C1(1, 9)
	clear(zeroVersion[5:9])
	signC1(zeroVersion[1:], 1)
	tests = append(tests, struct {
		name    string
		c0c1    []byte
		complex bool
		schema  int
	}{"zero version is simple", zeroVersion, false, 1})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c1 := tt.c0c1[1:]
			if s, _ := testSchema(c1, testPlayerKey[:30]); s != tt.schema {
				t.Fatalf("test C1 has schema %d, want %d", s, tt.schema)
			}
			out, complex, err := ServerHandshake(tt.c0c1, seeded(7))
			if err != nil {
				t.Fatal(err)
			}
			if complex != tt.complex {
				t.Fatalf("complex = %v, want %v", complex, tt.complex)
			}
			if len(out) != 3073 || out[0] != 3 {
				t.Fatalf("S0S1S2: %d bytes, version %d", len(out), out[0])
			}
			s1, s2 := out[1:1537], out[1537:]
			if !complex {
				if !bytes.Equal(s2, c1) {
					t.Fatal("simple S2 does not echo C1")
				}
				if !bytes.Equal(s1[4:8], []byte{0, 0, 0, 0}) {
					t.Fatalf("simple S1 version %x, want zero", s1[4:8])
				}
				return
			}
			schema, _ := testSchema(s1, testServerKey[:36])
			if schema != tt.schema {
				t.Fatalf("S1 schema %d, want %d (the client's)", schema, tt.schema)
			}
			if s1[4] < 3 {
				t.Errorf("S1 version %x: ffmpeg only checks digests of versions ≥ 3", s1[4:8])
			}
			_, c1Digest := testSchema(c1, testPlayerKey[:30])
			if !testSignedResponse(s2, testServerKey, c1Digest) {
				t.Fatal("S2 is not signed with C1's digest")
			}
		})
	}
}

// goldenC0C1 returns testdata/c0c1_schemaN.golden, creating it with -update.
func goldenC0C1(t *testing.T, schema int) []byte {
	t.Helper()
	name := "c0c1_schema0.golden"
	if schema == 1 {
		name = "c0c1_schema1.golden"
	}
	if *update {
		checkGolden(t, name, makeC0C1(schema, uint64(schema+1)))
	}
	b, err := readGolden(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServerHandshakeErrors(t *testing.T) {
	good := loadC0C1(t, "c0c1_ffmpeg.bin")
	v6 := bytes.Clone(good)
	v6[0] = 6
	for name, in := range map[string][]byte{
		"empty":          nil,
		"short":          good[:1536],
		"long":           append(bytes.Clone(good), 0),
		"RTMPE version":  v6,
		"version 0":      append([]byte{0}, good[1:]...),
		"failing random": good,
	} {
		t.Run(name, func(t *testing.T) {
			rnd := seeded(1)
			var r interface{ Read([]byte) (int, error) } = rnd
			if name == "failing random" {
				r = errReader{}
			}
			if _, _, err := ServerHandshake(in, r); err == nil {
				t.Fatal("no error")
			} else if name != "failing random" && !errors.Is(err, ErrHandshake) {
				t.Fatalf("err = %v, want ErrHandshake", err)
			}
		})
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestClientHandshake(t *testing.T) {
	for _, complex := range []bool{true, false} {
		name := "simple"
		if complex {
			name = "complex"
		}
		t.Run(name, func(t *testing.T) {
			c, err := NewClientHandshake(complex, seeded(3))
			if err != nil {
				t.Fatal(err)
			}
			c0c1 := c.C0C1()
			schema, _ := testSchema(c0c1[1:], testPlayerKey[:30])
			if complex && schema != 1 {
				t.Fatalf("complex C1 schema %d, want 1 (FMS requires it)", schema)
			}
			if !complex && (schema != -1 || !bytes.Equal(c0c1[5:9], []byte{0, 0, 0, 0})) {
				t.Fatalf("simple C1: schema %d version %x", schema, c0c1[5:9])
			}
			s0s1s2, serverComplex, err := ServerHandshake(c0c1, seeded(4))
			if err != nil || serverComplex != complex {
				t.Fatalf("server: complex %v, %v", serverComplex, err)
			}
			c2, err := c.Respond(s0s1s2, seeded(5))
			if err != nil {
				t.Fatal(err)
			}
			if c.Complex() != complex {
				t.Fatalf("Complex() = %v", c.Complex())
			}
			s1 := s0s1s2[1:1537]
			if !complex {
				if !bytes.Equal(c2, s1) {
					t.Fatal("simple C2 does not echo S1")
				}
				return
			}
			_, s1Digest := testSchema(s1, testServerKey[:36])
			if !testSignedResponse(c2, testPlayerKey, s1Digest) {
				t.Fatal("C2 is not signed with S1's digest")
			}
		})
	}
}

func TestClientHandshakeRespond(t *testing.T) {
	newPair := func() (*ClientHandshake, []byte) {
		c, err := NewClientHandshake(true, seeded(3))
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := ServerHandshake(c.C0C1(), seeded(4))
		if err != nil {
			t.Fatal(err)
		}
		return c, s
	}

	t.Run("S2 echoing C1 is accepted", func(t *testing.T) {
		c, s := newPair()
		copy(s[1537:], c.C0C1()[1:])
		if _, err := c.Respond(s, seeded(5)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("simple server answer to a complex C1", func(t *testing.T) {
		c, s := newPair()
		s[1+4] = 0 // breaks S1's digest
		c2, err := c.Respond(s, seeded(5))
		if err != nil || c.Complex() || !bytes.Equal(c2, s[1:1537]) {
			t.Fatalf("c2 echoes S1: %v, complex %v, err %v", bytes.Equal(c2, s[1:1537]), c.Complex(), err)
		}
	})
	for name, mutate := range map[string]func([]byte) []byte{
		"bad S2 signature": func(s []byte) []byte { s[3072] ^= 1; return s },
		"version 6":        func(s []byte) []byte { s[0] = 6; return s },
		"short":            func(s []byte) []byte { return s[:3072] },
	} {
		t.Run(name, func(t *testing.T) {
			c, s := newPair()
			if _, err := c.Respond(mutate(s), seeded(5)); !errors.Is(err, ErrHandshake) {
				t.Fatalf("err = %v, want ErrHandshake", err)
			}
		})
	}
}
