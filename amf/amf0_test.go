package amf

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// h decodes a hex string with optional spaces; tests write wire bytes with it.
func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// amf0Golden are AMF0 encodings checked byte by byte against the AMF0
// specification. Each decodes to value and value encodes back to wire.
var amf0Golden = []struct {
	name  string
	wire  string
	value any
}{
	{"number", "00 3ff8000000000000", 1.5},
	{"number zero", "00 0000000000000000", 0.0},
	{"number negative zero", "00 8000000000000000", math.Copysign(0, -1)},
	{"number NaN", "00 7ff8000000000001", math.Float64frombits(0x7ff8000000000001)},
	{"boolean true", "01 01", true},
	{"boolean false", "01 00", false},
	{"string", "02 0003 666f6f", "foo"},
	{"empty string", "02 0000", ""},
	{"object", "03 0001 61 00 3ff0000000000000 0001 62 02 0001 78 000009", Object{{"a", 1.0}, {"b", "x"}}},
	{"empty object", "03 000009", Object{}},
	{"null", "05", nil},
	{"undefined", "06", Undefined{}},
	{"ECMA array", "08 00000001 0001 6b 0101 000009", ECMAArray{{"k", true}}},
	{"strict array", "0a 00000002 00 3ff0000000000000 05", []any{1.0, nil}},
	{"empty strict array", "0a 00000000", []any{}},
	{"date", "0b 426d1a94a2000000 0000", Date{Millis: 1e12}},
	{"date with time zone", "0b 0000000000000000 ffc4", Date{TimeZone: -60}},
	{"unsupported", "0d", Unsupported{}},
	{"XML document", "0f 00000004 3c612f3e", XMLDocument("<a/>")},
	{"typed object", "10 0003 466f6f 0001 78 05 000009", TypedObject{Class: "Foo", Object: Object{{"x", nil}}}},
	{"nested", "03 0001 6f 03 0001 6e 0a 00000001 01 01 000009 000009",
		Object{{"o", Object{{"n", []any{true}}}}}},
	{"AMF3 integer behind AVM+ switch", "11 04 05", int32(5)},
	{"AMF3 byte array behind AVM+ switch", "11 0c 07 010203", []byte{1, 2, 3}},
	{"AMF3 array behind AVM+ switch", "11 09 03 01 06 03 61", Array3{Dense: []any{"a"}}},
}

