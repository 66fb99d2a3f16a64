package amf

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

const arrayCollection = "flex.messaging.io.ArrayCollection"

// amf3Golden are AMF3 encodings checked byte by byte against the AMF3
// specification. Each decodes to value, and Append3 writes value as wire.
var amf3Golden = []struct {
	name  string
	wire  string
	value any
}{
	{"undefined", "00", Undefined{}},
	{"null", "01", nil},
	{"false", "02", false},
	{"true", "03", true},
	{"integer 0", "04 00", int32(0)},
	{"integer 127", "04 7f", int32(127)},
	{"integer 128", "04 8100", int32(128)},
	{"integer 16383", "04 ff7f", int32(16383)},
	{"integer 16384", "04 818000", int32(16384)},
	{"integer 2^21-1", "04 ffff7f", int32(1<<21 - 1)},
	{"integer 2^21", "04 80c08000", int32(1 << 21)},
	{"integer 2^28-1", "04 bfffffff", int32(1<<28 - 1)},
	{"integer -1", "04 ffffffff", int32(-1)},
	{"integer -2^28", "04 c0808000", int32(-1 << 28)},
	{"double", "05 3ff8000000000000", 1.5},
	{"double integral", "05 4000000000000000", 2.0},
	{"string", "06 0b 68656c6c6f", "hello"},
	{"empty string", "06 01", ""},
	{"XML document", "07 09 3c612f3e", XMLDocument("<a/>")},
	{"date", "08 01 426d1a94a2000000", Date{Millis: 1e12}},
	{"dense array", "09 05 01 04 01 04 02", Array3{Dense: []any{int32(1), int32(2)}}},
	{"associative array", "09 01 03 61 04 01 01", Array3{Assoc: Object{{"a", int32(1)}}, Dense: []any{}}},
	{"string references", "09 07 01 06 05 6162 06 00 06 01", Array3{Dense: []any{"ab", "ab", ""}}},
	{"anonymous object", "0a 0b 01 03 61 04 01 01", Object3{Dynamic: true, DynamicMembers: Object{{"a", int32(1)}}}},
	{"sealed object", "0a 23 07 466f6f 03 78 03 79 04 01 03",
		Object3{Class: "Foo", Sealed: Object{{"x", int32(1)}, {"y", true}}}},
	{"traits reference", "09 05 01 0a 13 07 466f6f 03 78 04 01 0a 01 04 02", Array3{Dense: []any{
		Object3{Class: "Foo", Sealed: Object{{"x", int32(1)}}},
		Object3{Class: "Foo", Sealed: Object{{"x", int32(2)}}},
	}}},
	{"class name is a string reference", "09 05 01 06 07 466f6f 0a 03 00", Array3{Dense: []any{
		"Foo", Object3{Class: "Foo"},
	}}},
	{"XML", "0b 09 3c612f3e", XML("<a/>")},
	{"byte array", "0c 07 010203", []byte{1, 2, 3}},
	{"vector int", "0d 05 01 00000001 ffffffff", VectorInt{Fixed: true, Values: []int32{1, -1}}},
	{"vector uint", "0e 03 00 80000000", VectorUint{Values: []uint32{1 << 31}}},
	{"vector double", "0f 03 00 3fe0000000000000", VectorDouble{Values: []float64{0.5}}},
	{"vector object", "10 03 00 01 06 03 78", VectorObject{Values: []any{"x"}}},
	{"vector object typed", "10 03 01 07 466f6f 0a 03 00", VectorObject{Fixed: true, Class: "Foo", Values: []any{
		Object3{Class: "Foo"},
	}}},
	{"dictionary", "11 03 01 04 01 06 03 61", Dictionary{WeakKeys: true, Entries: []DictionaryEntry{{int32(1), "a"}}}},
	{"ArrayCollection", "0a 07 43 " + hexString(arrayCollection) + " 09 03 01 04 01", Object3{
		Class: arrayCollection, Externalizable: true, External: Array3{Dense: []any{int32(1)}},
	}},
}

