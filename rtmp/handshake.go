package rtmp

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"slices"
	"sync"
)

// Handshake sizes: C1, S1, C2 and S2 are HandshakeSize bytes; C0 and S0 are
// the single version byte.
const (
	HandshakeSize = 1536
	// HandshakeVersion is the only RTMP version supported: plain RTMP (6 and
	// above announce RTMPE encryption).
	HandshakeVersion = 3
)

// The complex handshake, which Flash Player, FMS, librtmp and ffmpeg use,
// is not in Adobe's specification. C1 and S1 are
//
//	time (4) | version (4) | block (764) | block (764)
//
// where one block carries a 32-byte HMAC-SHA256 digest and the other a
// 128-byte Diffie-Hellman public key (only used by RTMPE). Schema 0 puts
// the key block first, schema 1 the digest block first. A digest block is
// offset (4) | random | digest (32) | random, the digest starting
// sum(offset bytes) % 728 bytes after the offset field. The digest is the
// HMAC of the other 1504 bytes keyed with the first 30 bytes of the Flash
// Player key (C1) or the first 36 bytes of the Media Server key (S1).
//
// S2 (C2) is 1504 random bytes then HMAC(HMAC(full server (player) key,
// C1 (S1) digest), those 1504 bytes).
var (
	handshakeKeySuffix = []byte{
		0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8,
		0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
		0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB,
		0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
	}
	serverKey = append([]byte("Genuine Adobe Flash Media Server 001"), handshakeKeySuffix...) // 68 bytes
	playerKey = append([]byte("Genuine Adobe Flash Player 001"), handshakeKeySuffix...)       // 62 bytes
)

const (
	serverKeyTextLen = 36
	playerKeyTextLen = 30
	digestSize       = sha256.Size
	// Digest block positions in C1/S1: schema 1 starts with the digest
	// block, schema 0 with the key block.
	digestBlockSchema1 = 8
	digestBlockSchema0 = 8 + 764
)

var (
	// serverVersion is the FMS-like version S1 announces in a complex
	// handshake; its first byte ≥ 3 tells ffmpeg to check S1's digest.
	serverVersion = [4]byte{0x0d, 0x0e, 0x0a, 0x0d}
	// clientVersion is the Flash Player version a complex C1 announces
	// (9.0.124.2, as ffmpeg sends).
	clientVersion = [4]byte{9, 0, 124, 2}
)

// ServerHandshake answers C0+C1 (exactly 1 + HandshakeSize bytes) with
// S0+S1+S2 (1 + 2*HandshakeSize bytes).
//
// When C1 carries a valid digest (schema 0 or 1, as Flash Player, librtmp
// and ffmpeg send) the answer is the complex handshake: S1 is signed with
// the server key in the same schema and S2 is keyed from C1's digest.
// Otherwise it is the simple handshake: S1 is random and S2 echoes C1.
// complex reports which one was used. rnd supplies the random bytes; nil
// means crypto/rand.
//
// The server need not check C2 (ffmpeg's C2 does not always verify), so
// there is no function for it: read and discard HandshakeSize bytes.
func ServerHandshake(c0c1 []byte, rnd io.Reader) (s0s1s2 []byte, complex bool, err error) {
	return AppendServerHandshake(nil, c0c1, rnd)
}

