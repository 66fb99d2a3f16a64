package flv

import "fmt"

// MPEG-4 audio object types (ISO/IEC 14496-3 1.5.1.1) named by this package.
const (
	AACObjectMain = 1
	AACObjectLC   = 2
	AACObjectSSR  = 3
	AACObjectLTP  = 4
	AACObjectSBR  = 5  // HE-AAC
	AACObjectPS   = 29 // HE-AACv2
)

// aacSampleRates maps samplingFrequencyIndex to Hz (Table 1.18); indices
// 13 and 14 are reserved and 15 means an explicit 24-bit rate.
var aacSampleRates = [13]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// aacChannels maps channelConfiguration to a channel count (Table 1.19);
// 0 means a program_config_element, 0 entries elsewhere are reserved.
var aacChannels = [16]int{0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8, 0}

// Sync extension types of the backward-compatible SBR/PS signalling.
const (
	syncExtensionSBR = 0x2b7
	syncExtensionPS  = 0x548
)

// AudioSpecificConfig is an MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3
// 1.6.2.1), the body of an AAC sequence header.
//
// The GASpecificConfig of the AAC object types 1-4, 6 and 7 is decoded,
// including a program_config_element. The specific configuration of other
// object types is kept as opaque bits, so Append reproduces it.
type AudioSpecificConfig struct {
	// ObjectType is the audioObjectType as first signalled: AACObjectLC,
	// or AACObjectSBR / AACObjectPS for explicitly signalled HE-AAC (v2).
	// Escaped values (32 and up) are supported.
	ObjectType int
	// FrequencyIndex is samplingFrequencyIndex; 15 means SampleRate is
	// explicit. SampleRate is the (core) sampling rate in Hz.
	FrequencyIndex int
	SampleRate     int
	// ChannelConfig is channelConfiguration (0: defined by a
	// program_config_element). Channels is the number of channels, from
	// the configuration or the program_config_element; 0 for reserved
	// configurations.
	ChannelConfig int
	Channels      int

	// CoreObjectType is the object type of the core coder: equal to
	// ObjectType unless that is AACObjectSBR or AACObjectPS.
	CoreObjectType int
	// SBR and PS report spectral band replication and parametric stereo.
	// ExtensionFrequencyIndex and ExtensionSampleRate give the SBR output
	// rate when SBR is set.
	SBR, PS                 bool
	ExtensionFrequencyIndex int
	ExtensionSampleRate     int
	// SyncExtension reports backward-compatible SBR signalling (sync
	// extension 0x2b7 after the GASpecificConfig), which encoders such as
	// ffmpeg also write, with SBR false, for plain AAC-LC.
	SyncExtension bool

	// GASpecificConfig.
	FrameLength        int // 1024, or 960 when frameLengthFlag is set
	DependsOnCoreCoder bool
	CoreCoderDelay     int  // 14 bits
	LayerNr            int  // 3 bits, AAC scalable (object type 6) only
	ExtensionFlag      bool // extensionFlag
	ExtensionFlag3     bool // extensionFlag3, present when ExtensionFlag

	pce    rawBits // program_config_element up to its byte_alignment()
	pceTxt []byte  // its comment field
	opaque rawBits // specific config of object types not decoded
}

// rawBits is a run of bits kept verbatim, left-aligned in b.
type rawBits struct {
	b []byte
	n int
}

// isGAObjectType reports whether GASpecificConfig of an object type is
// decoded (the error-resilient ones are not).
func isGAObjectType(t int) bool {
	switch t {
	case 1, 2, 3, 4, 6, 7:
		return true
	}
	return false
}

