package flv

import "encoding/binary"

// FourCC is a four-character code as Enhanced RTMP puts it on the wire:
// the first character is the most significant byte.
type FourCC uint32

// Video FourCCs defined by Enhanced RTMP.
const (
	FourCCAVC  FourCC = 'a'<<24 | 'v'<<16 | 'c'<<8 | '1' // "avc1"
	FourCCHEVC FourCC = 'h'<<24 | 'v'<<16 | 'c'<<8 | '1' // "hvc1"
	FourCCAV1  FourCC = 'a'<<24 | 'v'<<16 | '0'<<8 | '1' // "av01"
	FourCCVP9  FourCC = 'v'<<24 | 'p'<<16 | '0'<<8 | '9' // "vp09"
	FourCCVP8  FourCC = 'v'<<24 | 'p'<<16 | '0'<<8 | '8' // "vp08"
)

// Audio FourCCs defined by Enhanced RTMP v2.
const (
	FourCCOpus FourCC = 'O'<<24 | 'p'<<16 | 'u'<<8 | 's' // "Opus"
	FourCCAAC  FourCC = 'm'<<24 | 'p'<<16 | '4'<<8 | 'a' // "mp4a"
	FourCCAC3  FourCC = 'a'<<24 | 'c'<<16 | '-'<<8 | '3' // "ac-3"
	FourCCEAC3 FourCC = 'e'<<24 | 'c'<<16 | '-'<<8 | '3' // "ec-3"
	FourCCFLAC FourCC = 'f'<<24 | 'L'<<16 | 'a'<<8 | 'C' // "fLaC"
	FourCCMP3  FourCC = '.'<<24 | 'm'<<16 | 'p'<<8 | '3' // ".mp3"
)

// MakeFourCC returns the FourCC of a four-byte code such as "hvc1".
func MakeFourCC(code [4]byte) FourCC {
	return FourCC(binary.BigEndian.Uint32(code[:]))
}

// Bytes returns the four bytes of f in wire order.
func (f FourCC) Bytes() [4]byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(f))
	return b
}

// String returns the four characters of f, or its hexadecimal value when
// one of them is not printable ASCII.
func (f FourCC) String() string {
	b := f.Bytes()
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			const hex = "0123456789abcdef"
			s := []byte("0x00000000")
			for i, c := range b {
				s[2+2*i] = hex[c>>4]
				s[3+2*i] = hex[c&0x0f]
			}
			return string(s)
		}
	}
	return string(b[:])
}
