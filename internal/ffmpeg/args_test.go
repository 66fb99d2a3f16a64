package ffmpeg

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/internal/supervise"
)

func parse(t *testing.T, text string) (*Config, error) {
	t.Helper()
	root, err := config.Parse("test.conf", []byte(text))
	require.NoError(t, err)
	cfg, err := config.FromDirective(root, "test.conf")
	require.NoError(t, err)
	return ParseConfig(cfg)
}

// TestEngineArgs checks command lines against the order SRS builds them in.
func TestEngineArgs(t *testing.T) {
	const in, out = "rtmp://127.0.0.1:1935/live?vhost=v/s", "rtmp://127.0.0.1:1935/live/s_e"
	for _, tc := range []struct {
		name, engine string
		copyOnly     bool
		want         string
	}{
		{"full", `vfilter { vf 'scale=640:-2'; } vcodec libx264; vbitrate 300; vfps 25; vwidth 641; vheight 360; vthreads 2;
			vprofile main; vpreset medium; vparams { t 100; coder 1; } acodec libfdk_aac; abitrate 70; asample_rate 44100;
			achannels 2; aparams { profile:a aac_low; } perfile { re; }`, false,
			"ffmpeg -loglevel info -re -f flv -i IN -vf scale=640:-2 -vcodec libx264 -b:v 300000 -r 25.00 -s 640x360 -aspect 640:360 " +
				"-threads 2 -profile:v main -preset medium -t 100 -coder 1 -acodec aac -b:a 70000 -ar 44100 -ac 2 -profile:a aac_low -f flv -y OUT"},
		{"copy", `vcodec copy; vbitrate 300; acodec copy; aparams { bsf:a aac_adtstoasc; ar 8000; }`, false,
			"ffmpeg -loglevel info -f flv -i IN -vcodec copy -acodec copy -bsf:a aac_adtstoasc -f flv -y OUT"},
		{"audio only", `vcodec vn; acodec aac; abitrate 32; iformat off;`, false,
			"ffmpeg -loglevel info -i IN -vn -acodec aac -b:a 32000 -f flv -y OUT"},
		{"video only", `vcodec libx264; acodec an; oformat off;`, false,
			"ffmpeg -loglevel info -f flv -i IN -vcodec libx264 -an -y OUT"},
		{"thumbnail", `vfilter { vf fps=1; } vcodec png; vparams { vframes 6; } acodec an; oformat image2;`, false,
			"ffmpeg -loglevel info -f flv -i IN -vf fps=1 -vcodec png -vframes 6 -an -f image2 -y OUT"},
		{"logo", `vfilter { i logo.png; filter_complex 'overlay=10:10'; } vcodec libx264; acodec copy;`, false,
			"ffmpeg -loglevel info -f flv -i IN -i logo.png -filter_complex overlay=10:10 -vcodec libx264 -acodec copy -f flv -y OUT"},
		{"disabled ingest engine copies", `vfilter { vf fps=1; } vcodec libx264; acodec aac; abitrate 32;`, true,
			"ffmpeg -loglevel info -i IN -vcodec copy -acodec copy -f flv -y OUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, "vhost v { transcode { enabled on; engine e { enabled on; output x; "+tc.engine+" } } }")
			require.NoError(t, err)
			e := c.Vhosts["v"].Transcodes[0].Engines[0]
			got := strings.Join(e.Args("ffmpeg", []string{"-loglevel", "info"}, in, out, tc.copyOnly), " ")
			require.Equal(t, strings.NewReplacer("IN", in, "OUT", out).Replace(tc.want), got)
		})
	}
}

func TestParseConfig(t *testing.T) {
	c, err := parse(t, `
ff_log_dir /dev/null;
vhost v {
    transcode live/s { enabled on; ffmpeg ./objs/ffmpeg/bin/ffmpeg;
        engine a { enabled on; acodec libfdk_aac; output x; }
        engine b { enabled off; }
    }
    transcode other { enabled off; engine c { enabled on; output y; } }
    ingest cam { enabled on; input { type stream; url rtsp://cam/1; } ffmpeg ffmpeg; engine { enabled off; output z; } }
    ingest off { enabled off; }
    exec { enabled on; publish ./a.sh [stream]; publish ./b.sh; }
    snapshot { enabled on; interval 2.5; }
}
vhost w { snapshot { enabled off; } }`)
	require.NoError(t, err)
	require.Empty(t, c.LogDir, "/dev/null turns the logs off")
	require.Equal(t, "info", c.LogLevel)
	v := c.Vhosts["v"]
	require.Len(t, v.Transcodes, 1)
	tc := v.Transcodes[0]
	require.Equal(t, "live/s", tc.Scope)
	require.True(t, tc.Applies("live", "s"))
	require.False(t, tc.Applies("live", "t"))
	require.Len(t, tc.Engines, 1)
	require.Equal(t, "aac", tc.Engines[0].ACodec)
	require.Len(t, c.Warnings, 1)
	require.Contains(t, c.Warnings[0], "test.conf:5")
	require.Len(t, v.Ingests, 1)
	require.Equal(t, Ingest{ID: "cam", InputType: "stream", InputURL: "rtsp://cam/1", FFmpeg: "ffmpeg", Engines: v.Ingests[0].Engines}, *v.Ingests[0])
	require.Equal(t, [][]string{{"./a.sh", "[stream]"}, {"./b.sh"}}, v.Exec)
	require.True(t, v.SnapshotOn)
	require.Equal(t, 2500*time.Millisecond, v.Snapshot)
	require.False(t, c.Vhosts["w"].SnapshotOn)

	c, err = parse(t, `vhost v { ingest e { enabled on; input { type file; url a.flv; } } }`)
	require.NoError(t, err)
	require.Len(t, c.Warnings, 1)
	require.Contains(t, c.Warnings[0], "ingest e has no engine")

	for _, bad := range []string{
		`vhost v { transcode { enabled on; engine e { enabled on; vcodec vn; acodec an; output x; } } }`,
		`vhost v { transcode { enabled on; engine e { enabled on; vcodec copy; } } }`,
		`vhost v { transcode { enabled on; engine e { enabled on; vbitrate -1; output x; } } }`,
		`vhost v { transcode { enabled on; engine e { enabled on; vfps fast; output x; } } }`,
		`vhost v { ingest i { enabled on; input { type device; } } }`,
		`vhost v { snapshot { enabled on; interval 0; } }`,
	} {
		_, err := parse(t, bad)
		require.Error(t, err, bad)
	}
}

