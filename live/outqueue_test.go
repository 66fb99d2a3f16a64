package live

import (
	"testing"

	"github.com/cascade-live/cascade/buffer"
	"github.com/stretchr/testify/assert"
)

func testPacket(kind Kind, keyframe, seqHeader bool) *Packet {
	p := NewPacket()
	p.Kind, p.Keyframe, p.SeqHeader = kind, keyframe, seqHeader
	p.Payload = buffer.Get()
	return p
}

func TestQueueDropsMediaNotHeaders(t *testing.T) {
	q := NewOutputQueue()
	var mine []*Packet
	push := func(p *Packet) { q.Push(p); mine = append(mine, p) }
	for range OutputQueueLimit {
		push(testPacket(KindAudio, false, false))
	}
	push(testPacket(KindAudio, false, false)) // dropped
	push(testPacket(KindVideo, false, false)) // dropped, skip video to a keyframe
	push(testPacket(KindVideo, false, true))  // sequence header: kept
	push(testPacket(KindData, false, false))  // metadata: kept
	push(testPacket(KindEvent, false, false)) // not for outputs
	assert.Equal(t, uint64(2), q.Dropped())

	events, ok := q.Take(nil)
	assert.True(t, ok)
	assert.Len(t, events, OutputQueueLimit+2)
	push(testPacket(KindVideo, false, false)) // still skipping
	push(testPacket(KindVideo, true, false))  // a keyframe ends it
	push(testPacket(KindVideo, false, false))
	assert.Equal(t, uint64(3), q.Dropped())
	q.PushUnpublish()
	q.Close()
	more, ok := q.Take(nil)
	assert.True(t, ok)
	assert.Len(t, more, 3)
	assert.Nil(t, more[2].P, "unpublish event")
	_, ok = q.Take(nil)
	assert.False(t, ok)

	for _, e := range append(events, more...) {
		if e.P != nil {
			e.P.Release()
		}
	}
	for _, p := range mine {
		p.Release()
	}
}
