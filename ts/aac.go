package ts

import "fmt"

// MPEG-4 audio object types (ISO/IEC 14496-3 Table 1.1) that matter here.
const (
	AACObjectMain uint8 = 1
	AACObjectLC   uint8 = 2
	AACObjectSSR  uint8 = 3
	AACObjectLTP  uint8 = 4
	AACObjectSBR  uint8 = 5  // HE-AAC
	AACObjectPS   uint8 = 29 // HE-AAC v2
)

// aacSampleRates maps samplingFrequencyIndex to Hz (ISO/IEC 14496-3
// Table 1.18). Indexes 13 and 14 are reserved, 15 means an explicit rate.
var aacSampleRates = [13]int{
	96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
}

// aacFrequencyIndex returns the samplingFrequencyIndex of an exact rate.
func aacFrequencyIndex(rate int) (uint8, bool) {
	for i, r := range aacSampleRates {
		if r == rate {
			return uint8(i), true
		}
	}
	return 0, false
}

// AudioSpecificConfig holds the fields of an MPEG-4 AudioSpecificConfig
// (ISO/IEC 14496-3 1.6.2.1) that ADTS can carry, as found in the FLV/RTMP
// AAC sequence header.
type AudioSpecificConfig struct {
	// ObjectType is the audio object type of the core decoder. For
	// explicitly signalled HE-AAC (object type 5 or 29) it is the type
	// that follows the extension, usually AAC LC, and SBR is set.
	ObjectType uint8
	// FrequencyIndex is samplingFrequencyIndex; 15 when the rate was given
	// explicitly.
	FrequencyIndex uint8
	// SampleRate is the core sampling frequency in Hz.
	SampleRate int
	// ChannelConfig is channelConfiguration (0: defined by a program
	// config element; 1-7: mono, stereo, … 7.1).
	ChannelConfig uint8
	// SBR and PS report explicit HE-AAC (v1, v2) signalling;
	// ExtensionSampleRate is then the output sampling frequency.
	SBR, PS             bool
	ExtensionSampleRate int
}

// ParseAudioSpecificConfig parses the leading fields of an
// AudioSpecificConfig. Trailing fields (GASpecificConfig, explicit
// backward-compatible extensions) are not interpreted.
func ParseAudioSpecificConfig(b []byte) (AudioSpecificConfig, error) {
	r := bitReader{b: b}
	var c AudioSpecificConfig
	objectType := readAudioObjectType(&r)
	var err error
	if c.FrequencyIndex, c.SampleRate, err = readSamplingFrequency(&r); err != nil {
		return AudioSpecificConfig{}, err
	}
	c.ChannelConfig = uint8(r.read(4))
	if objectType == AACObjectSBR || objectType == AACObjectPS {
		c.SBR, c.PS = true, objectType == AACObjectPS
		if _, c.ExtensionSampleRate, err = readSamplingFrequency(&r); err != nil {
			return AudioSpecificConfig{}, err
		}
		objectType = readAudioObjectType(&r)
		if objectType == 22 { // ER BSAC carries extensionChannelConfiguration
			r.read(4)
		}
	}
	if r.overrun {
		return AudioSpecificConfig{}, fmt.Errorf("%w: %w: %d bytes", ErrAudioSpecificConfig, ErrTruncated, len(b))
	}
	if objectType == 0 {
		return AudioSpecificConfig{}, fmt.Errorf("%w: audio object type 0", ErrAudioSpecificConfig)
	}
	c.ObjectType = objectType
	return c, nil
}

func readAudioObjectType(r *bitReader) uint8 {
	t := r.read(5)
	if t == 31 {
		t = 32 + r.read(6)
	}
	return uint8(t)
}

func readSamplingFrequency(r *bitReader) (index uint8, rate int, err error) {
	index = uint8(r.read(4))
	switch {
	case index == 15:
		rate = int(r.read(24))
	case int(index) < len(aacSampleRates):
		rate = aacSampleRates[index]
	default:
		return 0, 0, fmt.Errorf("%w: reserved sampling frequency index %d", ErrAudioSpecificConfig, index)
	}
	if rate == 0 && !r.overrun {
		return 0, 0, fmt.Errorf("%w: sampling frequency 0", ErrAudioSpecificConfig)
	}
	return index, rate, nil
}

// Append appends the two- (or, for a rate not in the index table, five-)
// byte AudioSpecificConfig of c's core fields to dst: object type, sampling
// frequency and channel configuration, as an FLV/RTMP AAC sequence header
// carries it. HE-AAC signalling is not written (implicit SBR).
func (c AudioSpecificConfig) Append(dst []byte) []byte {
	var v uint64
	n := 0
	put := func(x uint64, bits int) { v = v<<bits | x; n += bits }
	if c.ObjectType >= 31 {
		put(31, 5)
		put(uint64(c.ObjectType-32), 6)
	} else {
		put(uint64(c.ObjectType), 5)
	}
	if i, ok := aacFrequencyIndex(c.SampleRate); ok {
		put(uint64(i), 4)
	} else {
		put(15, 4)
		put(uint64(c.SampleRate)&0xFFFFFF, 24)
	}
	put(uint64(c.ChannelConfig&0xF), 4)
	put(0, 3) // GASpecificConfig: frameLengthFlag, dependsOnCoreCoder, extensionFlag
	if n%8 != 0 {
		put(0, 8-n%8)
	}
	for n > 0 {
		n -= 8
		dst = append(dst, byte(v>>n))
	}
	return dst
}
