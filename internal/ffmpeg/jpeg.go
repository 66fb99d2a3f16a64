package ffmpeg

import "encoding/binary"

// JPEG markers the splitter needs.
const (
	markerSOI = 0xd8 // start of image
	markerEOI = 0xd9 // end of image
	markerSOS = 0xda // start of scan: entropy-coded data follows its header
)

// nextJPEG finds the first complete JPEG at the start of b, which FFmpeg's
// image2pipe writes back to back, and returns its length; 0 when more
// bytes are needed. It walks the marker segments by their lengths and the
// entropy-coded data by its byte stuffing, so a 0xFF 0xD9 inside a table
// does not end the picture. bad is set when b does not start a JPEG.
func nextJPEG(b []byte) (n int, bad bool) {
	if len(b) < 2 {
		return 0, false
	}
	if b[0] != 0xff || b[1] != markerSOI {
		return 0, true
	}
	i := 2
	for {
		// A marker: 0xFF, optional fill 0xFFs, then its code.
		if i >= len(b) {
			return 0, false
		}
		if b[i] != 0xff {
			return 0, true
		}
		for i < len(b) && b[i] == 0xff {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		code := b[i]
		i++
		switch {
		case code == markerEOI:
			return i, false
		case code == markerSOI || code == 0x01 || (code >= 0xd0 && code <= 0xd7):
			continue // no length
		}
		if i+2 > len(b) {
			return 0, false
		}
		size := int(binary.BigEndian.Uint16(b[i:]))
		if size < 2 {
			return 0, true
		}
		i += size
		if code != markerSOS {
			continue
		}
		// Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte)
		// or a restart marker; any other code is the next marker.
		for {
			if i+1 >= len(b) {
				return 0, false
			}
			if b[i] == 0xff && b[i+1] != 0 && (b[i+1] < 0xd0 || b[i+1] > 0xd7) {
				break
			}
			i++
		}
	}
}
