package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cascade-live/cascade/flv"
	"github.com/cascade-live/cascade/rtmp/client"
)

// stampUUID marks the SEI message (user data unregistered) in which the
// load tool's publisher writes when it sent a frame, so that players can
// tell how long the server took to deliver it.
var stampUUID = [16]byte{'c', 'a', 's', 'c', 'a', 'd', 'e', '-', 'b', 'e', 'n', 'c', 'h', '-', 't', 's'}

// stampNALLen is the SEI NAL unit the publisher prepends: header, payload
// type 5, size, UUID, 8 time bytes, trailing bits.
const stampNALLen = 1 + 1 + 1 + 16 + 8 + 1

// appendStamp appends to dst the AVC video payload p (AVCPacketType 1, NAL
// units with 4-byte lengths) with an SEI NAL unit carrying t first. t is
// written 7 bits per byte with the top bit set, so the NAL unit never
// holds 00 00 and needs no emulation prevention.
func appendStamp(dst, p []byte, t time.Duration) []byte {
	dst = append(dst, p[:5]...)
	dst = append(dst, 0, 0, 0, stampNALLen, 0x06, 5, 16+8)
	dst = append(dst, stampUUID[:]...)
	v := uint64(t)
	for i := 7; i >= 0; i-- {
		dst = append(dst, 0x80|byte(v>>(7*uint(i))&0x7f))
	}
	dst = append(dst, 0x80)
	return append(dst, p[5:]...)
}

// readStamp finds the stamp at the start of a video payload's head.
func readStamp(head []byte) (time.Duration, bool) {
	const at = 5 + 4 + 3 // FLV video header, NAL length, SEI header bytes
	if len(head) < at+16+8 || head[9] != 0x06 || head[10] != 5 || [16]byte(head[at:at+16]) != stampUUID {
		return 0, false
	}
	var v uint64
	for _, b := range head[at+16 : at+24] {
		v = v<<7 | uint64(b&0x7f)
	}
	return time.Duration(v), true
}

// isAVCFrame reports whether p is an AVC video payload holding NAL units.
func isAVCFrame(p []byte) bool { return len(p) > 5 && p[0]&0x0f == 7 && p[1] == 1 }

// mediaTag is one tag of the file the load tool publishes.
type mediaTag struct {
	typ  uint8
	ts   uint32
	data []byte
}

// readMediaFile reads the audio, video and script tags of an FLV file.
func readMediaFile(path string) ([]mediaTag, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := flv.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, err
	}
	var tags []mediaTag
	for {
		t, err := r.ReadTag()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		tags = append(tags, mediaTag{t.Type, t.Timestamp, t.Data})
	}
	if len(tags) == 0 {
		return nil, fmt.Errorf("bench: %s has no tags", path)
	}
	return tags, nil
}

// publishStats are a publisher's counters.
type publishStats struct {
	frames atomic.Uint64
	// behind is the largest lag, in ms, of a write behind its due time
	// while counting is set (the steady window): the server (or the tool)
	// did not keep up with real time.
	behind   atomic.Int64
	counting *atomic.Bool
	err      atomic.Pointer[error]
	// ready is closed once the server accepted the publish, done when
	// the publisher stopped.
	ready, done chan struct{}
}

// Numbered is url with "-i" added to its stream name (before an .flv
// extension or a query): the i-th stream of a many-publisher run.
func Numbered(url string, i int) string {
	suffix := fmt.Sprintf("-%d", i)
	end := len(url)
	if q := strings.IndexByte(url, '?'); q >= 0 {
		end = q
	}
	if strings.HasSuffix(url[:end], ".flv") {
		end -= len(".flv")
	}
	return url[:end] + suffix + url[end:]
}

// publish sends tags to url in real time, looped until ctx is done, with
// continuous timestamps and each AVC frame stamped with clock().
func publish(ctx context.Context, url string, tags []mediaTag, clock func() time.Duration, st *publishStats) error {
	c, err := client.Dial(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Publish(ctx, streamOf(c)); err != nil {
		return err
	}
	close(st.ready)
	go func() { // answer pings, keep acknowledgements flowing
		for {
			m, err := c.ReadMessage()
			if err != nil {
				return
			}
			m.Body.Release()
		}
	}()
	span := tags[len(tags)-1].ts + 40
	start := time.Now()
	var buf []byte
	// One timer for the whole run: a thousand publishers each making a
	// timer per frame cost the tool's core what it measures the server by.
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for loop := uint32(0); ; loop++ {
		for _, t := range tags {
			if t.typ == flv.TagScript && loop > 0 {
				continue
			}
			ts := t.ts + loop*span
			due := time.Duration(ts) * time.Millisecond
			if wait := due - time.Since(start); wait > 0 {
				timer.Reset(wait)
				select {
				case <-ctx.Done():
					return nil
				case <-timer.C:
				}
			} else if lag := -wait.Milliseconds(); lag > st.behind.Load() && st.counting.Load() {
				st.behind.Store(lag)
			}
			data := t.data
			if t.typ == flv.TagVideo && isAVCFrame(data) {
				buf = appendStamp(buf[:0], data, clock())
				data = buf
			}
			if err := c.WritePayload(t.typ, ts, data); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			if t.typ != flv.TagScript {
				st.frames.Add(1)
			}
		}
	}
}

func streamOf(c *client.Conn) string { return c.URL().Stream }
