package config

import (
	"slices"
	"strings"
)

// Directives SRS moved from the vhost into its play or cluster block.
var (
	legacyPlay = map[string]bool{
		"time_jitter": true, "mix_correct": true, "atc": true, "atc_auto": true,
		"mw_latency": true, "gop_cache": true, "gop_cache_max_frames": true,
		"queue_length": true, "send_min_interval": true, "reduce_sequence_header": true,
	}
	legacyCluster = map[string]bool{
		"mode": true, "origin": true, "token_traverse": true, "vhost": true, "debug_srs_upnode": true,
	}
	// GB28181 settings SRS 5 stopped using and drops.
	unusedGB = []string{
		"tcp_enable", "rtp_port_min", "rtp_port_max", "wait_keyframe",
		"rtp_idle_timeout", "audio_enable", "auto_create_channel",
	}
	unusedGBSip = []string{
		"serial", "realm", "ack_timeout", "keepalive_timeout",
		"invite_port_fixed", "query_catalog_interval", "auto_play",
	}
)

// transformLegacy rewrites, in place, directives that older SRS versions
// spelled differently into their current form, with the same meaning SRS
// gives them. A rewritten directive keeps the file and line it was read
// from. Applying it twice changes nothing more.
func transformLegacy(root *Directive) {
	for _, d := range root.Children {
		switch d.Name {
		case "http_stream": // SRS 1
			d.Name = "http_server"
		case "rtc_server": // SRS 4
			d.removeAll("perf_stat", "queue_length")
		case "srt_server": // SRS 4 misspelling
			for _, c := range d.Children {
				if c.Name == "tlpkdrop" {
					c.Name = "tlpktdrop"
				}
			}
		case "stream_caster": // SRS 4 GB28181
			transformStreamCaster(d)
		case "vhost":
			transformVhost(d)
		}
	}
}

func transformStreamCaster(sc *Directive) {
	if sc.Get("caster").Arg0() == CasterRTSP {
		// The RTSP caster (SRS 4) has its own use for the RTP port range.
		sc.removeAll(slices.DeleteFunc(slices.Clone(unusedGB), func(s string) bool { return strings.HasPrefix(s, "rtp_port_") })...)
	} else {
		sc.removeAll(unusedGB...)
	}
	sip := sc.Get("sip")
	sip.removeAll(unusedGBSip...)
	for _, host := range sc.All("host") {
		sc.remove(host)
		sip = getOrCreate(sc, "sip", host)
		sip.Children = append(sip.Children, &Directive{Name: "candidate", Args: host.Args, File: host.File, Line: host.Line})
	}
}

func transformVhost(v *Directive) {
	for _, c := range slices.Clone(v.Children) {
		switch {
		case c.Name == "http": // SRS 1
			c.Name = "http_static"
		case c.Name == "http_remux": // SRS 1/2
			c.removeAll("hstrs")
		case c.Name == "refer" && len(c.Children) == 0, c.Name == "refer_play", c.Name == "refer_publish": // SRS 1/2
			v.remove(c)
			refer := getOrCreate(v, "refer", c)
			if refer.Get("enabled") == nil {
				setChild(refer, "enabled", []string{"on"}, c)
			}
			key := map[string]string{"refer": "all", "refer_play": "play", "refer_publish": "publish"}[c.Name]
			setChild(refer, key, c.Args, c)
		case c.Name == "mr": // SRS 2
			v.remove(c)
			publish := getOrCreate(v, "publish", c)
			if e := c.Get("enabled"); e != nil {
				setChild(publish, "mr", e.Args, e)
			}
			if l := c.Get("latency"); l != nil {
				setChild(publish, "mr_latency", l.Args, l)
			}
		case c.Name == "publish_1stpkt_timeout": // SRS 2
			v.remove(c)
			setChild(getOrCreate(v, "publish", c), "firstpkt_timeout", c.Args, c)
		case c.Name == "publish_normal_timeout": // SRS 2
			v.remove(c)
			setChild(getOrCreate(v, "publish", c), "normal_timeout", c.Args, c)
		case legacyPlay[c.Name]: // SRS 1/2
			v.remove(c)
			setChild(getOrCreate(v, "play", c), c.Name, c.Args, c)
		case legacyCluster[c.Name]: // SRS 1/2
			v.remove(c)
			setChild(getOrCreate(v, "cluster", c), c.Name, c.Args, c)
		case c.Name == "forward" && len(c.Children) == 0 && len(c.Args) > 0: // SRS 1/2
			setChild(c, "enabled", []string{"on"}, c)
			setChild(c, "destination", c.Args, c)
			c.Args = nil
		case c.Name == "nack" || c.Name == "twcc": // SRS 4
			v.remove(c)
			rtc := getOrCreate(v, "rtc", c)
			if e := c.Get("enabled"); e != nil {
				setChild(rtc, c.Name, e.Args, e)
			}
			if nc := c.Get("no_copy"); c.Name == "nack" && nc != nil {
				setChild(rtc, "nack_no_copy", nc.Args, nc)
			}
		case c.Name == "rtc": // SRS 4
			transformRTC(c)
		}
	}
}

func transformRTC(rtc *Directive) {
	if aac := rtc.Get("aac"); aac != nil {
		rtc.remove(aac)
		setChild(rtc, "rtmp_to_rtc", []string{onOff(aac.Arg0() == "transcode")}, aac)
	}
	if bframe := rtc.Get("bframe"); bframe != nil {
		rtc.remove(bframe)
		setChild(rtc, "keep_bframe", []string{onOff(bframe.Arg0() == "keep")}, bframe)
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// getOrCreate returns parent's first child named name, appending one at the
// position of directive at if there is none.
func getOrCreate(parent *Directive, name string, at *Directive) *Directive {
	if d := parent.Get(name); d != nil {
		return d
	}
	d := &Directive{Name: name, File: at.File, Line: at.Line}
	parent.Children = append(parent.Children, d)
	return d
}

// setChild sets the arguments of parent's child name, creating it if need be,
// and gives it the position of directive from, where the value now comes
// from.
func setChild(parent *Directive, name string, args []string, from *Directive) {
	d := getOrCreate(parent, name, from)
	d.Args = slices.Clone(args)
	d.File, d.Line = from.File, from.Line
}

// remove deletes child c from d.
func (d *Directive) remove(c *Directive) {
	if d == nil {
		return
	}
	d.Children = slices.DeleteFunc(d.Children, func(x *Directive) bool { return x == c })
}

// removeAll deletes every child of d whose name is one of names.
func (d *Directive) removeAll(names ...string) {
	if d == nil {
		return
	}
	d.Children = slices.DeleteFunc(d.Children, func(x *Directive) bool { return slices.Contains(names, x.Name) })
}
