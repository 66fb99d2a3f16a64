package ts

import (
	"encoding/binary"
	"fmt"
)

// PSI section layout (H.222.0 2.4.4).
const (
	tableIDPAT = 0x00
	tableIDPMT = 0x02

	sectionShortHeaderSize = 3 // table_id, flags and section_length
	sectionLongHeaderSize  = 8 // … up to last_section_number
	crcSize                = 4
	maxSectionLength       = 1021 // section_length limit of PAT and PMT
	maxSectionSize         = sectionShortHeaderSize + maxSectionLength
)

// patEntrySize and pmtStreamSize are the sizes of one PAT program and of one
// PMT elementary stream entry without descriptors.
const (
	patEntrySize  = 4
	pmtStreamSize = 5
)

// pmtStream is one elementary stream of a PMT.
type pmtStream struct {
	streamType StreamType
	pid        uint16
}

// beginSection appends the 8-byte long section header; section_length is
// filled in by endSection.
func beginSection(dst []byte, tableID uint8, idExtension uint16, version uint8) []byte {
	// section_length is filled in by endSection; then reserved bits,
	// version_number, current_next_indicator 1, section_number 0 and
	// last_section_number 0.
	return append(dst, tableID, 0, 0, byte(idExtension>>8), byte(idExtension),
		0xC0|version<<1&0x3E|1, 0, 0)
}

// endSection sets section_length of the section starting at dst[start] and
// appends its CRC_32.
func endSection(dst []byte, start int) []byte {
	length := len(dst) - start - sectionShortHeaderSize + crcSize
	dst[start+1] = 0xB0 | byte(length>>8)&0x0F // section_syntax_indicator 1, '0', reserved '11'
	dst[start+2] = byte(length)
	return binary.BigEndian.AppendUint32(dst, CRC32(dst[start:]))
}

// appendPATSection appends a PAT section listing one program.
func appendPATSection(dst []byte, tsID, program, pmtPID uint16) []byte {
	start := len(dst)
	dst = beginSection(dst, tableIDPAT, tsID, 0)
	dst = append(dst, byte(program>>8), byte(program), 0xE0|byte(pmtPID>>8), byte(pmtPID))
	return endSection(dst, start)
}

// appendPMTSection appends a PMT section without descriptors.
func appendPMTSection(dst []byte, program, pcrPID uint16, streams []pmtStream) []byte {
	start := len(dst)
	dst = beginSection(dst, tableIDPMT, program, 0)
	dst = append(dst, 0xE0|byte(pcrPID>>8), byte(pcrPID), 0xF0, 0) // program_info_length 0
	for _, s := range streams {
		dst = append(dst, byte(s.streamType), 0xE0|byte(s.pid>>8), byte(s.pid), 0xF0, 0)
	}
	return endSection(dst, start)
}

// appendSectionPacket appends one TS packet carrying a whole section (at
// most 183 bytes) behind a zero pointer_field, padded with 0xFF.
func appendSectionPacket(dst []byte, pid uint16, cc *uint8, section []byte) []byte {
	var pkt []byte
	dst, pkt = growPacket(dst)
	pkt[0] = SyncByte
	pkt[1] = flagPUSI | byte(pid>>8)&0x1F
	pkt[2] = byte(pid)
	pkt[3] = afcPayload | *cc
	*cc = (*cc + 1) & 0xF
	pkt[4] = 0 // pointer_field
	n := copy(pkt[5:], section)
	copy(pkt[5+n:], stuffing[:])
	return dst
}

// section is a checked long-form PSI section.
type section struct {
	tableID     uint8
	idExtension uint16 // transport_stream_id or program_number
	version     uint8
	current     bool
	body        []byte // between the long header and the CRC
}

// parseSection checks a complete section (its length taken from
// section_length) and its CRC.
func parseSection(b []byte) (section, error) {
	if len(b) < sectionLongHeaderSize+crcSize {
		return section{}, fmt.Errorf("%w: %w: %d bytes", ErrSection, ErrTruncated, len(b))
	}
	if b[1]&0x80 == 0 {
		return section{}, fmt.Errorf("%w: table 0x%02X without section syntax", ErrSection, b[0])
	}
	if CRC32(b) != 0 {
		return section{}, fmt.Errorf("table 0x%02X: %w", b[0], ErrCRC)
	}
	return section{
		tableID:     b[0],
		idExtension: binary.BigEndian.Uint16(b[3:]),
		version:     b[5] >> 1 & 0x1F,
		current:     b[5]&1 != 0,
		body:        b[sectionLongHeaderSize : len(b)-crcSize],
	}, nil
}

// parsePAT calls fn for each program_number and its PMT PID in a PAT body
// (program 0, the network PID, is skipped).
func parsePAT(body []byte, fn func(program, pid uint16)) error {
	if len(body)%patEntrySize != 0 {
		return fmt.Errorf("%w: PAT body of %d bytes", ErrSection, len(body))
	}
	for ; len(body) >= patEntrySize; body = body[patEntrySize:] {
		program := binary.BigEndian.Uint16(body)
		pid := binary.BigEndian.Uint16(body[2:]) & 0x1FFF
		if program != 0 {
			fn(program, pid)
		}
	}
	return nil
}

// parsePMT returns the PCR PID of a PMT body and calls fn for each
// elementary stream.
func parsePMT(body []byte, fn func(pmtStream)) (pcrPID uint16, err error) {
	if len(body) < 4 {
		return 0, fmt.Errorf("%w: %w: PMT body of %d bytes", ErrSection, ErrTruncated, len(body))
	}
	pcrPID = binary.BigEndian.Uint16(body) & 0x1FFF
	infoLen := int(binary.BigEndian.Uint16(body[2:]) & 0x0FFF)
	body = body[4:]
	if infoLen > len(body) {
		return 0, fmt.Errorf("%w: program_info_length %d, %d bytes left", ErrSection, infoLen, len(body))
	}
	for body = body[infoLen:]; len(body) > 0; {
		if len(body) < pmtStreamSize {
			return 0, fmt.Errorf("%w: %w: PMT stream entry of %d bytes", ErrSection, ErrTruncated, len(body))
		}
		s := pmtStream{streamType: StreamType(body[0]), pid: binary.BigEndian.Uint16(body[1:]) & 0x1FFF}
		esInfoLen := int(binary.BigEndian.Uint16(body[3:]) & 0x0FFF)
		body = body[pmtStreamSize:]
		if esInfoLen > len(body) {
			return 0, fmt.Errorf("%w: ES_info_length %d, %d bytes left", ErrSection, esInfoLen, len(body))
		}
		body = body[esInfoLen:]
		fn(s)
	}
	return pcrPID, nil
}
