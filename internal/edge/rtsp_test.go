package edge

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
)

func TestParseRTSPConfig(t *testing.T) {
	def := RTSPConfig{IdleTimeout: DefaultRTSPIdleTimeout, Timeout: DefaultRTSPTimeout, TCP: true}
	on := def
	on.Enabled, on.URL = true, "rtsp://cam/[stream]"
	for _, tc := range []struct {
		name, conf string
		want       RTSPConfig
		err        string
	}{
		{"none", "", def, ""},
		{"off", "rtsp_pull { enabled off; url rtsp://cam/[stream]; }", def, ""},
		{"defaults", "rtsp_pull { enabled on; url rtsp://cam/[stream]; }", on, ""},
		{"all", "rtsp_pull { enabled on; url rtsps://u:p@cam/[app]/[stream]; idle_timeout 2.5; timeout 3; transport auto; }",
			RTSPConfig{Enabled: true, URL: "rtsps://u:p@cam/[app]/[stream]", IdleTimeout: 2500 * time.Millisecond, Timeout: 3 * time.Second}, ""},
		{"no url", "rtsp_pull { enabled on; }", def, "test.conf:1: rtsp_pull: url"},
		{"not rtsp", "rtsp_pull { enabled on; url http://cam/x; }", def, "url"},
		{"bad idle", "rtsp_pull { enabled on; url rtsp://cam/x; idle_timeout 0; }", def, "idle_timeout"},
		{"bad timeout", "rtsp_pull { enabled on; url rtsp://cam/x; timeout soon; }", def, "timeout"},
		{"bad transport", "rtsp_pull { enabled on; url rtsp://cam/x; transport udp; }", def, "test.conf:1: rtsp_pull: transport \"udp\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, err := config.Parse("test.conf", []byte(tc.conf))
			require.NoError(t, err)
			got, err := ParseRTSPConfig(root.Get("rtsp_pull"))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestCameraURL(t *testing.T) {
	c := RTSPConfig{URL: "rtsp://cam.lan:8554/[vhost]/[app]/[stream]?profile=1"}
	require.Equal(t, "rtsp://cam.lan:8554/v.com/live/door?profile=1", c.CameraURL(Stream{Vhost: "v.com", App: "live", Stream: "door"}))
}
