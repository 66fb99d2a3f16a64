package rtmp

import (
	"errors"
	"reflect"
	"testing"
)

func TestControlAppenders(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"set chunk size", AppendSetChunkSize(nil, 4096), h("02 000000 000004 01 00000000 00001000")},
		{"abort", AppendAbort(nil, 6), h("02 000000 000004 02 00000000 00000006")},
		{"ack", AppendAck(nil, 0x01020304), h("02 000000 000004 03 00000000 01020304")},
		{"window ack size", AppendWindowAckSize(nil, 2500000), h("02 000000 000004 05 00000000 002625a0")},
		{"set peer bandwidth", AppendSetPeerBandwidth(nil, 2500000, LimitDynamic), h("02 000000 000005 06 00000000 002625a0 02")},
		{"stream begin", AppendUserControl(nil, EventStreamBegin, 1), h("02 000000 000006 04 00000000 0000 00000001")},
		{"set buffer length", AppendUserControl(nil, EventSetBufferLength, 1, 3000), h("02 000000 00000a 04 00000000 0003 00000001 00000bb8")},
		{"ping request", AppendUserControl(nil, EventPingRequest, 0xdeadbeef), h("02 000000 000006 04 00000000 0006 deadbeef")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if string(tt.got) != string(tt.want) {
				t.Fatalf("got  %x\nwant %x", tt.got, tt.want)
			}
		})
	}
}

func TestParseUserControl(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    UserControl
		err     error
	}{
		{"stream begin", h("0000 00000001"), UserControl{Event: EventStreamBegin, Data: 1}, nil},
		{"stream eof", h("0001 00000002"), UserControl{Event: EventStreamEOF, Data: 2}, nil},
		{"set buffer length", h("0003 00000001 00000bb8"), UserControl{Event: EventSetBufferLength, Data: 1, BufferLength: 3000}, nil},
		{"ping request", h("0006 deadbeef"), UserControl{Event: EventPingRequest, Data: 0xdeadbeef}, nil},
		{"ping response", h("0007 00000d0f"), UserControl{Event: EventPingResponse, Data: 0xd0f}, nil},
		{"vendor event with one byte", h("001a 00"), UserControl{Event: 0x1a}, nil},
		{"vendor event with an argument", h("001f 00000001"), UserControl{Event: 0x1f, Data: 1}, nil},
		{"empty", nil, UserControl{}, ErrShortPayload},
		{"short event", h("00"), UserControl{}, ErrShortPayload},
		{"missing stream ID", h("0000 0000"), UserControl{Event: EventStreamBegin}, ErrShortPayload},
		{"missing buffer length", h("0003 00000001"), UserControl{Event: EventSetBufferLength}, ErrShortPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUserControl(tt.payload)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseUint32(t *testing.T) {
	if v, err := ParseUint32(h("00001000")); v != 4096 || err != nil {
		t.Fatalf("got %d, %v", v, err)
	}
	if _, err := ParseUint32(h("001000")); !errors.Is(err, ErrShortPayload) {
		t.Fatalf("err = %v", err)
	}
	if n, limit, err := ParseSetPeerBandwidth(h("002625a0 02")); n != 2500000 || limit != LimitDynamic || err != nil {
		t.Fatalf("got %d, %d, %v", n, limit, err)
	}
	if _, _, err := ParseSetPeerBandwidth(h("002625a0")); !errors.Is(err, ErrShortPayload) {
		t.Fatalf("err = %v", err)
	}
}

// Control messages round-trip through the reader, which applies Set Chunk Size.
func TestControlRoundTrip(t *testing.T) {
	var b []byte
	b = AppendSetChunkSize(b, 60000)
	b = AppendChunks(b, CSIDVideo, MsgVideo, 1, 0, fill(50000, 0), 60000)
	b = AppendUserControl(b, EventPingRequest, 99)
	r := NewChunkReader()
	got, err := readAll(r, b)
	if err != nil || len(got) != 3 || r.ChunkSize() != 60000 || got[2].Type != MsgUserControl {
		t.Fatalf("got %v, %v, chunk size %d", got, err, r.ChunkSize())
	}
}