// AppendServerHandshake is ServerHandshake appending S0+S1+S2 to dst, so
// that a server can build it in a pooled buffer: in a join storm, 3 KB per
// connection was the handshake's garbage.
func AppendServerHandshake(dst, c0c1 []byte, rnd io.Reader) (s0s1s2 []byte, complex bool, err error) {
	if len(c0c1) != 1+HandshakeSize {
		return nil, false, fmt.Errorf("rtmp: C0C1 is %d bytes, want %d: %w", len(c0c1), 1+HandshakeSize, ErrHandshake)
	}
	if c0c1[0] != HandshakeVersion {
		return nil, false, fmt.Errorf("rtmp: unsupported RTMP version %d: %w", c0c1[0], ErrHandshake)
	}
	c1 := c0c1[1:]
	// A C1 with a zero version is a simple handshake (as nginx-rtmp
	// decides): no digest to look for, two HMACs saved per connection.
	var c1Digest []byte
	block, ok := digestBlockSchema0, false
	if binary.BigEndian.Uint32(c1[4:8]) != 0 {
		c1Digest, ok = findDigest(c1, block, playerKey[:playerKeyTextLen])
		if !ok {
			block = digestBlockSchema1
			c1Digest, ok = findDigest(c1, block, playerKey[:playerKeyTextLen])
		}
	}

	dst = slices.Grow(dst, 1+2*HandshakeSize)
	start := len(dst)
	dst = dst[:start+1+2*HandshakeSize]
	out := dst[start:]
	out[0] = HandshakeVersion
	s1, s2 := out[1:1+HandshakeSize], out[1+HandshakeSize:]
	if err := readRandom(rnd, s1); err != nil {
		return nil, false, err
	}
	binary.BigEndian.PutUint32(s1[0:4], 0) // time: the epoch may be 0
	if !ok {
		clear(s1[4:8])
		copy(s2, c1) // the simple S2 echoes C1: no random bytes of its own
		return dst, false, nil
	}
	if err := readRandom(rnd, s2); err != nil {
		return nil, false, err
	}
	copy(s1[4:8], serverVersion[:])
	signDigest(s1, block, serverKey[:serverKeyTextLen])
	signResponse(s2, serverKey, c1Digest)
	return dst, true, nil
}

// ClientHandshake is the client's side of the handshake: it makes C0+C1 and
// answers S0+S1+S2 with C2.
type ClientHandshake struct {
	c0c1     []byte
	complex  bool
	digest   []byte // C1's digest (complex)
	response bool   // Respond saw a complex S1
}

// NewClientHandshake makes C0+C1: with complex, a Flash Player 9 style C1
// signed in schema 1 (the layout FMS requires); otherwise a simple C1 with
// a zero version. rnd nil means crypto/rand.
func NewClientHandshake(complex bool, rnd io.Reader) (*ClientHandshake, error) {
	h := &ClientHandshake{c0c1: make([]byte, 1+HandshakeSize), complex: complex}
	h.c0c1[0] = HandshakeVersion
	c1 := h.c0c1[1:]
	if err := readRandom(rnd, c1); err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(c1[0:4], 0)
	if !complex {
		clear(c1[4:8])
		return h, nil
	}
	copy(c1[4:8], clientVersion[:])
	h.digest = signDigest(c1, digestBlockSchema1, playerKey[:playerKeyTextLen])
	return h, nil
}

// C0C1 returns the bytes to send first.
func (h *ClientHandshake) C0C1() []byte { return h.c0c1 }

// Complex reports whether the server answered with a complex handshake
// (valid after Respond).
func (h *ClientHandshake) Complex() bool { return h.response }

// Respond checks S0+S1+S2 and returns C2. S0 must announce version 3. If
// this is a complex handshake and S1 carries a valid server digest, S2
// must be signed with C1's digest (or, as some servers do, echo C1) and C2
// is signed with S1's digest; otherwise C2 echoes S1 as in the simple
// handshake.
func (h *ClientHandshake) Respond(s0s1s2 []byte, rnd io.Reader) (c2 []byte, err error) {
	if len(s0s1s2) != 1+2*HandshakeSize {
		return nil, fmt.Errorf("rtmp: S0S1S2 is %d bytes, want %d: %w", len(s0s1s2), 1+2*HandshakeSize, ErrHandshake)
	}
	if s0s1s2[0] != HandshakeVersion {
		return nil, fmt.Errorf("rtmp: server answered RTMP version %d: %w", s0s1s2[0], ErrHandshake)
	}
	s1, s2 := s0s1s2[1:1+HandshakeSize], s0s1s2[1+HandshakeSize:]
	c2 = make([]byte, HandshakeSize)
	var s1Digest []byte
	ok := false
	if h.complex {
		s1Digest, ok = findDigest(s1, digestBlockSchema0, serverKey[:serverKeyTextLen])
		if !ok {
			s1Digest, ok = findDigest(s1, digestBlockSchema1, serverKey[:serverKeyTextLen])
		}
	}
	if !ok {
		copy(c2, s1)
		return c2, nil
	}
	var want [digestSize]byte
	responseSignature(want[:], s2[:HandshakeSize-digestSize], serverKey, h.digest)
	if !hmac.Equal(want[:], s2[HandshakeSize-digestSize:]) && !bytes.Equal(s2, h.c0c1[1:]) {
		return nil, fmt.Errorf("rtmp: S2 signature mismatch: %w", ErrHandshake)
	}
	h.response = true
	if err := readRandom(rnd, c2); err != nil {
		return nil, err
	}
	signResponse(c2, playerKey, s1Digest)
	return c2, nil
}