// ParseAudioSpecificConfig decodes an AudioSpecificConfig.
func ParseAudioSpecificConfig(b []byte) (*AudioSpecificConfig, error) {
	r := bitReader{buf: b}
	c := &AudioSpecificConfig{}
	c.ObjectType = readAudioObjectType(&r)
	c.FrequencyIndex, c.SampleRate = readSamplingFrequency(&r, "samplingFrequency")
	c.ChannelConfig = int(r.bits("channelConfiguration", 4))
	c.Channels = aacChannels[c.ChannelConfig]
	c.CoreObjectType = c.ObjectType
	if c.ObjectType == AACObjectSBR || c.ObjectType == AACObjectPS {
		c.SBR = true
		c.PS = c.ObjectType == AACObjectPS
		c.ExtensionFrequencyIndex, c.ExtensionSampleRate = readSamplingFrequency(&r, "extensionSamplingFrequency")
		c.CoreObjectType = readAudioObjectType(&r)
	}
	if r.err != nil {
		return nil, fmt.Errorf("flv: AudioSpecificConfig: %w", r.err)
	}
	if c.CoreObjectType == 0 {
		return nil, fmt.Errorf("flv: AudioSpecificConfig: audioObjectType 0: %w", ErrMalformed)
	}
	if !isGAObjectType(c.CoreObjectType) {
		c.opaque = r.rest()
		return c, nil
	}
	c.readGASpecificConfig(&r)
	if r.err == nil && !c.SBR && r.left() >= 16 && r.peek(11) == syncExtensionSBR {
		c.readSyncExtension(&r)
	}
	if r.err != nil {
		return nil, fmt.Errorf("flv: AudioSpecificConfig: %w", r.err)
	}
	return c, nil
}

// readAudioObjectType reads GetAudioObjectType(): 5 bits, 31 escaping to
// 32 plus 6 more bits.
func readAudioObjectType(r *bitReader) int {
	t := int(r.bits("audioObjectType", 5))
	if t == 31 {
		t = 32 + int(r.bits("audioObjectTypeExt", 6))
	}
	return t
}

// readSamplingFrequency reads a 4-bit samplingFrequencyIndex and, for
// index 15, the explicit 24-bit rate.
func readSamplingFrequency(r *bitReader, field string) (index, rate int) {
	index = int(r.bits(field+"Index", 4))
	switch {
	case r.err != nil:
		return 0, 0
	case index == 15:
		rate = int(r.bits(field, 24))
		if rate == 0 {
			r.fail(field, ErrMalformed)
		}
	case index >= len(aacSampleRates):
		r.fail(field+"Index", ErrMalformed)
	default:
		rate = aacSampleRates[index]
	}
	return index, rate
}

func (c *AudioSpecificConfig) readGASpecificConfig(r *bitReader) {
	c.FrameLength = 1024
	if r.flag("frameLengthFlag") {
		c.FrameLength = 960
	}
	c.DependsOnCoreCoder = r.flag("dependsOnCoreCoder")
	if c.DependsOnCoreCoder {
		c.CoreCoderDelay = int(r.bits("coreCoderDelay", 14))
	}
	c.ExtensionFlag = r.flag("extensionFlag")
	if c.ChannelConfig == 0 {
		c.readProgramConfigElement(r)
	}
	if c.CoreObjectType == 6 {
		c.LayerNr = int(r.bits("layerNr", 3))
	}
	if c.ExtensionFlag {
		c.ExtensionFlag3 = r.flag("extensionFlag3")
	}
}

// readProgramConfigElement reads program_config_element() (4.4.1.1),
// counts its channels and keeps its bits for Append.
func (c *AudioSpecificConfig) readProgramConfigElement(r *bitReader) {
	start := r.pos
	r.skip("element_instance_tag, object_type, sampling_frequency_index", 10)
	front := int(r.bits("num_front_channel_elements", 4))
	side := int(r.bits("num_side_channel_elements", 4))
	back := int(r.bits("num_back_channel_elements", 4))
	lfe := int(r.bits("num_lfe_channel_elements", 2))
	assoc := int(r.bits("num_assoc_data_elements", 3))
	cc := int(r.bits("num_valid_cc_elements", 4))
	if r.flag("mono_mixdown_present") {
		r.skip("mono_mixdown_element_number", 4)
	}
	if r.flag("stereo_mixdown_present") {
		r.skip("stereo_mixdown_element_number", 4)
	}
	if r.flag("matrix_mixdown_idx_present") {
		r.skip("matrix_mixdown_idx, pseudo_surround_enable", 3)
	}
	channels := lfe
	for range front + side + back {
		if r.flag("is_cpe") {
			channels++
		}
		channels++
		r.skip("tag_select", 4)
	}
	r.skip("lfe_element_tag_select", 4*lfe)
	r.skip("assoc_data_element_tag_select", 4*assoc)
	r.skip("cc_element", 5*cc)
	if r.err != nil {
		return
	}
	c.pce = r.slice(start, r.pos)
	r.skip("byte_alignment", (8-r.pos%8)%8)
	n := int(r.bits("comment_field_bytes", 8))
	if n*8 > r.left() {
		r.fail("comment_field_data", ErrTruncated)
		return
	}
	c.pceTxt = r.slice(r.pos, r.pos+8*n).b
	r.pos += 8 * n
	c.Channels = channels
}

