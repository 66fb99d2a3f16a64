package ts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Demuxer limits. Everything a stream can make the demuxer keep is bounded
// by them: PES and section buffers per PID, and the number of PIDs.
const (
	DefaultMaxPESSize = 4 << 20 // largest PES packet reassembled by default
	maxPrograms       = 16      // PMTs followed
	maxStreams        = 32      // elementary streams followed
)

// Frame is one PES packet's payload: usually one access unit of video or
// one or more audio frames (ADTS or MPEG audio frames in a row). The
// demuxer reuses the Frame and its Data: both are only valid until the
// callback returns.
type Frame struct {
	PID          uint16
	Program      uint16 // program_number of the PMT listing the PID
	StreamType   StreamType
	StreamID     uint8
	PTS, DTS     int64  // 90 kHz, 33 bits; NoTimestamp without PTS; DTS = PTS when absent
	PCR          int64  // PCR base carried by the PES's first TS packet, or NoTimestamp
	RandomAccess bool   // random_access_indicator of the PES's first TS packet
	Data         []byte // PES payload
}

// Stats counts what a Demuxer saw. Errors are counted, not fatal.
type Stats struct {
	Packets          uint64 // TS packets read
	Frames           uint64 // frames delivered
	SyncLosses       uint64 // times bytes were skipped to find a sync byte
	SkippedBytes     uint64 // bytes skipped to find packet sync
	TransportErrors  uint64 // packets dropped for transport_error_indicator
	ContinuityErrors uint64 // continuity counter gaps (lost packets)
	CRCErrors        uint64 // PSI sections dropped for a bad CRC
	SectionErrors    uint64 // malformed PSI sections or packets
	PESErrors        uint64 // PES packets dropped: malformed, truncated or too large
}

// pidKind tells what a PID carries.
type pidKind uint8

const (
	kindPAT pidKind = iota
	kindPMT
	kindPES
)

// pidState is what the demuxer keeps for one PID.
type pidState struct {
	kind    pidKind
	program uint16
	cc      int8 // last continuity_counter, -1 before the first packet

	// PSI reassembly.
	section       []byte
	sectionActive bool
	last          []byte // last PMT section handled, to skip repeats

	// PES reassembly.
	streamType StreamType
	pes        []byte
	pesActive  bool // collecting a PES packet
	pcr        int64
	rai        bool
}

// Demuxer reads a transport stream incrementally. The zero value is ready
// to use; it is not safe for concurrent use.
type Demuxer struct {
	// OnError, if set, is called with every stream error (lost sync, CC
	// gap, bad CRC, malformed or dropped PES packet). These are not fatal:
	// the demuxer skips the damage and goes on.
	OnError func(error)
	// MaxPESSize bounds the PES packets reassembled; 0 means
	// DefaultMaxPESSize. Larger ones are dropped.
	MaxPESSize int

	pids    map[uint16]*pidState
	partial [PacketSize]byte // a packet split across Feed calls
	npart   int
	stats   Stats
	frame   Frame // handed to the callback, reused
}

// Stats returns the counters so far.
func (d *Demuxer) Stats() Stats { return d.stats }

func (d *Demuxer) report(counter *uint64, err error) {
	*counter++
	if d.OnError != nil {
		d.OnError(err)
	}
}