func TestDecode0Golden(t *testing.T) {
	for _, tt := range amf0Golden {
		t.Run(tt.name, func(t *testing.T) {
			wire := h(tt.wire)
			v, n, err := Decode0(append(wire, 0xff)) // trailing byte is not consumed
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

func TestAppend0Golden(t *testing.T) {
	for _, tt := range amf0Golden {
		if _, ok := tt.value.(int32); ok {
			continue // an int32 encodes as an AMF0 number
		}
		t.Run(tt.name, func(t *testing.T) {
			got, err := Append0([]byte{0xaa}, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]byte{0xaa}, h(tt.wire)...); !bytes.Equal(got, want) {
				t.Fatalf("got  % x\nwant % x", got, want)
			}
		})
	}
}

// TestDecode0Lenient covers inputs other encoders produce that Append0
// would write differently.
func TestDecode0Lenient(t *testing.T) {
	tests := []struct {
		name  string
		wire  string
		value any
	}{
		{"long string", "0c 00000003 616263", "abc"},
		{"ECMA array with a wrong count", "08 00000000 0001 6b 0101 0001 6c 0100 000009", ECMAArray{{"k", true}, {"l", false}}},
		{"boolean other than 1", "01 02", true},
		{"empty name not ending the object", "03 0000 05 000009", Object{{"", nil}}},
		{"reference", "0a 00000002 03 000009 07 0001", []any{Object{}, Object{}}},
		{"reference to the enclosing array's sibling", "0a 00000002 0a 00000001 00 4000000000000000 07 0001",
			[]any{[]any{2.0}, []any{2.0}}},
		{"AMF3 string behind AVM+ switch", "11 06 07 616263", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := h(tt.wire)
			v, n, err := Decode0(wire)
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

func TestDecode0Errors(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		want error
	}{
		{"empty", nil, ErrShortBuffer},
		{"short number", h("00 3ff0"), ErrShortBuffer},
		{"short boolean", h("01"), ErrShortBuffer},
		{"short string length", h("02 00"), ErrShortBuffer},
		{"short string", h("02 0005 6162"), ErrShortBuffer},
		{"short long string", h("0c 00000005 6162"), ErrShortBuffer},
		{"short XML", h("0f 00000005 6162"), ErrShortBuffer},
		{"short date", h("0b 0000000000000000 00"), ErrShortBuffer},
		{"object without end", h("03 0001 61 05"), ErrShortBuffer},
		{"object with short name", h("03 0003 61"), ErrShortBuffer},
		{"object without value", h("03 0001 61"), ErrShortBuffer},
		{"ECMA array without count", h("08 0000"), ErrShortBuffer},
		{"typed object short class", h("10 0005 61"), ErrShortBuffer},
		{"short reference", h("07 00"), ErrShortBuffer},
		{"movie clip", h("04"), ErrInvalidMarker},
		{"object end as a value", h("09"), ErrInvalidMarker},
		{"record set", h("0e"), ErrInvalidMarker},
		{"unknown marker", h("12"), ErrInvalidMarker},
		{"unknown marker in object", h("03 0001 61 ff 000009"), ErrInvalidMarker},
		{"strict array count beyond input", h("0a ffffffff 05"), ErrTooLarge},
		{"strict array count beyond input by one", h("0a 00000003 05 05"), ErrTooLarge},
		{"reference without objects", h("07 0000"), ErrInvalidReference},
		{"reference out of range", h("0a 00000001 07 0001"), ErrInvalidReference},
		{"cyclic reference", h("03 0001 61 07 0000 000009"), ErrInvalidReference},
		{"too deep", nestedArrays0(MaxDepth + 1), ErrTooDeep},
		{"reference expansion", referenceBomb0(), ErrTooLarge},
		{"reference beyond the depth limit", referenceTooDeep0(MaxDepth - 2), ErrTooDeep},
		{"bad AMF3 behind AVM+ switch", h("11 04 ff"), ErrShortBuffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, n, err := Decode0(tt.wire)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if v != nil || n != 0 {
				t.Fatalf("got %v, %d with an error", v, n)
			}
		})
	}
}

func TestDecode0ErrorContext(t *testing.T) {
	_, _, err := Decode0(h("03 0003 617070 02 0005 6c69"))
	want := `amf: decode AMF0: property "app": string at offset 9: amf: short buffer`
	if err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

// nestedArrays0 returns depth strict arrays, each holding the next.
func nestedArrays0(depth int) []byte {
	var b []byte
	for range depth {
		b = append(b, h("0a 00000001")...)
	}
	return append(b, 0x05)
}

// referenceBomb0 returns a 342-byte strict array whose elements double in
// size through references: element k holds two references to element k-1.
func referenceBomb0() []byte {
	const levels = 30
	b := h("0a 00000020")              // index 0: 32 elements
	b = append(b, nestedArrays0(1)...) // index 1: [null]
	for k := 1; k <= levels; k++ {
		// index k+1: [ref k, ref k]
		b = append(b, 0x0a, 0, 0, 0, 2, 0x07, 0, byte(k), 0x07, 0, byte(k))
	}
	return append(b, 0x05)
}

// referenceTooDeep0 returns [X, [[ref X]]] where X is height nested arrays:
// the copy of X ends three levels deeper than X.
func referenceTooDeep0(height int) []byte {
	b := h("0a 00000002")
	b = append(b, nestedArrays0(height)...)
	return append(b, h("0a 00000001 0a 00000001 07 0001")...)
}

func TestDecode0DepthLimit(t *testing.T) {
	if _, _, err := Decode0(nestedArrays0(MaxDepth)); err != nil {
		t.Fatalf("MaxDepth nested arrays: %v", err)
	}
	// X of height MaxDepth-3 copied three levels deeper still fits.
	v, _, err := Decode0(referenceTooDeep0(MaxDepth - 3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Append0(nil, v); err != nil {
		t.Fatalf("re-encode: %v", err)
	}
}

// TestDecodeAll0FFmpegConnect decodes connect commands captured from
// ffmpeg 5.1 (libavformat 59.27.100) publishing and playing
// rtmp://127.0.0.1:19350/live/stream, and encodes them back bit-exactly.
func TestDecodeAll0FFmpegConnect(t *testing.T) {
	tests := []struct {
		file string
		want []any
	}{
		{"connect_ffmpeg_publish.bin", []any{"connect", 1.0, Object{
			{"app", "live"},
			{"type", "nonprivate"},
			{"flashVer", "FMLE/3.0 (compatible; Lavf59.27.100)"},
			{"tcUrl", "rtmp://127.0.0.1:19350/live"},
		}}},
		{"connect_ffmpeg_play.bin", []any{"connect", 1.0, Object{
			{"app", "live"},
			{"flashVer", "LNX 9,0,124,2"},
			{"tcUrl", "rtmp://127.0.0.1:19350/live"},
			{"fpad", false},
			{"capabilities", 15.0},
			{"audioCodecs", 4071.0},
			{"videoCodecs", 252.0},
			{"videoFunction", 1.0},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			payload := readTestdata(t, tt.file)
			vs, err := DecodeAll0(payload)
			if err != nil {
				t.Fatal(err)
			}
			assertEqualValue(t, tt.want, vs)
			cmd := vs[2].(Object)
			if app, ok := cmd.GetString("app"); !ok || app != "live" {
				t.Fatalf("app = %q, %v", app, ok)
			}
			got, err := AppendAll0(nil, vs...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) {
				t.Fatalf("re-encoded\n% x\nwant\n% x", got, payload)
			}
		})
	}
}

// TestDecodeAll0OnMetaData decodes the onMetaData script tag ffmpeg's FLV
// muxer wrote into h264_aac_720p25.flv (tag data at offset 24, 293 bytes).
func TestDecodeAll0OnMetaData(t *testing.T) {
	payload := readTestdata(t, "onmetadata_h264_aac_720p25.bin")
	vs, err := DecodeAll0(payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0] != "onMetaData" {
		t.Fatalf("got %#v", vs)
	}
	md, ok := vs[1].(ECMAArray)
	if !ok {
		t.Fatalf("metadata is %T", vs[1])
	}
	numbers := []struct {
		key  string
		want float64
	}{
		{"duration", 10.08},
		{"width", 1280},
		{"height", 720},
		{"videodatarate", 976.5625},
		{"framerate", 25},
		{"videocodecid", 7},
		{"audiodatarate", 125},
		{"audiosamplerate", 44100},
		{"audiosamplesize", 16},
		{"audiocodecid", 10},
		{"filesize", 1495767},
	}
	for _, n := range numbers {
		if got, ok := md.GetNumber(n.key); !ok || got != n.want {
			t.Errorf("%s = %v, %v; want %v", n.key, got, ok, n.want)
		}
	}
	if stereo, ok := md.GetBool("stereo"); !ok || !stereo {
		t.Errorf("stereo = %v, %v", stereo, ok)
	}
	if enc, _ := md.GetString("encoder"); enc != "Lavf59.27.100" {
		t.Errorf("encoder = %q", enc)
	}
	if len(md) != 13 {
		t.Errorf("%d properties, want 13", len(md))
	}
	got, err := AppendAll0(nil, vs...)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("re-encoded\n% x\nwant\n% x", got, payload)
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAppend0GoTypes(t *testing.T) {
	long := strings.Repeat("x", 70000)
	tests := []struct {
		name string
		v    any
		wire []byte
	}{
		{"int", 5, h("00 4014000000000000")},
		{"int8", int8(-1), h("00 bff0000000000000")},
		{"int16", int16(2), h("00 4000000000000000")},
		{"int32", int32(5), h("00 4014000000000000")},
		{"int64", int64(1) << 40, h("00 4270000000000000")},
		{"uint", uint(1), h("00 3ff0000000000000")},
		{"uint8", uint8(1), h("00 3ff0000000000000")},
		{"uint16", uint16(1), h("00 3ff0000000000000")},
		{"uint32", uint32(1), h("00 3ff0000000000000")},
		{"uint64", uint64(1), h("00 3ff0000000000000")},
		{"float32", float32(0.5), h("00 3fe0000000000000")},
		{"map with sorted keys", map[string]any{"b": nil, "a": true},
			h("03 0001 61 0101 0001 62 05 000009")},
		{"properties", []Property{{"a", nil}}, h("03 0001 61 05 000009")},
		{"time", time.UnixMilli(1e12), h("0b 426d1a94a2000000 0000")},
		{"long string", long, append(h("0c 00011170"), long...)},
		{"string of 65535 bytes", long[:65535], append(h("02 ffff"), long[:65535]...)},
		{"AMF3 XML", XML("<a/>"), h("11 0b 09 3c612f3e")},
		{"AMF3 object", Object3{Dynamic: true}, h("11 0a 0b 01 01")},
		{"AMF3 vector", VectorInt{Values: []int32{1}}, h("11 0d 03 00 00000001")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Append0(nil, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.wire) {
				t.Fatalf("got  % x\nwant % x", got, tt.wire)
			}
		})
	}
}

func TestAppend0Errors(t *testing.T) {
	cyclic := []any{nil}
	cyclic[0] = cyclic
	deep := any(nil)
	for range MaxDepth + 1 {
		deep = []any{deep}
	}
	tests := []struct {
		name string
		v    any
		want error
	}{
		{"channel", make(chan int), ErrUnsupportedType},
		{"struct", struct{}{}, ErrUnsupportedType},
		{"pointer", new(Object), ErrUnsupportedType},
		{"unsupported in object", Object{{"c", func() {}}}, ErrUnsupportedType},
		{"long name", Object{{strings.Repeat("k", 65536), nil}}, ErrTooLarge},
		{"long class", TypedObject{Class: strings.Repeat("k", 65536)}, ErrTooLarge},
		{"too deep", deep, ErrTooDeep},
		{"cyclic", cyclic, ErrTooDeep},
		{"AMF3 value with empty member name", Object3{DynamicMembers: Object{{"", 1}}}, ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte{1, 2}
			got, err := Append0(dst, tt.v)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !bytes.Equal(got, dst) {
				t.Fatalf("dst changed to % x", got)
			}
		})
	}
	if _, err := AppendAll0(nil, "ok", make(chan int)); !errors.Is(err, ErrUnsupportedType) ||
		!strings.Contains(err.Error(), "value 1") {
		t.Fatalf("AppendAll0 error %v", err)
	}
}

// TestRoundTrip0 encodes a value of every type and decodes it back.
func TestRoundTrip0(t *testing.T) {
	values := []any{
		0.0, -1.25, math.Inf(1), math.NaN(), math.MaxFloat64, true, false,
		"", "héllo", strings.Repeat("z", 1<<17),
		nil, Undefined{}, Unsupported{},
		Object{}, Object{{"a", 1.0}, {"a", 2.0}, {"", "empty name"}},
		ECMAArray{}, ECMAArray{{"duration", 10.0}, {"stereo", true}},
		[]any{}, []any{1.0, "two", []any{nil}, Object{{"x", Undefined{}}}},
		Date{Millis: 1.5e12, TimeZone: 120}, XMLDocument("<x>y</x>"),
		TypedObject{Class: "org.example.Point", Object: Object{{"x", 1.0}, {"y", 2.0}}},
		TypedObject{},
		Array3{Assoc: Object{{"k", int32(1)}}, Dense: []any{int32(-5), 1.5}},
		Object3{Class: "C", Sealed: Object{{"s", "v"}}, Dynamic: true, DynamicMembers: Object{{"d", nil}}},
		XML("<a/>"), []byte{0, 1}, VectorUint{Fixed: true, Values: []uint32{1 << 31}},
		VectorDouble{Values: []float64{math.Pi}}, VectorObject{Class: "*", Values: []any{"s"}},
		Dictionary{WeakKeys: true, Entries: []DictionaryEntry{{Key: Object3{Dynamic: true}, Value: int32(1)}}},
		Object{{"deep", nestedValue(MaxDepth - 1)}},
	}
	for i, v := range values {
		b, err := Append0(nil, v)
		if err != nil {
			t.Fatalf("value %d (%T): %v", i, v, err)
		}
		got, n, err := Decode0(b)
		if err != nil {
			t.Fatalf("value %d (%T): %v", i, v, err)
		}
		if n != len(b) {
			t.Fatalf("value %d: used %d of %d bytes", i, n, len(b))
		}
		assertEqualValue(t, v, got)
	}
	// All values as one payload.
	b, err := AppendAll0(nil, values...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeAll0(b)
	if err != nil {
		t.Fatal(err)
	}
	assertEqualValue(t, values, got)
}

// nestedValue returns depth nested []any.
func nestedValue(depth int) any {
	v := any("leaf")
	for range depth {
		v = []any{v}
	}
	return v
}

func TestDecodeAll0(t *testing.T) {
	vs, err := DecodeAll0(nil)
	if err != nil || len(vs) != 0 {
		t.Fatalf("empty payload: %v, %v", vs, err)
	}
	// References reach across the values of one payload.
	vs, err = DecodeAll0(h("03 0001 61 05 000009 07 0000"))
	if err != nil {
		t.Fatal(err)
	}
	assertEqualValue(t, []any{Object{{"a", nil}}, Object{{"a", nil}}}, vs)
	_, err = DecodeAll0(h("05 02 00"))
	if !errors.Is(err, ErrShortBuffer) || !strings.Contains(err.Error(), "value 1") {
		t.Fatalf("error %v", err)
	}
}
