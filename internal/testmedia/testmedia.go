// Package testmedia turns the shared test media into the live packets a
// source makes, for the tests of outputs (DVR, HDS, HLS…).
package testmedia

import (
	"bufio"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/live"
	"github.com/stretchr/testify/require"
)

// Packets reads a test media file into packets as a source would make
// them. The packets are released when the test ends.
func Packets(t testing.TB, name string) []*live.Packet {
	t.Helper()
	f, err := os.Open(testpeer.Media(t, name))
	require.NoError(t, err)
	defer f.Close()
	r, err := flv.NewReader(bufio.NewReader(f))
	require.NoError(t, err)
	var tags []Tag
	for {
		tag, err := r.ReadTag()
		if errors.Is(err, io.EOF) {
			return TagPackets(t, tags)
		}
		require.NoError(t, err)
		tags = append(tags, Tag{Type: tag.Type, Timestamp: tag.Timestamp, Data: tag.Data})
	}
}

// TagPackets turns FLV tags into packets as a source would make them. The
// packets are released when the test ends.
func TagPackets(t testing.TB, tags []Tag) []*live.Packet {
	packets := make([]*live.Packet, 0, len(tags))
	t.Cleanup(func() {
		for _, p := range packets {
			p.Release()
		}
	})
	for i, tag := range tags {
		p := live.NewPacket()
		p.Seq = uint64(i + 1)
		p.Timestamp = tag.Timestamp
		switch tag.Type {
		case flv.TagAudio:
			p.Kind = live.KindAudio
			p.SeqHeader = flv.IsAudioSequenceHeader(tag.Data)
		case flv.TagVideo:
			p.Kind = live.KindVideo
			p.SeqHeader = flv.IsVideoSequenceHeader(tag.Data)
			p.Keyframe = flv.IsVideoKeyframe(tag.Data) && !p.SeqHeader
		default:
			p.Kind = live.KindData
		}
		p.Payload = buffer.GetSize(len(tag.Data))
		copy(p.Payload.B, tag.Data)
		p.FLV = buffer.Get()
		p.FLV.B = flv.AppendTag(p.FLV.B, tag.Type, tag.Timestamp, tag.Data)
		packets = append(packets, p)
	}
	return packets
}

// Feed writes the packets with timestamps in [from, to) to out (metadata
// and sequence headers always), as a source does on its loop.
func Feed(out live.Output, packets []*live.Packet, from, to uint32) {
	for _, p := range packets {
		if p.Kind == live.KindData || p.SeqHeader || (p.Timestamp >= from && p.Timestamp < to) {
			out.WritePacket(p)
		}
	}
}

// ReadTags returns every tag of an FLV file with its file offset.
func ReadTags(t testing.TB, path string) (tags []*flv.Tag, offsets []int64) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := flv.NewReader(bufio.NewReader(f))
	require.NoError(t, err)
	r.CheckPreviousTagSize = true
	for {
		off := r.Offset() + flv.PreviousTagSizeLen
		tag, err := r.ReadTag()
		if errors.Is(err, io.EOF) {
			return tags, offsets
		}
		require.NoError(t, err)
		tags = append(tags, tag)
		offsets = append(offsets, off)
	}
}
