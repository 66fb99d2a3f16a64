package rtmp

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/cascade-live/cascade/amf"
)

func mustPayload(t testing.TB, cmd *Command) []byte {
	t.Helper()
	b, err := cmd.AppendPayload(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type commandSeed struct {
	typ     uint8
	payload []byte
}

func commandSeeds() []commandSeed {
	connect := &Command{Name: CmdConnect, TransactionID: 1, Object: amf.Object{
		{Key: "app", Value: "live"},
		{Key: "type", Value: "nonprivate"},
		{Key: "flashVer", Value: "FMLE/3.0 (compatible; Lavf59.27.100)"},
		{Key: "tcUrl", Value: "rtmp://127.0.0.1:1935/live"},
	}}
	var seeds []commandSeed
	for _, c := range []*Command{
		connect,
		{Name: CmdReleaseStream, TransactionID: 2, Args: []any{"x"}},
		{Name: CmdCreateStream, TransactionID: 4},
		{Name: CmdPublish, TransactionID: 5, Args: []any{"x", "live"}},
		{Name: CmdPlay, TransactionID: 4, Args: []any{"x", -2.0, -1.0, false}},
		ConnectResult(1, 0),
		Status(CodePlayStart),
	} {
		p, err := c.AppendPayload(nil)
		if err != nil {
			panic(err)
		}
		seeds = append(seeds, commandSeed{MsgAMF0Command, p})
		seeds = append(seeds, commandSeed{MsgAMF3Command, append([]byte{0}, p...)})
	}
	seeds = append(seeds,
		commandSeed{MsgAMF0Command, h("02 0004 70696e67 11 0401")}, // AVM+ switch to an AMF3 integer
		commandSeed{MsgAMF0Command, h("00 3ff0000000000000")},      // a number as name
		commandSeed{MsgAMF0Data, h("02 000d 40736574446174614672616d65")},
	)
	return seeds
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name    string
		typ     uint8
		payload []byte
		want    *Command
		err     error
	}{
		{
			name:    "connect",
			typ:     MsgAMF0Command,
			payload: h("02 0007 636f6e6e656374  00 3ff0000000000000  03 0003 617070 02 0004 6c697665  000009"),
			want:    &Command{Name: "connect", TransactionID: 1, Object: amf.Object{{Key: "app", Value: "live"}}},
		},
		{
			name:    "createStream as AMF3 command",
			typ:     MsgAMF3Command,
			payload: h("00  02 000c 63726561746553747265616d  00 4000000000000000  05"),
			want:    &Command{Name: "createStream", TransactionID: 2},
		},
		{
			name:    "publish with args",
			typ:     MsgAMF0Command,
			payload: h("02 0007 7075626c697368  00 4014000000000000  05  02 0001 78  02 0004 6c697665"),
			want:    &Command{Name: "publish", TransactionID: 5, Args: []any{"x", "live"}},
		},
		{
			name:    "name only",
			typ:     MsgAMF0Command,
			payload: h("02 0004 70696e67"),
			want:    &Command{Name: "ping"},
		},
		{
			name:    "transaction ID as AMF3 integer",
			typ:     MsgAMF0Command,
			payload: h("02 0004 70696e67 11 0403"),
			want:    &Command{Name: "ping", TransactionID: 3},
		},
		{name: "empty", typ: MsgAMF0Command, payload: nil, err: ErrInvalidCommand},
		{name: "AMF3 empty", typ: MsgAMF3Command, payload: h("00"), err: ErrInvalidCommand},
		{name: "number as name", typ: MsgAMF0Command, payload: h("00 3ff0000000000000"), err: ErrInvalidCommand},
		{name: "string as transaction ID", typ: MsgAMF0Command, payload: h("02 0001 61 02 0001 62"), err: ErrInvalidCommand},
		{name: "truncated", typ: MsgAMF0Command, payload: h("02 0007 636f6e6e65"), err: ErrInvalidCommand},
		{name: "data message type", typ: MsgAMF0Data, payload: h("02 0001 61"), err: ErrInvalidCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCommand(tt.typ, tt.payload)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseConnect(t *testing.T) {
	cmd := &Command{Name: CmdConnect, TransactionID: 1, Object: amf.Object{
		{Key: "app", Value: "live"},
		{Key: "flashVer", Value: "FMLE/3.0"},
		{Key: "swfUrl", Value: "http://s/x.swf"},
		{Key: "tcUrl", Value: "rtmp://h/live"},
		{Key: "type", Value: "nonprivate"},
		{Key: "pageUrl", Value: "http://s/"},
		{Key: "objectEncoding", Value: float64(3)},
		{Key: "custom", Value: true},
	}, Args: []any{"user arg"}}
	p, err := ParseConnect(cmd)
	if err != nil {
		t.Fatal(err)
	}
	want := &ConnectParams{App: "live", TcURL: "rtmp://h/live", PageURL: "http://s/", SwfURL: "http://s/x.swf",
		FlashVer: "FMLE/3.0", Type: "nonprivate", ObjectEncoding: 3, Raw: cmd.Object.(amf.Object), Args: []any{"user arg"}}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
	// An ECMA array and an AMF3 object are accepted as command object.
	if p, err := ParseConnect(&Command{Name: CmdConnect, Object: amf.ECMAArray{{Key: "app", Value: "a"}}}); err != nil || p.App != "a" {
		t.Fatalf("ECMA array: %+v, %v", p, err)
	}
	o3 := amf.Object3{Sealed: amf.Object{{Key: "app", Value: "a"}}, Dynamic: true, DynamicMembers: amf.Object{{Key: "tcUrl", Value: "t"}}}
	if p, err := ParseConnect(&Command{Name: CmdConnect, Object: o3}); err != nil || p.App != "a" || p.TcURL != "t" {
		t.Fatalf("AMF3 object: %+v, %v", p, err)
	}
	for _, bad := range []*Command{
		{Name: CmdPlay, Object: amf.Object{}},
		{Name: CmdConnect},
		{Name: CmdConnect, Object: "x"},
	} {
		if _, err := ParseConnect(bad); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("%+v: err = %v", bad, err)
		}
	}
}

func TestParsePublishPlay(t *testing.T) {
	pub := []struct {
		args []any
		want *PublishParams
		err  error
	}{
		{[]any{"x"}, &PublishParams{Name: "x", Type: "live"}, nil},
		{[]any{"x?k=v", "record"}, &PublishParams{Name: "x?k=v", Type: "record"}, nil},
		{[]any{"x", "append"}, &PublishParams{Name: "x", Type: "append"}, nil},
		{[]any{"x", ""}, &PublishParams{Name: "x", Type: "live"}, nil},
		{nil, nil, ErrInvalidCommand},
		{[]any{1.0}, nil, ErrInvalidCommand},
		{[]any{"x", false}, nil, ErrInvalidCommand},
	}
	for i, tt := range pub {
		got, err := ParsePublish(&Command{Name: CmdPublish, Args: tt.args})
		if !errors.Is(err, tt.err) || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("publish %d: got %+v, %v; want %+v, %v", i, got, err, tt.want, tt.err)
		}
	}
	play := []struct {
		args []any
		want *PlayParams
		err  error
	}{
		{[]any{"x"}, &PlayParams{Name: "x", Start: -2, Duration: -1, Reset: true}, nil},
		{[]any{"x", -1.0}, &PlayParams{Name: "x", Start: -1, Duration: -1, Reset: true}, nil},
		{[]any{"x", 10.0, 5.0, false}, &PlayParams{Name: "x", Start: 10, Duration: 5, Reset: false}, nil},
		{[]any{"x", nil, amf.Undefined{}, 0.0}, &PlayParams{Name: "x", Start: -2, Duration: -1, Reset: false}, nil},
		{[]any{"x", -2.0, -1.0, 1.0}, &PlayParams{Name: "x", Start: -2, Duration: -1, Reset: true}, nil},
		{[]any{"x", "y"}, nil, ErrInvalidCommand},
		{[]any{"x", -2.0, -1.0, "y"}, nil, ErrInvalidCommand},
		{[]any{nil}, nil, ErrInvalidCommand},
	}
	for i, tt := range play {
		got, err := ParsePlay(&Command{Name: CmdPlay, Args: tt.args})
		if !errors.Is(err, tt.err) || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("play %d: got %+v, %v; want %+v, %v", i, got, err, tt.want, tt.err)
		}
	}
	if _, err := ParsePublish(&Command{Name: CmdPlay, Args: []any{"x"}}); !errors.Is(err, ErrInvalidCommand) {
		t.Error("ParsePublish accepted play")
	}
	if _, err := ParsePlay(&Command{Name: CmdPublish, Args: []any{"x"}}); !errors.Is(err, ErrInvalidCommand) {
		t.Error("ParsePlay accepted publish")
	}
	if id, err := ParseDeleteStream(&Command{Name: CmdDeleteStream, Args: []any{1.0}}); id != 1 || err != nil {
		t.Errorf("deleteStream: %v, %v", id, err)
	}
	if pause, ms, err := ParsePause(&Command{Name: CmdPause, Args: []any{true, 1500.0}}); !pause || ms != 1500 || err != nil {
		t.Errorf("pause: %v %v %v", pause, ms, err)
	}
	if _, _, err := ParsePause(&Command{Name: CmdPause, Args: []any{"x"}}); !errors.Is(err, ErrInvalidCommand) {
		t.Errorf("pause: %v", err)
	}
}

// The responses are checked byte for byte against golden files, and
// field by field against what SRS sends.
func TestResponses(t *testing.T) {
	tests := []struct {
		name string
		cmd  *Command
	}{
		{"connect_result", ConnectResult(1, 0)},
		{"connect_result_amf3", ConnectResult(1, 3)},
		{"connect_rejected", ConnectRejected(1, "auth failed")},
		{"create_stream_result", CreateStreamResult(4, 1)},
		{"fmle_start_result", FMLEStartResult(2)},
		{"call_result", CallResult(3)},
		{"on_fc_publish", OnFCPublish()},
		{"on_fc_unpublish", OnFCUnpublish()},
		{"publish_start", Status(CodePublishStart)},
		{"publish_bad_name", Status(CodePublishBadName)},
		{"unpublish_success", Status(CodeUnpublishSuccess)},
		{"play_reset", Status(CodePlayReset)},
		{"play_start", Status(CodePlayStart)},
		{"play_stop", Status(CodePlayStop)},
		{"play_unpublish_notify", Status(CodePlayUnpublishNotify)},
		{"play_stream_not_found", Status(CodePlayStreamNotFound)},
		{"pause_notify", Status(CodePauseNotify)},
		{"unpause_notify", Status(CodeUnpauseNotify)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := AppendCommand(nil, CSIDStream, 1, tt.cmd, 128)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "response_"+tt.name+".golden", out)
			got, err := readAll(NewChunkReader(), out)
			if err != nil || len(got) != 1 || got[0].Type != MsgAMF0Command || got[0].CSID != CSIDStream || got[0].StreamID != 1 {
				t.Fatalf("read back %v, %v", got, err)
			}
			back, err := ParseCommand(MsgAMF0Command, h(got[0].Payload))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.cmd) {
				t.Fatalf("round trip:\ngot  %#v\nwant %#v", back, tt.cmd)
			}
		})
	}

	// Field values as in SRS's SrsRtmpServer.
	res := ConnectResult(1, 3)
	props := res.Object.(amf.Object)
	info := StatusInfo(res)
	if v, _ := props.GetString("fmsVer"); v != "FMS/3,5,3,888" {
		t.Errorf("fmsVer %q", v)
	}
	if v, _ := props.GetNumber("capabilities"); v != 127 {
		t.Errorf("capabilities %v", v)
	}
	if v, _ := props.GetNumber("mode"); v != 1 {
		t.Errorf("mode %v", v)
	}
	if v, _ := info.GetString("code"); v != "NetConnection.Connect.Success" {
		t.Errorf("code %q", v)
	}
	if v, _ := info.GetString("description"); v != "Connection succeeded" {
		t.Errorf("description %q", v)
	}
	if v, _ := info.GetNumber("objectEncoding"); v != 3 {
		t.Errorf("objectEncoding %v", v)
	}
	for code, want := range map[string][2]string{
		CodePublishStart:     {"Started publishing stream.", ClientID},
		CodePlayStart:        {"Started playing stream.", ClientID},
		CodePlayReset:        {"Playing and resetting stream.", ClientID},
		CodeUnpublishSuccess: {"Stream is now unpublished", ClientID},
		CodePauseNotify:      {"Paused stream.", ""},
	} {
		st := Status(code)
		if st.Name != "onStatus" || st.TransactionID != 0 || st.Object != nil {
			t.Errorf("%s: %+v", code, st)
		}
		info := StatusInfo(st)
		d, _ := info.GetString("description")
		c, _ := info.GetString("clientid")
		if d != want[0] || c != want[1] {
			t.Errorf("%s: description %q clientid %q", code, d, c)
		}
	}
}

