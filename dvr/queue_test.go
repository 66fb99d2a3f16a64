package dvr

import (
	"testing"

	"github.com/cascade-live/cascade/buffer"
	"github.com/cascade-live/cascade/live"
	"github.com/stretchr/testify/assert"
)

func testPacket(kind live.Kind, keyframe, seqHeader bool) *live.Packet {
	p := live.NewPacket()
	p.Kind, p.Keyframe, p.SeqHeader = kind, keyframe, seqHeader
	p.Payload = buffer.Get()
	return p
}

func TestQueueDropsMediaNotHeaders(t *testing.T) {
	q := newPacketQueue()
	var mine []*live.Packet
	push := func(p *live.Packet) { q.push(p); mine = append(mine, p) }
	for range queueLimit {
		push(testPacket(live.KindAudio, false, false))
	}
	push(testPacket(live.KindAudio, false, false)) // dropped
	push(testPacket(live.KindVideo, false, false)) // dropped, skip video to a keyframe
	push(testPacket(live.KindVideo, false, true))  // sequence header: kept
	push(testPacket(live.KindData, false, false))  // metadata: kept
	push(testPacket(live.KindEvent, false, false)) // not for outputs
	assert.Equal(t, uint64(2), q.dropped.Load())

	events, ok := q.take(nil)
	assert.True(t, ok)
	assert.Len(t, events, queueLimit+2)
	push(testPacket(live.KindVideo, false, false)) // still skipping
	push(testPacket(live.KindVideo, true, false))  // a keyframe ends it
	push(testPacket(live.KindVideo, false, false))
	assert.Equal(t, uint64(3), q.dropped.Load())
	q.pushUnpublish()
	q.close()
	more, ok := q.take(nil)
	assert.True(t, ok)
	assert.Len(t, more, 3)
	assert.Nil(t, more[2].p, "unpublish event")
	_, ok = q.take(nil)
	assert.False(t, ok)

	for _, e := range append(events, more...) {
		if e.p != nil {
			e.p.Release()
		}
	}
	for _, p := range mine {
		p.Release()
	}
}