func hexString(s string) string {
	var b strings.Builder
	for i := range len(s) {
		b.WriteString("0123456789abcdef"[s[i]>>4 : s[i]>>4+1])
		b.WriteString("0123456789abcdef"[s[i]&15 : s[i]&15+1])
	}
	return b.String()
}

func TestDecode3Golden(t *testing.T) {
	for _, tt := range amf3Golden {
		t.Run(tt.name, func(t *testing.T) {
			wire := h(tt.wire)
			v, n, err := Decode3(append(wire, 0xff))
			if err != nil {
				t.Fatal(err)
			}
			if n != len(wire) {
				t.Fatalf("used %d bytes, want %d", n, len(wire))
			}
			assertEqualValue(t, tt.value, v)
		})
	}
}

func TestAppend3Golden(t *testing.T) {
	for _, tt := range amf3Golden {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Append3([]byte{0xaa}, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]byte{0xaa}, h(tt.wire)...); !bytes.Equal(got, want) {
				t.Fatalf("got  % x\nwant % x", got, want)
			}
		})
	}
}

// TestDecode3Lenient covers encodings Append3 writes differently.
func TestDecode3Lenient(t *testing.T) {
	tests := []struct {
		name  string
		wire  string
		value any
	}{
		{"non-minimal integer", "04 8000", int32(0)},
		{"object reference", "09 05 01 0a 0b 01 01 0a 02", Array3{Dense: []any{
			Object3{Dynamic: true}, Object3{Dynamic: true},
		}}},
		{"byte array reference", "09 05 01 0c 03 07 0c 02", Array3{Dense: []any{[]byte{7}, []byte{7}}}},
		{"date reference", "09 05 01 08 01 0000000000000000 08 02", Array3{Dense: []any{Date{}, Date{}}}},
		{"externalizable traits with the dynamic bit", "0a 0f 43 " + hexString(arrayCollection) + " 01", Object3{
			Class: arrayCollection, Externalizable: true,
		}},
		{"vector fixed flag other than 1", "0d 01 02", VectorInt{Fixed: true, Values: []int32{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := h(tt.wire)
			v, n, err := Decode3(wire)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(wire) {
				t.Fatalf("used %d bytes, want %d", n, len(wire))
			}
			assertEqualValue(t, tt.value, v)
		})
	}
}

func TestDecode3Errors(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		want error
	}{
		{"empty", nil, ErrShortBuffer},
		{"short integer", h("04 ff"), ErrShortBuffer},
		{"short double", h("05 3ff0"), ErrShortBuffer},
		{"short string", h("06 07 61"), ErrShortBuffer},
		{"short byte array", h("0c 07 01"), ErrShortBuffer},
		{"short date", h("08 01 00"), ErrShortBuffer},
		{"short vector flag", h("0d 03"), ErrShortBuffer},
		{"short dictionary flag", h("11 01"), ErrShortBuffer},
		{"object without end", h("0a 0b 01 03 61 01"), ErrShortBuffer},
		{"unknown marker", h("12"), ErrInvalidMarker},
		{"unknown marker in array", h("09 03 01 ff"), ErrInvalidMarker},
		{"string reference without strings", h("06 00"), ErrInvalidReference},
		{"string reference out of range", h("09 05 01 06 03 61 06 02"), ErrInvalidReference},
		{"object reference without objects", h("0a 00"), ErrInvalidReference},
		{"traits reference without traits", h("0a 01"), ErrInvalidReference},
		{"cyclic object", h("0a 0b 01 03 61 0a 00 01"), ErrInvalidReference},
		{"cyclic array", h("09 03 01 09 00"), ErrInvalidReference},
		{"unknown externalizable class", h("0a 07 07 466f6f 00"), ErrExternalizable},
		{"array length beyond input", h("09 ffffff7f 01"), ErrTooLarge},
		{"sealed count beyond input", h("0a ffffff73 01"), ErrTooLarge},
		{"vector int length beyond input", h("0d 05 00 00000001"), ErrTooLarge},
		{"vector double length beyond input", h("0f 03 00 00000000"), ErrTooLarge},
		{"vector object length beyond input", h("10 05 00 01 01"), ErrTooLarge},
		{"dictionary size beyond input", h("11 05 00 01 01 01"), ErrTooLarge},
		{"too deep", nestedArrays3(MaxDepth + 1), ErrTooDeep},
		{"reference expansion", referenceBomb3(), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, n, err := Decode3(tt.wire)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if v != nil || n != 0 {
				t.Fatalf("got %v, %d with an error", v, n)
			}
		})
	}
}

