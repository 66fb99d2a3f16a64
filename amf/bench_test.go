package amf

import "testing"

// BenchmarkDecode0Connect decodes the connect command ffmpeg sends when
// playing (197 bytes: name, transaction ID, an 8-property command object).
func BenchmarkDecode0Connect(b *testing.B) {
	payload := readTestdata(b, "connect_ffmpeg_play.bin")
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeAll0(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode0OnMetaData decodes ffmpeg's onMetaData (13 properties).
func BenchmarkDecode0OnMetaData(b *testing.B) {
	payload := readTestdata(b, "onmetadata_h264_aac_720p25.bin")
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeAll0(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend0OnStatus encodes a NetStream.Publish.Start onStatus
// command into a reused buffer.
func BenchmarkAppend0OnStatus(b *testing.B) {
	info := Object{
		{"level", "status"},
		{"code", "NetStream.Publish.Start"},
		{"description", "Start publishing"},
		{"details", "stream"},
		{"clientid", "ASAICiss"},
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendAll0(buf[:0], "onStatus", 0.0, nil, info); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkDecode3Objects decodes an AMF3 array of typed objects sharing
// traits and strings.
func BenchmarkDecode3Objects(b *testing.B) {
	var dense []any
	for i := range 16 {
		dense = append(dense, Object3{Class: "org.example.Point", Sealed: Object{{"x", i}, {"y", "label"}}})
	}
	payload, err := Append3(nil, dense)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode3(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend3Objects encodes the same array.
func BenchmarkAppend3Objects(b *testing.B) {
	var dense []any
	for i := range 16 {
		dense = append(dense, Object3{Class: "org.example.Point", Sealed: Object{{"x", i}, {"y", "label"}}})
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = Append3(buf[:0], dense); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}
