package ffmpeg

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Args builds an engine's ffmpeg command line in SRS's order:
//
//	ffmpeg [iparams] [perfile] [-f iformat] -i input [vfilter]
//	  -vcodec V|-vn [-b:v -r -s -aspect -threads -profile:v -preset vparams]
//	  -acodec A|-an [-b:a -ar -ac aparams] [-f oformat] -y output
//
// iparams are the caller's input options (-loglevel, -re…). With
// copy, the engine's codecs are replaced by copy (a disabled ingest engine).
func (e *Engine) Args(bin string, iparams []string, input, output string, copyOnly bool) []string {
	argv := append([]string{bin}, iparams...)
	argv = append(argv, e.Perfile...)
	vcodec, acodec := e.VCodec, e.ACodec
	iformat := e.IFormat
	if copyOnly {
		vcodec, acodec, iformat = codecCopy, codecCopy, ""
	}
	// SRS gives -f only to RTMP inputs: "-f flv -i udp://…" would fail.
	if iformat != "" && iformat != "off" && strings.HasPrefix(input, "rtmp://") {
		argv = append(argv, "-f", iformat)
	}
	argv = append(argv, "-i", input)
	if !copyOnly {
		argv = append(argv, e.VFilter...)
	}
	argv = codecOption(argv, "-vcodec", vcodec, noVideo)
	if vcodec != codecCopy && vcodec != noVideo {
		if e.VBitrate > 0 {
			argv = append(argv, "-b:v", strconv.Itoa(e.VBitrate*1000))
		}
		if e.VFps > 0 {
			argv = append(argv, "-r", strconv.FormatFloat(e.VFps, 'f', 2, 64))
		}
		if e.VWidth > 0 && e.VHeight > 0 {
			size := strconv.Itoa(e.VWidth) + "x" + strconv.Itoa(e.VHeight)
			argv = append(argv, "-s", size, "-aspect", strconv.Itoa(e.VWidth)+":"+strconv.Itoa(e.VHeight))
		}
		if e.VThreads > 0 {
			argv = append(argv, "-threads", strconv.Itoa(e.VThreads))
		}
		if e.VProfile != "" {
			argv = append(argv, "-profile:v", e.VProfile)
		}
		if e.VPreset != "" {
			argv = append(argv, "-preset", e.VPreset)
		}
		argv = append(argv, e.VParams...)
	}
	argv = codecOption(argv, "-acodec", acodec, noAudio)
	switch acodec {
	case noAudio:
	case codecCopy:
		// Only the ADTS-to-ASC filter makes sense on copied audio.
		for i := 0; i+1 < len(e.AParams); i++ {
			if e.AParams[i] == "-bsf:a" && e.AParams[i+1] == "aac_adtstoasc" && !copyOnly {
				argv = append(argv, "-bsf:a", "aac_adtstoasc")
			}
		}
	default:
		if e.ABitrate > 0 {
			argv = append(argv, "-b:a", strconv.Itoa(e.ABitrate*1000))
		}
		if e.ASample > 0 {
			argv = append(argv, "-ar", strconv.Itoa(e.ASample))
		}
		if e.AChans > 0 {
			argv = append(argv, "-ac", strconv.Itoa(e.AChans))
		}
		argv = append(argv, e.AParams...)
	}
	oformat := e.OFormat
	if copyOnly {
		oformat = defaultFormat
	}
	if oformat != "" && oformat != "off" {
		argv = append(argv, "-f", oformat)
	}
	return append(argv, "-y", output)
}

// codecOption adds "-vcodec x" or "-acodec x", or "-vn"/"-an" when the
// codec is SRS's word for none; nothing when no codec is named.
func codecOption(argv []string, option, codec, none string) []string {
	switch codec {
	case "":
		return argv
	case none:
		return append(argv, "-"+none)
	}
	return append(argv, option, codec)
}

// Vars are the values of SRS's [variables] in outputs and exec commands.
type Vars struct {
	Vhost, App, Stream string
	Port               int
	Param              string // with its "?"
	TcURL              string
	Engine             string
}

// Expand replaces SRS's variables in s: [vhost] [port] [app] [stream]
// [param] [engine] [tcUrl] [url], the time parts [2006] [01] [02] [15]
// [04] [05] [999] and [timestamp]; [swfUrl] and [pageUrl] are empty.
func (v Vars) Expand(s string, now time.Time) string {
	if !strings.Contains(s, "[") {
		return s
	}
	pairs := []string{
		"[vhost]", v.Vhost, "[port]", strconv.Itoa(v.Port), "[app]", v.App, "[stream]", v.Stream,
		"[param]", v.Param, "[engine]", v.Engine, "[tcUrl]", v.TcURL, "[swfUrl]", "", "[pageUrl]", "",
		"[url]", v.URL(),
		"[2006]", now.Format("2006"), "[01]", now.Format("01"), "[02]", now.Format("02"),
		"[15]", now.Format("15"), "[04]", now.Format("04"), "[05]", now.Format("05"),
		"[999]", now.Format(".000")[1:], "[timestamp]", strconv.FormatInt(now.UnixMilli(), 10),
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// URL is the stream's RTMP address on this server's loopback, with the
// vhost and the publisher's query.
func (v Vars) URL() string {
	u := "rtmp://127.0.0.1:" + strconv.Itoa(v.Port) + "/" + v.App + "/" + v.Stream
	q := strings.TrimPrefix(v.Param, "?")
	if v.Vhost != "" && v.Vhost != defaultVhost {
		if vals, err := url.ParseQuery(q); err != nil || (vals.Get("vhost") == "" && vals.Get("domain") == "") {
			q = strings.TrimPrefix(q+"&vhost="+v.Vhost, "&")
		}
	}
	if q != "" {
		u += "?" + q
	}
	return u
}

// inputURL is where a transcoder or a snapshot grab reads the stream, in
// SRS's form (the vhost rides in the app's query).
func (v Vars) inputURL() string {
	return "rtmp://127.0.0.1:" + strconv.Itoa(v.Port) + "/" + v.App + "?vhost=" + v.Vhost + "/" + v.Stream
}