func nestedArrays3(depth int) []byte {
	b := bytes.Repeat(h("09 03 01"), depth)
	return append(b, 0x01)
}

// referenceBomb3 is an array whose element k holds two references to
// element k-1.
func referenceBomb3() []byte {
	const levels = 30
	b := h("09 41 01")                 // index 0: 32 elements
	b = append(b, h("09 03 01 01")...) // index 1: [null]
	for k := 1; k <= levels; k++ {
		b = append(b, 0x09, 0x05, 0x01, 0x09, byte(k<<1), 0x09, byte(k<<1))
	}
	return append(b, 0x01)
}

func TestDecode3DepthLimit(t *testing.T) {
	if _, _, err := Decode3(nestedArrays3(MaxDepth)); err != nil {
		t.Fatalf("MaxDepth nested arrays: %v", err)
	}
	// [X, [[ref X]]] with X of height MaxDepth-2 would nest 65 deep.
	for _, tt := range []struct {
		height int
		want   error
	}{{MaxDepth - 3, nil}, {MaxDepth - 2, ErrTooDeep}} {
		b := h("09 05 01")
		b = append(b, nestedArrays3(tt.height)...)
		b = append(b, h("09 03 01 09 03 01 09 02")...)
		if _, _, err := Decode3(b); !errors.Is(err, tt.want) {
			t.Fatalf("height %d: error %v, want %v", tt.height, err, tt.want)
		}
	}
}

// TestDecoder3Tables checks that Decoder3 keeps its reference tables from
// one value to the next, and Reset empties them.
func TestDecoder3Tables(t *testing.T) {
	var d Decoder3
	stream := h("06 05 6162 0a 13 07 466f6f 03 78 04 01 06 00 0a 01 04 02 0a 00")
	var got []any
	for off := 0; off < len(stream); {
		v, n, err := d.Decode(stream[off:])
		if err != nil {
			t.Fatalf("offset %d: %v", off, err)
		}
		got = append(got, v)
		off += n
	}
	foo1 := Object3{Class: "Foo", Sealed: Object{{"x", int32(1)}}}
	assertEqualValue(t, []any{"ab", foo1, "ab", Object3{Class: "Foo", Sealed: Object{{"x", int32(2)}}}, foo1}, got)

	// A failed value leaves no trace in the tables: its string "zz" and
	// object are gone, so references to them fail.
	if _, _, err := d.Decode(h("09 05 01 06 05 7a7a 0a 0b 01 03 61")); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("truncated value: %v", err)
	}
	for _, ref := range []string{"06 06", "06 08", "0a 04", "0a 05"} {
		if _, _, err := d.Decode(h(ref)); !errors.Is(err, ErrInvalidReference) {
			t.Fatalf("reference %s after a failed value: %v", ref, err)
		}
	}
	if v, _, err := d.Decode(h("06 00")); err != nil || v != "ab" {
		t.Fatalf("string reference 0 after a failed value: %v, %v", v, err)
	}

	d.Reset()
	if _, _, err := d.Decode(h("06 00")); !errors.Is(err, ErrInvalidReference) {
		t.Fatalf("after Reset: %v", err)
	}
}

