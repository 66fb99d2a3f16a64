package rtmp

import (
	"testing"

	"github.com/cascade-live/cascade/amf"
)

// TestRedirectStatus: SRS's RTMP 302, byte for byte, and its ex object.
func TestRedirectStatus(t *testing.T) {
	cmd := RedirectStatus("rtmp://10.0.0.2:1935/live/stream?token=a")
	b, err := AppendCommand(nil, CSIDStream, 1, cmd, DefaultChunkSize)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "redirect_status.golden", b)
	info := StatusInfo(cmd)
	if code, _ := info.GetString("code"); code != CodeConnectRejected {
		t.Errorf("code %q", code)
	}
	v, _ := info.Get("ex")
	ex, _ := v.(amf.Object)
	for key, want := range map[string]any{"code": 302.0, "redirect": "rtmp://10.0.0.2:1935/live",
		"redirect2": "rtmp://10.0.0.2:1935/live/stream?token=a"} {
		if got, _ := ex.Get(key); got != want {
			t.Errorf("ex.%s = %v, want %v", key, got, want)
		}
	}
}