func TestVars(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)
	v := Vars{Vhost: "v", App: "live", Stream: "s", Port: 1935, Param: "?token=a", TcURL: "rtmp://h/live", Engine: "hd"}
	require.Equal(t, "v 1935 live s ?token=a hd rtmp://h/live rtmp://127.0.0.1:1935/live/s?token=a&vhost=v 2026-01-02 03:04:05.678",
		v.Expand("[vhost] [port] [app] [stream] [param] [engine] [tcUrl] [url] [2006]-[01]-[02] [15]:[04]:[05].[999]", now))
	v.Vhost, v.Param = defaultVhost, ""
	require.Equal(t, "rtmp://127.0.0.1:1935/live/s", v.URL())
	v.Vhost, v.Param = "v", "?vhost=v"
	require.Equal(t, "rtmp://127.0.0.1:1935/live/s?vhost=v", v.URL())
}

func TestExecArgs(t *testing.T) {
	vars := Vars{Vhost: "v", App: "live", Stream: "s", Port: 1935}
	for _, tc := range []struct {
		cmd                  string
		args, stdout, stderr string
	}{
		{"./a.sh [stream]", "./a.sh s", "", ""},
		{"./a.sh [app] > /tmp/[stream].log", "./a.sh live", "/tmp/s.log", ""},
		{"./a.sh 1>/tmp/o 2>/tmp/e", "./a.sh", "/tmp/o", "/tmp/e"},
		{"./a.sh 2 > /tmp/e", "./a.sh", "", "/tmp/e"},
		{"sh|-c|echo hi > /tmp/o", "sh -c echo hi", "/tmp/o", ""}, // a quoted argument holding a redirection
	} {
		var spec supervise.Spec
		args, err := execArgs(strings.FieldsFunc(tc.cmd, func(r rune) bool {
			return r == '|' || (r == ' ' && !strings.Contains(tc.cmd, "|"))
		}), vars, time.Now(), &spec)
		require.NoError(t, err, tc.cmd)
		require.Equal(t, tc.args, strings.Join(args, " "), tc.cmd)
		require.Equal(t, tc.stdout, spec.StdoutFile, tc.cmd)
		require.Equal(t, tc.stderr, spec.StderrFile, tc.cmd)
	}
	_, err := execArgs([]string{"./a.sh", ">"}, vars, time.Now(), &supervise.Spec{})
	require.Error(t, err)
}

// FuzzExecArgs: any exec command splits without panicking, and what it
// returns has no redirection left in it.
func FuzzExecArgs(f *testing.F) {
	for _, seed := range []string{"./a.sh [stream] > /tmp/x", "a 1>b 2>c", ">", "a >> b", "[url] [param]>[app]"} {
		f.Add(seed)
	}
	vars := Vars{Vhost: "v", App: "live", Stream: "s", Port: 1935, Param: "?a=b"}
	f.Fuzz(func(t *testing.T, cmd string) {
		var spec supervise.Spec
		args, err := execArgs(strings.Fields(cmd), vars, time.Now(), &spec)
		if err != nil {
			return
		}
		require.NotEmpty(t, args)
		for _, a := range args {
			require.NotEqual(t, ">", a)
		}
	})
}

func TestLogFileStaysInFolder(t *testing.T) {
	m := &Manager{cfg: &Config{LogDir: "/var/log/ff"}}
	require.Equal(t, "/var/log/ff/ffmpeg-encoder-v-live-.._.._etc_x-hd.log", m.logFile("ffmpeg", "encoder", "v", "live", "../../etc/x", "hd"))
	m.cfg.LogDir = ""
	require.Empty(t, m.logFile("exec", "v"))
}
