// Package mp4 writes and reads the ISO base media file format (MP4) boxes
// of a fragmented MP4 file: an init segment (ftyp and a moov with the
// tracks' codec configuration, avcC, hvcC or esds, and mvex/trex) followed
// by fragments (moof with mfhd/traf/tfhd/tfdt/trun, then mdat). A file
// written this way plays whole from its start even if its writer stops
// midway, since every fragment describes its own samples.
//
// The package does no I/O: functions append boxes to a byte slice, and
// Walk reads boxes from one, with every size checked against the bytes at
// hand before anything is allocated.
package mp4
