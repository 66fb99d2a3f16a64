// Package flv reads and writes FLV files and the FLV tag bodies that RTMP
// carries as audio and video message payloads, including the Enhanced RTMP
// (v1 and v2) extended headers.
//
// The package has three layers:
//
//   - Hot-path classification over a raw payload (IsVideoKeyframe,
//     IsVideoSequenceHeader, IsAudioSequenceHeader) and tag framing
//     (AppendHeader, AppendTag, TagLen). These never allocate and never
//     panic on short input.
//   - Header and configuration parsers: ParseVideoTagHeader,
//     ParseAudioTagHeader, the decoder configuration records avcC
//     (ParseAVCConfig) and hvcC (ParseHEVCConfig), H.264 and H.265
//     sequence parameter sets (ParseH264SPS, ParseH265SPS) and the AAC
//     AudioSpecificConfig (ParseAudioSpecificConfig). They validate every
//     length read from the wire before using it and report failures with
//     the sentinel errors of this package.
//   - A file Reader and Writer over io.Reader and io.Writer.
//
// An RTMP audio or video message payload is exactly an FLV tag body, so
// every function that takes a "payload" works on both.
//
// Enhanced RTMP v2 ModEx prefixes (TimestampOffsetNano) and multitrack
// messages are understood; for a multitrack message with several tracks
// the header parsers describe the first track and say where it ends.
//
// References: Adobe Flash Video File Format Specification 10.1 (Annex E),
// Enhanced RTMP v1/v2 (veovera/enhanced-rtmp), ISO/IEC 14496-15 (avcC,
// hvcC), ITU-T H.264 and H.265 (sequence parameter sets) and ISO/IEC
// 14496-3 (AudioSpecificConfig).
package flv