// TestEncoder3Tables checks that Encoder3 writes repeated strings and
// traits as references across values and forgets what a failed call added.
func TestEncoder3Tables(t *testing.T) {
	var e Encoder3
	var b []byte
	var err error
	foo := func(x int) Object3 { return Object3{Class: "Foo", Sealed: Object{{"x", x}}} }
	for _, v := range []any{"ab", foo(1), "ab", foo(2)} {
		if b, err = e.Append(b, v); err != nil {
			t.Fatal(err)
		}
	}
	if want := h("06 05 6162 0a 13 07 466f6f 03 78 04 01 06 00 0a 01 04 02"); !bytes.Equal(b, want) {
		t.Fatalf("got  % x\nwant % x", b, want)
	}

	// A failed value leaves no trace in the tables.
	bad := Object3{Class: "Bar", DynamicMembers: Object{{"new", make(chan int)}}}
	if out, err := e.Append(b, bad); !errors.Is(err, ErrUnsupportedType) || len(out) != len(b) {
		t.Fatalf("bad value: %v, %d bytes", err, len(out))
	}
	b = b[:0]
	for _, v := range []any{"new", Object3{Class: "Bar", Dynamic: true}} {
		if b, err = e.Append(b, v); err != nil {
			t.Fatal(err)
		}
	}
	if want := h("06 07 6e6577 0a 0b 07 426172 01"); !bytes.Equal(b, want) {
		t.Fatalf("after error got % x\nwant % x", b, want)
	}

	e.Reset()
	if b, _ = e.Append(nil, "ab"); !bytes.Equal(b, h("06 05 6162")) {
		t.Fatalf("after Reset got % x", b)
	}
}

func TestAppend3GoTypes(t *testing.T) {
	tests := []struct {
		name string
		v    any
		wire string
	}{
		{"int", 5, "04 05"},
		{"int8", int8(-1), "04 ffffffff"},
		{"int16", int16(300), "04 822c"},
		{"int64 beyond 29 bits", int64(1) << 28, "05 41b0000000000000"},
		{"int below 29 bits", -1<<28 - 1, "05 c1b0000001000000"},
		{"uint", uint(1), "04 01"},
		{"uint8", uint8(255), "04 817f"},
		{"uint16", uint16(1), "04 01"},
		{"uint32 beyond 29 bits", uint32(1 << 31), "05 41e0000000000000"},
		{"uint64 max", uint64(math.MaxUint64), "05 43f0000000000000"},
		{"float32", float32(0.5), "05 3fe0000000000000"},
		{"float64 integral stays a double", 1.0, "05 3ff0000000000000"},
		{"[]any", []any{true}, "09 03 01 03"},
		{"Object", Object{{"a", nil}}, "0a 0b 01 03 61 01 01"},
		{"[]Property", []Property{{"a", nil}}, "0a 0b 01 03 61 01 01"},
		{"map with sorted keys", map[string]any{"b": 1, "a": 2}, "0a 0b 01 03 61 04 02 03 62 04 01 01"},
		{"ECMAArray", ECMAArray{{"a", nil}}, "09 01 03 61 01 01"},
		{"TypedObject", TypedObject{Class: "P", Object: Object{{"x", 1}}}, "0a 13 03 50 03 78 04 01"},
		{"Date drops the time zone", Date{Millis: 0, TimeZone: 60}, "08 01 0000000000000000"},
		{"repeated member names", []any{Object{{"k", 1}}, Object{{"k", 2}}},
			"09 05 01 0a 0b 01 03 6b 04 01 01 0a 01 00 04 02 01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Append3(nil, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if want := h(tt.wire); !bytes.Equal(got, want) {
				t.Fatalf("got  % x\nwant % x", got, want)
			}
		})
	}
}

