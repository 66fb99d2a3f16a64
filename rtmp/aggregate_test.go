package rtmp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func appendSub(dst []byte, typ uint8, ts uint32, body []byte) []byte {
	n := len(body)
	dst = append(dst, typ, byte(n>>16), byte(n>>8), byte(n), byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24), 0, 0, 0)
	dst = append(dst, body...)
	total := aggregateHeaderLen + n
	return append(dst, byte(total>>24), byte(total>>16), byte(total>>8), byte(total))
}

type sub struct {
	typ  uint8
	ts   uint32
	body string
}

func TestSplitAggregate(t *testing.T) {
	var p []byte
	p = appendSub(p, MsgVideo, 5000, []byte("key"))
	p = appendSub(p, MsgAudio, 5020, []byte("aac"))
	p = appendSub(p, MsgVideo, 5040, []byte{})
	var got []sub
	err := SplitAggregate(p, 100, func(typ uint8, ts uint32, body []byte) error {
		got = append(got, sub{typ, ts, string(body)})
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []sub{{MsgVideo, 100, "key"}, {MsgAudio, 120, "aac"}, {MsgVideo, 140, ""}}, got,
		"timestamps rebased on the aggregate's")

	for _, bad := range [][]byte{p[:5], p[:len(p)-1], append(appendSub(nil, MsgVideo, 0, []byte("x"))[:11], 0xff)} {
		err := SplitAggregate(bad, 0, func(uint8, uint32, []byte) error { return nil })
		assert.ErrorIs(t, err, ErrAggregate)
	}
}

func FuzzSplitAggregate(f *testing.F) {
	f.Add(appendSub(appendSub(nil, MsgVideo, 7, []byte("abc")), MsgAudio, 9, []byte("d")), uint32(3))
	f.Add([]byte{9, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0}, uint32(0))
	f.Fuzz(func(t *testing.T, p []byte, ts uint32) {
		total := 0
		_ = SplitAggregate(p, ts, func(_ uint8, _ uint32, body []byte) error {
			total += aggregateHeaderLen + len(body) + 4
			return nil
		})
		if total > len(p) {
			t.Fatalf("sub-messages span %d bytes of %d", total, len(p))
		}
	})
}