func TestParseData(t *testing.T) {
	payload := h("02 000d 40736574446174614672616d65  02 000a 6f6e4d65746144617461  08 00000001 0005 7769647468 00 4094000000000000 000009")
	name, values, err := ParseData(MsgAMF0Data, payload)
	if err != nil || name != DataSetDataFrame || len(values) != 2 || values[0] != DataOnMetaData {
		t.Fatalf("got %q %v %v", name, values, err)
	}
	if name, _, err := ParseData(MsgAMF3Data, append([]byte{0}, payload...)); err != nil || name != DataSetDataFrame {
		t.Fatalf("AMF3 data: %q %v", name, err)
	}
	for _, bad := range []struct {
		typ uint8
		p   []byte
	}{{MsgAMF0Data, nil}, {MsgAMF0Data, h("05")}, {MsgAMF0Command, payload}, {MsgAMF0Data, h("02 00")}} {
		if _, _, err := ParseData(bad.typ, bad.p); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("%d %x: err = %v", bad.typ, bad.p, err)
		}
	}
}

func TestMetadataPayload(t *testing.T) {
	meta := amf.ECMAArray{{Key: "width", Value: 1280.0}, {Key: "height", Value: 720.0}, {Key: "encoder", Value: "Lavf"}}
	onMeta, _ := amf.AppendAll0(nil, "onMetaData", meta)
	onMetaObject, _ := amf.AppendAll0(nil, "onMetaData", amf.Object(meta))
	withFrame, _ := amf.AppendAll0(nil, "@setDataFrame", "onMetaData", meta)
	tests := []struct {
		name    string
		payload []byte
		extra   []amf.Property
		want    []byte
		meta    amf.ECMAArray
		err     error
	}{
		{"@setDataFrame is stripped", withFrame, nil, onMeta, meta, nil},
		{"onMetaData is copied", onMeta, nil, onMeta, meta, nil},
		{"object is kept an object", onMetaObject, nil, onMetaObject, meta, nil},
		{"AMF3 data message", append([]byte{0}, withFrame...), nil, onMeta, meta, nil},
		{"trailing values are dropped", append(clone(onMeta), h("0101")...), nil, onMeta, meta, nil},
		{
			"extra fields", withFrame,
			[]amf.Property{{Key: "server", Value: "cascade"}, {Key: "encoder", Value: "x"}},
			mustAMF(t, "onMetaData", amf.ECMAArray{{Key: "width", Value: 1280.0}, {Key: "height", Value: 720.0}, {Key: "encoder", Value: "x"}, {Key: "server", Value: "cascade"}}),
			amf.ECMAArray{{Key: "width", Value: 1280.0}, {Key: "height", Value: 720.0}, {Key: "encoder", Value: "x"}, {Key: "server", Value: "cascade"}},
			nil,
		},
		{"no metadata value", mustAMF(t, "onMetaData"), nil, mustAMF(t, "onMetaData", amf.ECMAArray{}), amf.ECMAArray{}, nil},
		{"other handler", mustAMF(t, "onCuePoint", amf.Object{}), nil, nil, nil, ErrNotMetadata},
		{"@setDataFrame of another handler", mustAMF(t, "@setDataFrame", "onTextData", amf.Object{}), nil, nil, nil, ErrNotMetadata},
		{"not a string", h("05"), nil, nil, nil, ErrInvalidCommand},
		{"truncated", onMeta[:20], nil, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, m, err := MetadataPayload([]byte("dst"), tt.payload, tt.extra...)
			if tt.name == "truncated" {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if string(got[:3]) != "dst" || string(got[3:]) != string(tt.want) {
				t.Fatalf("got  %x\nwant %x", got[3:], tt.want)
			}
			if !reflect.DeepEqual(m, tt.meta) {
				t.Fatalf("meta %v, want %v", m, tt.meta)
			}
		})
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func mustAMF(t *testing.T, vs ...any) []byte {
	t.Helper()
	b, err := amf.AppendAll0(nil, vs...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAppendDataAndSampleAccess(t *testing.T) {
	out := AppendRtmpSampleAccess(nil, 1, 128)
	got, err := readAll(NewChunkReader(), out)
	if err != nil || len(got) != 1 || got[0].Type != MsgAMF0Data || got[0].StreamID != 1 {
		t.Fatalf("%v %v", got, err)
	}
	name, values, err := ParseData(MsgAMF0Data, h(got[0].Payload))
	if err != nil || name != "|RtmpSampleAccess" || !reflect.DeepEqual(values, []any{true, true}) {
		t.Fatalf("%q %v %v", name, values, err)
	}
	want, _ := amf.AppendAll0(nil, "|RtmpSampleAccess", true, true)
	if string(sampleAccessPayload) != string(want) {
		t.Fatalf("payload %x, want %x", sampleAccessPayload, want)
	}
	out, err = AppendData(nil, CSIDStream, 1, 0, 128, "onStatus", amf.Object{{Key: "code", Value: CodeDataStart}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = readAll(NewChunkReader(), out)
	name, values, err = ParseData(MsgAMF0Data, h(got[0].Payload))
	if err != nil || name != "onStatus" || fmt.Sprint(values) != "[[{code NetStream.Data.Start}]]" {
		t.Fatalf("%q %v %v", name, values, err)
	}
	if _, err := AppendData(nil, CSIDStream, 1, 0, 128, "x", make(chan int)); err == nil {
		t.Fatal("encoded a channel")
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range commandSeeds() {
		f.Add(s.payload, s.typ)
	}
	f.Fuzz(func(t *testing.T, payload []byte, typ uint8) {
		cmd, err := ParseCommand(typ, payload)
		if err != nil {
			if !errors.Is(err, ErrInvalidCommand) {
				t.Fatalf("error %v does not wrap ErrInvalidCommand", err)
			}
			return
		}
		// Typed views never panic.
		ParseConnect(cmd)
		ParsePublish(cmd)
		ParsePlay(cmd)
		ParsePause(cmd)
		ParseDeleteStream(cmd)
		StatusInfo(cmd)
		// What was parsed encodes, and parses back to the same command.
		p, err := cmd.AppendPayload(nil)
		if err != nil {
			return // e.g. AMF3-only values the AMF0 encoder rejects
		}
		back, err := ParseCommand(MsgAMF0Command, p)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if fmt.Sprintf("%#v", back) != fmt.Sprintf("%#v", cmd) {
			t.Fatalf("round trip:\ngot  %#v\nwant %#v", back, cmd)
		}
		MetadataPayload(nil, payload)
		ParseData(typ, payload)
	})
}
