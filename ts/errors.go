package ts

import "errors"

// Errors returned (wrapped with context) by the muxer, the demuxer and the
// elementary stream helpers. Test with errors.Is.
var (
	// ErrTruncated means the input ends before a structure it announces.
	ErrTruncated = errors.New("ts: truncated data")
	// ErrLengthSize means a NAL unit length size other than 1, 2 or 4.
	ErrLengthSize = errors.New("ts: NAL unit length size must be 1, 2 or 4")
	// ErrNALUTooLarge means a NAL unit does not fit the length field.
	ErrNALUTooLarge = errors.New("ts: NAL unit too large for length size")
	// ErrEmptyFrame means a frame without data (or without NAL units).
	ErrEmptyFrame = errors.New("ts: empty frame")

	// ErrADTSSync means the data does not start with the ADTS syncword.
	ErrADTSSync = errors.New("ts: no ADTS syncword")
	// ErrADTSHeader means an ADTS header with impossible field values.
	ErrADTSHeader = errors.New("ts: invalid ADTS header")
	// ErrAudioSpecificConfig means an AudioSpecificConfig that cannot be parsed.
	ErrAudioSpecificConfig = errors.New("ts: invalid AudioSpecificConfig")
	// ErrUnsupportedAAC means AAC parameters that ADTS cannot express.
	ErrUnsupportedAAC = errors.New("ts: AAC configuration not expressible in ADTS")

	// ErrMPEGAudioHeader means data that is not an MPEG audio frame header.
	ErrMPEGAudioHeader = errors.New("ts: invalid MPEG audio frame header")

	// ErrUnsupportedCodec means a codec the muxer does not carry in that role.
	ErrUnsupportedCodec = errors.New("ts: unsupported codec")
	// ErrNoStream means a frame for a stream the muxer was not configured with.
	ErrNoStream = errors.New("ts: stream not configured")
	// ErrNoAACConfig means an AAC frame before SetAACConfig.
	ErrNoAACConfig = errors.New("ts: AAC frame before AudioSpecificConfig")
	// ErrFrameTooLarge means an audio frame too large for one PES packet.
	ErrFrameTooLarge = errors.New("ts: frame too large for a PES packet")

	// ErrSync means bytes that are not a TS packet were skipped.
	ErrSync = errors.New("ts: lost packet sync")
	// ErrTransportError means a packet flagged with transport_error_indicator.
	ErrTransportError = errors.New("ts: transport error indicator set")
	// ErrContinuity means a continuity counter gap: packets were lost.
	ErrContinuity = errors.New("ts: continuity counter error")
	// ErrCRC means a PSI section whose CRC-32 does not match.
	ErrCRC = errors.New("ts: PSI section CRC mismatch")
	// ErrSection means a malformed PSI section.
	ErrSection = errors.New("ts: invalid PSI section")
	// ErrPES means a malformed PES packet header.
	ErrPES = errors.New("ts: invalid PES packet")
	// ErrPESTooLarge means a PES packet larger than the demuxer's limit.
	ErrPESTooLarge = errors.New("ts: PES packet exceeds size limit")
)