// readSyncExtension reads the backward-compatible SBR and PS signalling
// (1.6.2.1, syncExtensionType 0x2b7 and 0x548). Only an SBR extension is
// decoded; other extension object types end the parse.
func (c *AudioSpecificConfig) readSyncExtension(r *bitReader) {
	start := r.pos
	r.skip("syncExtensionType", 11)
	if readAudioObjectType(r) != AACObjectSBR {
		r.pos = start // unknown extension: ignore it
		return
	}
	c.SyncExtension = true
	c.SBR = r.flag("sbrPresentFlag")
	if !c.SBR {
		return
	}
	c.ExtensionFrequencyIndex, c.ExtensionSampleRate = readSamplingFrequency(r, "extensionSamplingFrequency")
	if r.err == nil && r.left() >= 12 && r.peek(11) == syncExtensionPS {
		r.skip("syncExtensionType", 11)
		c.PS = r.flag("psPresentFlag")
	}
}

// Append appends the encoded config to dst, padded to a byte boundary.
// SBR and PS are signalled hierarchically when ObjectType is AACObjectSBR
// or AACObjectPS, and with the sync extension when SyncExtension is set.
// A program_config_element is only written back for configs parsed with
// one; Append does not build one from Channels.
func (c *AudioSpecificConfig) Append(dst []byte) []byte {
	w := bitWriter{buf: dst}
	writeAudioObjectType(&w, c.ObjectType)
	writeSamplingFrequency(&w, c.FrequencyIndex, c.SampleRate)
	w.bits(uint32(c.ChannelConfig), 4)
	core := c.ObjectType
	if c.ObjectType == AACObjectSBR || c.ObjectType == AACObjectPS {
		writeSamplingFrequency(&w, c.ExtensionFrequencyIndex, c.ExtensionSampleRate)
		core = c.CoreObjectType
		writeAudioObjectType(&w, core)
	}
	if !isGAObjectType(core) {
		w.raw(c.opaque)
		return w.buf
	}
	w.flag(c.FrameLength == 960)
	w.flag(c.DependsOnCoreCoder)
	if c.DependsOnCoreCoder {
		w.bits(uint32(c.CoreCoderDelay), 14)
	}
	w.flag(c.ExtensionFlag)
	if c.ChannelConfig == 0 && c.pce.n > 0 {
		w.raw(c.pce)
		w.align()
		w.bits(uint32(len(c.pceTxt)), 8)
		w.buf = append(w.buf, c.pceTxt...)
	}
	if core == 6 {
		w.bits(uint32(c.LayerNr), 3)
	}
	if c.ExtensionFlag {
		w.flag(c.ExtensionFlag3)
	}
	if c.SyncExtension && !(c.ObjectType == AACObjectSBR || c.ObjectType == AACObjectPS) {
		w.bits(syncExtensionSBR, 11)
		writeAudioObjectType(&w, AACObjectSBR)
		w.flag(c.SBR)
		if c.SBR {
			writeSamplingFrequency(&w, c.ExtensionFrequencyIndex, c.ExtensionSampleRate)
			if c.PS {
				w.bits(syncExtensionPS, 11)
				w.flag(true)
			}
		}
	}
	return w.buf
}

func writeAudioObjectType(w *bitWriter, t int) {
	if t >= 31 {
		w.bits(31, 5)
		w.bits(uint32(t-32), 6)
		return
	}
	w.bits(uint32(t), 5)
}

func writeSamplingFrequency(w *bitWriter, index, rate int) {
	w.bits(uint32(index), 4)
	if index == 15 {
		w.bits(uint32(rate), 24)
	}
}
