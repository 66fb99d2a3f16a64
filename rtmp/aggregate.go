package rtmp

import (
	"errors"
	"fmt"
)

// ErrAggregate reports a malformed aggregate message.
var ErrAggregate = errors.New("rtmp: malformed aggregate message")

// aggregateHeaderLen is the FLV-tag-like header of each sub-message; a
// 4-byte back pointer follows each body.
const aggregateHeaderLen = 11

// SplitAggregate walks the sub-messages of an aggregate message (type 22)
// whose own timestamp is ts, calling fn with each one's type, timestamp and
// body. The bodies alias payload. As the specification says, sub-message
// timestamps are offsets from the first one, rebased on the aggregate's.
func SplitAggregate(payload []byte, ts uint32, fn func(typ uint8, timestamp uint32, body []byte) error) error {
	var base int64 = -1
	for p := payload; len(p) > 0; {
		if len(p) < aggregateHeaderLen {
			return fmt.Errorf("%w: %d bytes left for a sub-message header", ErrAggregate, len(p))
		}
		typ := p[0]
		size := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
		sub := uint32(p[4])<<16 | uint32(p[5])<<8 | uint32(p[6]) | uint32(p[7])<<24
		if len(p) < aggregateHeaderLen+size+4 {
			return fmt.Errorf("%w: sub-message of %d bytes exceeds the %d left", ErrAggregate, size, len(p)-aggregateHeaderLen)
		}
		if base < 0 {
			base = int64(sub)
		}
		body := p[aggregateHeaderLen : aggregateHeaderLen+size]
		p = p[aggregateHeaderLen+size+4:]
		if err := fn(typ, uint32(int64(ts)+int64(sub)-base), body); err != nil {
			return err
		}
	}
	return nil
}
