package amf

import (
	"bytes"
	"testing"
)

// fuzzSeeds0 are AMF0 inputs: the golden vectors and captured payloads.
func fuzzSeeds0(f *testing.F) {
	for _, tt := range amf0Golden {
		f.Add(h(tt.wire))
	}
	for _, name := range []string{"connect_ffmpeg_publish.bin", "connect_ffmpeg_play.bin", "onmetadata_h264_aac_720p25.bin"} {
		f.Add(readTestdata(f, name))
	}
	f.Add(referenceTooDeep0(4))
	f.Add(h("0a 00000002 03 000009 07 0001"))
	f.Add(h("11 0a 13 07 466f6f 03 78 04 01"))
}

// FuzzDecode0 checks that Decode0 and DecodeAll0 never panic, and that
// whatever they decode encodes and decodes back to the same value.
func FuzzDecode0(f *testing.F) {
	fuzzSeeds0(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := Decode0(b)
		if err == nil {
			if n <= 0 || n > len(b) {
				t.Fatalf("used %d of %d bytes", n, len(b))
			}
			roundTrip0(t, v)
		}
		vs, err := DecodeAll0(b)
		if err == nil {
			enc, err := AppendAll0(nil, vs...)
			if err != nil {
				t.Fatalf("re-encode %#v: %v", vs, err)
			}
			vs2, err := DecodeAll0(enc)
			if err != nil {
				t.Fatalf("decode re-encoded % x: %v", enc, err)
			}
			if !equalValues(vs, vs2, true) {
				t.Fatalf("round trip changed\n%#v\nto\n%#v", vs, vs2)
			}
		}
	})
}

func roundTrip0(t *testing.T, v any) {
	t.Helper()
	enc, err := Append0(nil, v)
	if err != nil {
		t.Fatalf("re-encode %#v: %v", v, err)
	}
	v2, n, err := Decode0(enc)
	if err != nil {
		t.Fatalf("decode re-encoded % x: %v", enc, err)
	}
	if n != len(enc) {
		t.Fatalf("re-encoded value used %d of %d bytes", n, len(enc))
	}
	// AMF3 integers right behind an AVM+ switch come back as AMF0 numbers.
	if !equalValues(v, v2, true) {
		t.Fatalf("round trip changed\n%#v\nto\n%#v", v, v2)
	}
	enc2, err := Append0(nil, v2)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("encoding is not stable: % x then % x (%v)", enc, enc2, err)
	}
}

// FuzzDecode3 checks that Decode3 and Decoder3 never panic, and that
// whatever they decode encodes and decodes back to the same value, alone
// and as a sequence sharing reference tables.
func FuzzDecode3(f *testing.F) {
	for _, tt := range amf3Golden {
		f.Add(h(tt.wire))
	}
	f.Add(h("06 05 6162 0a 13 07 466f6f 03 78 04 01 06 00 0a 01 04 02 0a 00"))
	f.Add(h("09 05 01 0a 0b 01 01 0a 02"))
	f.Add(h("09 07 01 0c 03 07 0c 02 08 01 0000000000000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := Decode3(b)
		if err == nil {
			if n <= 0 || n > len(b) {
				t.Fatalf("used %d of %d bytes", n, len(b))
			}
			enc, err := Append3(nil, v)
			if err != nil {
				t.Fatalf("re-encode %#v: %v", v, err)
			}
			v2, n2, err := Decode3(enc)
			if err != nil {
				t.Fatalf("decode re-encoded % x: %v", enc, err)
			}
			if n2 != len(enc) || !equalValues(v, v2, false) {
				t.Fatalf("round trip changed\n%#v\nto\n%#v", v, v2)
			}
			if enc2, err := Append3(nil, v2); err != nil || !bytes.Equal(enc, enc2) {
				t.Fatalf("encoding is not stable: % x then % x (%v)", enc, enc2, err)
			}
		}

		// A sequence of values sharing tables.
		var d Decoder3
		var vs []any
		for off := 0; off < len(b) && len(vs) < 16; {
			v, n, err := d.Decode(b[off:])
			if err != nil {
				break
			}
			vs = append(vs, v)
			off += n
		}
		var e Encoder3
		var enc []byte
		for _, v := range vs {
			if enc, err = e.Append(enc, v); err != nil {
				t.Fatalf("re-encode %#v: %v", v, err)
			}
		}
		var d2 Decoder3
		for i, v := range vs {
			v2, n, err := d2.Decode(enc)
			if err != nil {
				t.Fatalf("decode re-encoded value %d: %v", i, err)
			}
			if !equalValues(v, v2, false) {
				t.Fatalf("sequence round trip changed value %d\n%#v\nto\n%#v", i, v, v2)
			}
			enc = enc[n:]
		}
	})
}
