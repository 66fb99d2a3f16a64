// Package ts implements the MPEG-2 transport stream (ITU-T H.222.0 | ISO/IEC
// 13818-1) as used by HLS and HTTP-TS: a muxer that turns FLV/RTMP style
// frames into 188-byte TS packets, and an incremental demuxer for TS
// ingestion.
//
// # Muxer
//
// A Muxer carries one program with at most one video stream (H.264 or H.265)
// and one audio stream (AAC or MP3). The identifiers follow ffmpeg's
// mpegtsenc defaults so that segments look familiar to every player and
// analyser:
//
//	transport_stream_id 1, program_number 1
//	PMT   PID 0x1000 (PIDPMT)
//	video PID 0x100  (PIDVideo), stream_id 0xE0
//	audio PID 0x101  (PIDAudio), stream_id 0xC0
//
// The PCR travels on the video PID, or on the audio PID when the program has
// no video, in the first TS packet of every PES packet of that PID (every
// frame, so well inside the 100 ms the standard requires); PCR equals the
// frame's DTS, as SRS does.
//
// Video input is one access unit at a time in the length-prefixed form of
// FLV/RTMP (AVCC/HVCC). The muxer converts it to Annex B, puts an access
// unit delimiter first and the parameter sets given with SetH264Params or
// SetH265Params before every keyframe that does not already carry them.
// Keyframes are flagged with random_access_indicator. Video PES packets have
// PES_packet_length 0 (unbounded), as ffmpeg writes them.
//
// Audio input is one frame at a time: raw AAC frames, which are wrapped in
// ADTS using the AudioSpecificConfig given with SetAACConfig, or MP3 frames,
// which are carried as they are. Each audio frame becomes its own PES packet
// (no batching of several frames per PES as SRS and ffmpeg can do); every
// audio PES is flagged as a random access point, as ffmpeg does.
//
// Timestamps are in 90 kHz ticks (ClockRate) and are written modulo 2^33.
//
// Output is appended to a caller-provided byte slice (AppendVideo,
// AppendAudio, AppendPATPMT) or to the B field of a pooled buffer.Buffer
// (WriteVideo, WriteAudio, WritePATPMT), so that one muxer per stream
// produces bytes shared by reference by all readers. Once its internal
// scratch space has grown to the largest frame, muxing allocates nothing.
//
// An HLS segment must begin with PAT and PMT followed by a keyframe: call
// AppendPATPMT before the keyframe that starts a segment, or set
// Config.PSIBeforeKeyframes.
//
// # Demuxer
//
// Demuxer accepts transport stream bytes in chunks of any size, finds and
// keeps packet sync (resynchronising on 0x47), follows PAT and PMT (with CRC
// check), reassembles PES packets and hands each one to a callback as a
// Frame with its PID, stream type, PTS and DTS. Continuity counter gaps,
// CRC failures and lost sync are counted in Stats and reported through
// Demuxer.OnError, never fatal; a PES packet that lost data is dropped.
//
// # Helpers
//
// The package also has the elementary stream helpers the muxer needs:
// ADTS header building and parsing, AudioSpecificConfig parsing, Annex B and
// length-prefixed NAL unit conversion, NAL unit type helpers, and the
// MPEG-2 CRC-32 of PSI sections.
package ts