// Feed reads the transport stream bytes b, which may cut packets anywhere,
// and calls fn for each complete PES packet. A PES packet without
// PES_packet_length ends when the next one on its PID starts (or at Flush).
// Feed returns the first error fn returns, dropping the rest of b; stream
// errors are only reported (see OnError and Stats).
func (d *Demuxer) Feed(b []byte, fn func(*Frame) error) error {
	if d.pids == nil {
		d.pids = map[uint16]*pidState{PIDPAT: {kind: kindPAT, cc: -1}}
	}
	if d.npart > 0 {
		n := copy(d.partial[d.npart:], b)
		d.npart += n
		b = b[n:]
		if d.npart < PacketSize {
			return nil
		}
		d.npart = 0
		if err := d.packet(d.partial[:], fn); err != nil {
			return err
		}
	}
	for len(b) > 0 {
		if b[0] != SyncByte {
			n := resync(b)
			d.stats.SkippedBytes += uint64(n)
			d.report(&d.stats.SyncLosses, fmt.Errorf("%w: skipped %d bytes", ErrSync, n))
			b = b[n:]
			continue
		}
		if len(b) < PacketSize {
			d.npart = copy(d.partial[:], b)
			return nil
		}
		if err := d.packet(b[:PacketSize], fn); err != nil {
			return err
		}
		b = b[PacketSize:]
	}
	return nil
}

// resync returns the offset of the next likely packet start in b: a sync
// byte followed by another one a packet later, or one too close to the
// end of b to check. It returns len(b) when there is none.
func resync(b []byte) int {
	for i := 1; i < len(b); {
		j := bytes.IndexByte(b[i:], SyncByte)
		if j < 0 {
			break
		}
		i += j
		if i+PacketSize >= len(b) || b[i+PacketSize] == SyncByte {
			return i
		}
		i++
	}
	return len(b)
}

