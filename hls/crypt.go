package hls

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"

	"github.com/cascade-live/cascade/buffer"
)

// newKey returns a random AES-128 key and IV, as SRS draws them (both from
// the system's random source) every hls_fragments_per_key segments.
func newKey() (key, iv [16]byte) {
	rand.Read(key[:]) // never fails (crypto/rand, Go 1.24+)
	rand.Read(iv[:])
	return key, iv
}

// encrypt returns plain encrypted with AES-128-CBC and PKCS#7 padding
// (RFC 8216 section 4.3.2.4), in a new buffer.
func encrypt(plain []byte, key, iv [16]byte) *buffer.Buffer {
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	out := buffer.GetSize(len(plain) + pad)
	copy(out.B, plain)
	for i := len(plain); i < len(out.B); i++ {
		out.B[i] = byte(pad)
	}
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic("hls: AES-128 key: " + err.Error()) // a 16-byte key is always valid
	}
	cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(out.B, out.B)
	return out
}
