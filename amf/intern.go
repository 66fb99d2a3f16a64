package amf

import "math"

// interned is a well-known string, also boxed in an interface value.
type interned struct {
	s   string
	box any
}

// internStrings are the names and values that fill RTMP commands and FLV
// metadata. Decoders return these shared copies instead of allocating.
var internStrings = func() map[string]interned {
	m := make(map[string]interned)
	for _, s := range []string{
		// commands
		"connect", "_result", "_error", "onStatus", "call", "close",
		"createStream", "deleteStream", "closeStream", "releaseStream",
		"FCPublish", "FCUnpublish", "onFCPublish", "onFCUnpublish",
		"publish", "play", "play2", "pause", "seek", "receiveAudio",
		"receiveVideo", "getStreamLength", "onBWDone", "_checkbw",
		"@setDataFrame", "@clearDataFrame", "onMetaData", "|RtmpSampleAccess",
		// connect object and responses
		"app", "flashVer", "swfUrl", "tcUrl", "fpad", "capabilities",
		"audioCodecs", "videoCodecs", "videoFunction", "pageUrl",
		"objectEncoding", "type", "nonprivate", "fmsVer", "mode",
		"level", "code", "description", "details", "clientid", "status",
		"error", "warning", "data", "version", "live", "record", "append",
		"fourCcList", "videoFourCcInfoMap", "audioFourCcInfoMap",
		// onMetaData
		"duration", "width", "height", "videodatarate", "framerate",
		"videocodecid", "audiodatarate", "audiosamplerate",
		"audiosamplesize", "stereo", "audiocodecid", "encoder", "filesize",
		"hasVideo", "hasAudio", "hasMetadata", "hasKeyframes",
		"keyframes", "times", "filepositions", "lasttimestamp",
		"NetConnection.Connect.Success", "NetConnection.Connect.Rejected",
		"NetConnection.Connect.Closed", "NetStream.Publish.Start",
		"NetStream.Play.Start", "NetStream.Play.Reset",
		"NetStream.Play.Stop", "NetStream.Unpublish.Success",
		"NetStream.Play.StreamNotFound", "NetStream.Publish.BadName",
	} {
		m[s] = interned{s: s, box: s}
	}
	return m
}()

// intern returns b as a string, shared when it is a well-known one.
func intern(b []byte) string {
	if len(b) <= 32 {
		if in, ok := internStrings[string(b)]; ok {
			return in.s
		}
	}
	return string(b)
}

// internValue is intern for a string decoded as a value: boxing a string in
// an interface allocates too, unless it is a well-known one.
func internValue(b []byte) any {
	if len(b) <= 32 {
		if in, ok := internStrings[string(b)]; ok {
			return in.box
		}
	}
	return string(b)
}

// smallNumbers holds boxed float64 values 0…255 so that decoding common
// numbers (transaction IDs, codec IDs, flags) does not allocate.
var smallNumbers = func() (t [256]any) {
	for i := range t {
		t[i] = float64(i)
	}
	return t
}()

// boxNumber returns f as an interface value, shared for small integers.
func boxNumber(f float64) any {
	if f >= 0 && f < float64(len(smallNumbers)) {
		if i := int(f); float64(i) == f && !(i == 0 && math.Signbit(f)) {
			return smallNumbers[i]
		}
	}
	return f
}