// digestPos returns the position of the digest in a C1/S1 whose digest
// block starts at block.
func digestPos(p []byte, block int) int {
	off := int(p[block]) + int(p[block+1]) + int(p[block+2]) + int(p[block+3])
	return block + 4 + off%728
}

// digestOf computes the HMAC of p without the 32 bytes at pos, into the
// digest's place in out (which must hold digestSize bytes).
func digestOf(out, p []byte, pos int, key []byte) {
	m := getMAC(key)
	m.h.Write(p[:pos])
	m.h.Write(p[pos+digestSize:])
	m.sum(out)
}

// findDigest reports whether p (C1 or S1) carries a valid digest in the
// digest block at block, and returns it.
func findDigest(p []byte, block int, key []byte) ([]byte, bool) {
	pos := digestPos(p, block)
	d := p[pos : pos+digestSize]
	var want [digestSize]byte
	digestOf(want[:], p, pos, key)
	if !hmac.Equal(d, want[:]) {
		return nil, false
	}
	return d, true
}

// signDigest writes the digest of p into the digest block at block and
// returns it.
func signDigest(p []byte, block int, key []byte) []byte {
	pos := digestPos(p, block)
	d := p[pos : pos+digestSize]
	digestOf(d, p, pos, key)
	return d
}

// responseSignature writes into out the signature of an S2/C2 whose first
// 1504 bytes are random, answering the peer's digest.
func responseSignature(out, random, key, peerDigest []byte) {
	var k [digestSize]byte
	m := getMAC(key)
	m.h.Write(peerDigest)
	m.sum(k[:])
	m = getMAC(k[:])
	m.h.Write(random)
	m.sum(out)
}

// signResponse writes the signature into the last 32 bytes of p (S2 or C2).
func signResponse(p, key, peerDigest []byte) {
	n := HandshakeSize - digestSize
	responseSignature(p[n:], p[:n], key, peerDigest)
}

// mac is HMAC-SHA256 (RFC 2104) on a pooled hash: crypto/hmac allocates
// some 10 objects per key, and a complex handshake uses 4 keys.
type mac struct {
	h          hash.Hash
	ipad, opad [sha256.BlockSize]byte
	inner      [sha256.Size]byte
}

var macs = sync.Pool{New: func() any { return &mac{h: sha256.New()} }}

// getMAC returns a mac keyed with key, ready for the message; sum returns
// it to the pool.
func getMAC(key []byte) *mac {
	m := macs.Get().(*mac)
	ipad := &m.ipad
	if len(key) > sha256.BlockSize {
		m.inner = sha256.Sum256(key)
		key = m.inner[:]
	}
	copy(ipad[:], key)
	clear(ipad[len(key):])
	for i := range ipad {
		m.opad[i] = ipad[i] ^ 0x5c
		ipad[i] ^= 0x36
	}
	m.h.Reset()
	m.h.Write(ipad[:])
	return m
}

// sum writes the HMAC of what was written into out (digestSize bytes) and
// puts m back in the pool.
func (m *mac) sum(out []byte) {
	inner := m.h.Sum(m.inner[:0])
	m.h.Reset()
	m.h.Write(m.opad[:])
	m.h.Write(inner)
	copy(out, m.h.Sum(m.inner[:0]))
	macs.Put(m)
}

func readRandom(rnd io.Reader, p []byte) error {
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, p); err != nil {
		return fmt.Errorf("rtmp: handshake random bytes: %w", err)
	}
	return nil
}