// Flush delivers the PES packets still being collected (those without
// PES_packet_length wait for the next packet on their PID), in PID order.
// Call it at the end of the stream.
func (d *Demuxer) Flush(fn func(*Frame) error) error {
	for _, pid := range slices.Sorted(maps.Keys(d.pids)) {
		st := d.pids[pid]
		if st.kind == kindPES && st.pesActive {
			if err := d.finishPES(pid, st, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// packet handles one 188-byte TS packet.
func (d *Demuxer) packet(p []byte, fn func(*Frame) error) error {
	d.stats.Packets++
	pid := binary.BigEndian.Uint16(p[1:]) & 0x1FFF
	if p[1]&flagTEI != 0 {
		d.report(&d.stats.TransportErrors, fmt.Errorf("PID 0x%X: %w", pid, ErrTransportError))
		return nil
	}
	st := d.pids[pid]
	if st == nil {
		return nil
	}
	start := p[1]&flagPUSI != 0
	afc := p[3] >> 4 & 3
	cc := int8(p[3] & 0xF)
	if afc == 0 {
		d.report(&d.stats.SectionErrors, fmt.Errorf("PID 0x%X: reserved adaptation_field_control", pid))
		return nil
	}

	payload := p[packetHeaderSize:]
	var af []byte
	if afc&2 != 0 {
		afLen := int(payload[0])
		if afLen > packetPayloadSize-1 || afc == 3 && afLen == packetPayloadSize-1 {
			d.report(&d.stats.SectionErrors, fmt.Errorf("PID 0x%X: adaptation_field_length %d", pid, afLen))
			return nil
		}
		af, payload = payload[1:1+afLen], payload[1+afLen:]
	}
	if afc&1 == 0 {
		return nil // adaptation field only: no payload, CC does not advance
	}

	discontinuity := len(af) > 0 && af[0]&afDiscontinuity != 0
	if st.cc >= 0 && !discontinuity {
		switch expected := (st.cc + 1) & 0xF; cc {
		case expected:
		case st.cc:
			return nil // duplicate packet
		default:
			d.report(&d.stats.ContinuityErrors,
				fmt.Errorf("PID 0x%X: %w: %d after %d", pid, ErrContinuity, cc, st.cc))
			d.lost(st)
		}
	}
	st.cc = cc

	if st.kind != kindPES {
		d.psiPayload(pid, st, payload, start)
		return nil
	}
	return d.pesPayload(pid, st, af, payload, start, fn)
}

// lost abandons what a PID was reassembling after lost packets.
func (d *Demuxer) lost(st *pidState) {
	if st.kind == kindPES && st.pesActive {
		d.stats.PESErrors++
		st.pesActive = false
	}
	st.sectionActive = false
}

// pesPayload adds one packet's payload to a PID's PES packet.
func (d *Demuxer) pesPayload(pid uint16, st *pidState, af, payload []byte, start bool, fn func(*Frame) error) error {
	if start {
		if st.pesActive {
			if err := d.finishPES(pid, st, fn); err != nil {
				return err
			}
		}
		st.pes = st.pes[:0]
		st.pesActive = true
		st.pcr, st.rai = NoTimestamp, false
		if len(af) > 0 {
			st.rai = af[0]&afRandomAccess != 0
			if af[0]&afPCR != 0 && len(af) >= 1+pcrSize {
				st.pcr = parsePCR(af[1:])
			}
		}
	}
	if !st.pesActive {
		return nil // waiting for the start of the next PES packet
	}
	limit := d.MaxPESSize
	if limit <= 0 {
		limit = DefaultMaxPESSize
	}
	if len(st.pes)+len(payload) > limit {
		st.pesActive = false
		d.report(&d.stats.PESErrors, fmt.Errorf("PID 0x%X: %w: over %d bytes", pid, ErrPESTooLarge, limit))
		return nil
	}
	st.pes = append(st.pes, payload...)
	if len(st.pes) < pesFixedSize {
		return nil
	}
	if st.pes[0] != 0 || st.pes[1] != 0 || st.pes[2] != 1 {
		st.pesActive = false
		d.report(&d.stats.PESErrors, fmt.Errorf("PID 0x%X: %w: no start code", pid, ErrPES))
		return nil
	}
	if n := int(binary.BigEndian.Uint16(st.pes[4:])); n > 0 && len(st.pes) >= pesFixedSize+n {
		return d.finishPES(pid, st, fn) // bounded PES packet complete: no need to wait
	}
	return nil
}

// finishPES delivers the PES packet a PID collected.
func (d *Demuxer) finishPES(pid uint16, st *pidState, fn func(*Frame) error) error {
	st.pesActive = false
	h, err := parsePESHeader(st.pes)
	if err != nil {
		d.report(&d.stats.PESErrors, fmt.Errorf("PID 0x%X: %w", pid, err))
		return nil
	}
	data := st.pes[h.headerSize:]
	if h.length > 0 {
		end := pesFixedSize + h.length
		if len(st.pes) < end {
			d.report(&d.stats.PESErrors, fmt.Errorf("PID 0x%X: %w: %w: PES packet of %d bytes, %d announced",
				pid, ErrPES, ErrTruncated, len(st.pes), end))
			return nil
		}
		data = st.pes[h.headerSize:end]
	}
	d.stats.Frames++
	d.frame = Frame{
		PID:          pid,
		Program:      st.program,
		StreamType:   st.streamType,
		StreamID:     h.streamID,
		PTS:          h.pts,
		DTS:          h.dts,
		PCR:          st.pcr,
		RandomAccess: st.rai,
		Data:         data,
	}
	return fn(&d.frame)
}

// psiPayload adds one packet's payload to a PID's PSI sections.
func (d *Demuxer) psiPayload(pid uint16, st *pidState, payload []byte, start bool) {
	if !start {
		if st.sectionActive {
			d.sectionBytes(pid, st, payload, false)
		}
		return
	}
	if len(payload) == 0 || int(payload[0]) >= len(payload) {
		st.sectionActive = false
		d.report(&d.stats.SectionErrors, fmt.Errorf("PID 0x%X: %w: pointer_field beyond packet", pid, ErrSection))
		return
	}
	pointer := int(payload[0])
	payload = payload[1:]
	if st.sectionActive {
		d.sectionBytes(pid, st, payload[:pointer], false)
		if st.sectionActive {
			st.sectionActive = false
			d.report(&d.stats.SectionErrors, fmt.Errorf("PID 0x%X: %w: section cut short", pid, ErrSection))
		}
	}
	d.sectionBytes(pid, st, payload[pointer:], true)
}

// sectionBytes collects section bytes; with canStart, new sections may
// begin in b (after a payload_unit_start_indicator).
func (d *Demuxer) sectionBytes(pid uint16, st *pidState, b []byte, canStart bool) {
	for len(b) > 0 {
		if !st.sectionActive {
			if !canStart || b[0] == 0xFF {
				return // stuffing
			}
			st.section = st.section[:0]
			st.sectionActive = true
		}
		want := sectionShortHeaderSize
		if len(st.section) >= sectionShortHeaderSize {
			want += int(binary.BigEndian.Uint16(st.section[1:]) & 0x0FFF)
		}
		n := min(want-len(st.section), len(b))
		st.section = append(st.section, b[:n]...)
		b = b[n:]
		switch {
		case len(st.section) < want:
			return
		case want == sectionShortHeaderSize:
			// PAT and PMT are long-form sections: a 5-byte header
			// extension and a CRC follow section_length.
			l := int(binary.BigEndian.Uint16(st.section[1:]) & 0x0FFF)
			if l < sectionLongHeaderSize-sectionShortHeaderSize+crcSize || l > maxSectionLength {
				st.sectionActive = false
				d.report(&d.stats.SectionErrors, fmt.Errorf("PID 0x%X: %w: section_length %d", pid, ErrSection, l))
				return
			}
		default:
			st.sectionActive = false
			d.section(pid, st, st.section)
		}
	}
}

// section handles one complete PSI section.
func (d *Demuxer) section(pid uint16, st *pidState, raw []byte) {
	if st.kind == kindPMT && bytes.Equal(raw, st.last) {
		return // the same PMT again
	}
	s, err := parseSection(raw)
	if err != nil {
		counter := &d.stats.SectionErrors
		if errors.Is(err, ErrCRC) {
			counter = &d.stats.CRCErrors
		}
		d.report(counter, fmt.Errorf("PID 0x%X: %w", pid, err))
		return
	}
	if !s.current {
		return
	}
	switch {
	case st.kind == kindPAT && s.tableID == tableIDPAT:
		err = parsePAT(s.body, d.addProgram)
	case st.kind == kindPMT && s.tableID == tableIDPMT && s.idExtension == st.program:
		st.last = append(st.last[:0], raw...)
		err = d.updateProgram(st.program, s.body)
	}
	if err != nil {
		d.report(&d.stats.SectionErrors, fmt.Errorf("PID 0x%X: %w", pid, err))
	}
}

// addProgram follows the PMT of a program listed in the PAT.
func (d *Demuxer) addProgram(program, pmtPID uint16) {
	if st := d.pids[pmtPID]; st != nil {
		if st.kind == kindPMT {
			st.program = program
		}
		return
	}
	if d.count(kindPMT) >= maxPrograms {
		return
	}
	d.pids[pmtPID] = &pidState{kind: kindPMT, program: program, cc: -1}
}

// updateProgram applies a new PMT of a program: its elementary streams
// are followed, streams it no longer lists are dropped.
func (d *Demuxer) updateProgram(program uint16, body []byte) error {
	listed := make(map[uint16]bool)
	_, err := parsePMT(body, func(s pmtStream) {
		st := d.pids[s.pid]
		switch {
		case st == nil:
			if d.count(kindPES) >= maxStreams {
				return
			}
			st = &pidState{kind: kindPES, cc: -1}
			d.pids[s.pid] = st
		case st.kind != kindPES:
			return // a PSI PID listed as a stream
		}
		st.program, st.streamType = program, s.streamType
		listed[s.pid] = true
	})
	if err != nil {
		return err
	}
	for pid, st := range d.pids {
		if st.kind == kindPES && st.program == program && !listed[pid] {
			delete(d.pids, pid)
		}
	}
	return nil
}

func (d *Demuxer) count(kind pidKind) int {
	n := 0
	for _, st := range d.pids {
		if st.kind == kind {
			n++
		}
	}
	return n
}