func TestAppend3Errors(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want error
	}{
		{"unsupported", Unsupported{}, ErrUnsupportedType},
		{"struct", struct{}{}, ErrUnsupportedType},
		{"empty dynamic name", Object{{"", 1}}, ErrInvalidKey},
		{"empty associative key", Array3{Assoc: Object{{"", 1}}}, ErrInvalidKey},
		{"unknown externalizable", Object3{Class: "Foo", Externalizable: true}, ErrExternalizable},
		{"too deep", nestedValue(MaxDepth + 1), ErrTooDeep},
		{"deep dictionary", Dictionary{Entries: []DictionaryEntry{{Key: nestedValue(MaxDepth), Value: nil}}}, ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Append3([]byte{9}, tt.v)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !bytes.Equal(got, []byte{9}) {
				t.Fatalf("dst changed to % x", got)
			}
		})
	}
}

// TestRoundTrip3 encodes a value of every AMF3 type and decodes it back.
func TestRoundTrip3(t *testing.T) {
	point := func(x, y float64) Object3 {
		return Object3{Class: "org.example.Point", Sealed: Object{{"x", x}, {"y", y}}}
	}
	values := []any{
		Undefined{}, nil, true, false,
		int32(0), int32(maxInt29), int32(minInt29), 1.5, math.NaN(), math.Inf(-1),
		"", "héllo", strings.Repeat("s", 1<<16),
		XMLDocument("<d/>"), XML("<x/>"), Date{Millis: -1.5}, []byte{}, []byte("bytes"),
		Array3{}, Array3{Assoc: Object{{"a", "b"}}, Dense: []any{"b", "a", Array3{Dense: []any{nil}}}},
		Object3{}, Object3{Dynamic: true}, point(1, 2),
		Array3{Dense: []any{point(1, 2), point(3, 4), Object3{Class: "org.example.Point", Dynamic: true}}},
		Object3{Class: "flex.messaging.io.ObjectProxy", Externalizable: true, External: Object3{Dynamic: true,
			DynamicMembers: Object{{"k", "v"}}}},
		Object3{Class: "flex.messaging.io.ArrayCollection", Externalizable: true, External: nil},
		VectorInt{Values: []int32{math.MinInt32, math.MaxInt32}}, VectorUint{Fixed: true, Values: []uint32{math.MaxUint32}},
		VectorDouble{Values: []float64{math.NaN(), -0.0}}, VectorObject{Class: "org.example.Point", Values: []any{point(0, 0), nil}},
		Dictionary{}, Dictionary{WeakKeys: true, Entries: []DictionaryEntry{
			{Key: "k", Value: int32(1)}, {Key: point(1, 1), Value: []byte{1}}, {Key: nil, Value: VectorInt{}},
		}},
		nestedValue3(MaxDepth - 1),
	}
	for i, v := range values {
		b, err := Append3(nil, v)
		if err != nil {
			t.Fatalf("value %d (%T): %v", i, v, err)
		}
		got, n, err := Decode3(b)
		if err != nil {
			t.Fatalf("value %d (%T): %v", i, v, err)
		}
		if n != len(b) {
			t.Fatalf("value %d: used %d of %d bytes", i, n, len(b))
		}
		assertEqualValue(t, v, got)
	}

	// The same values through one Encoder3 and one Decoder3.
	var e Encoder3
	var b []byte
	for _, v := range values {
		var err error
		if b, err = e.Append(b, v); err != nil {
			t.Fatal(err)
		}
	}
	var d Decoder3
	for i, v := range values {
		got, n, err := d.Decode(b)
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		assertEqualValue(t, v, got)
		b = b[n:]
	}
}

// nestedValue3 returns depth nested Array3.
func nestedValue3(depth int) any {
	v := any("leaf")
	for range depth {
		v = Array3{Dense: []any{v}}
	}
	return v
}

func TestObject3Get(t *testing.T) {
	o := Object3{Sealed: Object{{"a", 1.0}}, DynamicMembers: Object{{"b", 2.0}, {"a", 3.0}}}
	if v, ok := o.Get("a"); !ok || v != 1.0 {
		t.Fatalf("a = %v, %v", v, ok)
	}
	if v, ok := o.Get("b"); !ok || v != 2.0 {
		t.Fatalf("b = %v, %v", v, ok)
	}
	if _, ok := o.Get("c"); ok {
		t.Fatal("c found")
	}
}
