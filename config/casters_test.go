package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStreamCastersAndSRTServer(t *testing.T) {
	c := mustLoad(t, `
stream_caster { enabled on; caster mpegts_over_udp; output rtmp://127.0.0.1/live/udp; listen 8935; }
stream_caster { enabled on; caster flv; output rtmp://127.0.0.1/[app]/[stream]; listen 127.0.0.1:8936; }
stream_caster { enabled off; caster rtsp; output rtmp://127.0.0.1/[app]/[stream]; listen 554; }
stream_caster { enabled on; caster rtsp; output rtmp://127.0.0.1/[app]/[stream]; listen 5540; rtp_port_min 40000; rtp_port_max 40100; }
stream_caster { enabled on; caster gb28181; output rtmp://127.0.0.1/live/[stream]; listen 9000; }
srt_server { enabled on; listen 10081; latency 200; peerlatency 50; tsbpdmode off; default_mode publish; }
vhost x {}`)
	var got []string
	for _, sc := range c.StreamCasters {
		got = append(got, sc.Caster+" "+sc.Listen+" "+sc.Output)
	}
	want := []string{
		"mpegts_over_udp :8935 rtmp://127.0.0.1/live/udp",
		"flv 127.0.0.1:8936 rtmp://127.0.0.1/[app]/[stream]",
		"rtsp :5540 rtmp://127.0.0.1/[app]/[stream]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stream casters %q, want %q", got, want)
	}
	if rtsp := c.StreamCasters[2]; rtsp.RTPPortMin != 40000 || rtsp.RTPPortMax != 40100 || c.StreamCasters[0].RTPPortMin != 57200 {
		t.Errorf("rtp ports %+v", c.StreamCasters)
	}
	if !strings.Contains(strings.Join(c.Warnings, "\n"), "gb28181") {
		t.Errorf("no warning for gb28181: %q", c.Warnings)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "not supported") && (strings.Contains(w, "srt") || !strings.Contains(w, "gb28181")) {
			t.Errorf("warning for a served caster: %s", w)
		}
	}
	s := c.SRTServer
	if !s.Enabled || s.Listen[0] != ":10081" || s.RecvLatency != 200*time.Millisecond || s.PeerLatency != 50*time.Millisecond ||
		s.TSBPDMode || s.DefaultMode != "publish" || s.PayloadSize != 1316 {
		t.Errorf("srt_server %+v", s)
	}
	for _, bad := range []string{
		"stream_caster { enabled on; caster flv; output rtmp://127.0.0.1/[app]/[stream]; }",
		"stream_caster { enabled on; caster flv; output http://x/y; listen 1; }",
		"stream_caster { enabled on; caster webrtc; output rtmp://x/y/z; listen 1; }",
	} {
		if _, err := load(t, bad); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%s: err %v, want ErrInvalidValue", bad, err)
		}
	}
}
