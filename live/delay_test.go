package live

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDelayQuantile(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name   string
		delays []time.Duration
		q      float64
		want   time.Duration
	}{
		{"empty", nil, 0.99, 0},
		{"one bucket interpolates", []time.Duration{4500 * time.Microsecond, 4600 * time.Microsecond}, 0.5, 4500 * time.Microsecond},
		{"p99 in the top bucket", append(make([]time.Duration, 98), 30*ms, 30*ms), 0.99, 25 * ms},
		{"past the last bound", []time.Duration{time.Minute}, 0.5, 2 * time.Second},
		{"at a bound", []time.Duration{ms, ms}, 1, ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h DelayHist
			for _, d := range tc.delays {
				h.Add(d)
			}
			var d Delays
			h.AddTo(&d)
			assert.Equal(t, uint64(len(tc.delays)), d.Count())
			assert.Equal(t, tc.want, d.Quantile(tc.q))
		})
	}
}

// slowSink takes everything, each write after a pause (a busy socket
// write), or nothing (a full socket).
type slowSink struct {
	pause time.Duration
	full  bool
}

func (s *slowSink) Writev(bufs [][]byte) (int, error) {
	if s.full {
		return 0, nil
	}
	time.Sleep(s.pause)
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	return n, nil
}

func (s *slowSink) Close(error) {}

// The delivery delay of each player counts the writes to the players
// before it; a player whose socket is full is not counted (its delay is
// its own).
func TestDeliveryDelayCountsEachPlayersWrite(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	l.delayEvery = 1 // count every write
	p := startPublish(t, reg, l, testConfig())
	p.gop(1)
	const players, pause = 3, 3 * time.Millisecond
	var cs []*Consumer
	for range players {
		cs = append(cs, reg.Play(l, "v", "live", "s", testConfig(), &slowSink{pause: pause}, JoinOptions{Form: FormRTMP}))
	}
	cs = append(cs, reg.Play(l, "v", "live", "s", testConfig(), &slowSink{full: true}, JoinOptions{Form: FormRTMP}))
	var before, qBefore Delays
	l.Delivered.AddTo(&before)
	l.Queued.AddTo(&qBefore)

	l.Touch() // the publisher's message is read now
	read := time.Now()
	p.write(9, avcInter)
	took := time.Since(read)

	var d, q Delays
	l.Delivered.AddTo(&d)
	l.Queued.AddTo(&q)
	d, q = d.Sub(before), q.Sub(qBefore)
	require.Equal(t, uint64(players), d.Count(), "one per player written in full")
	assert.GreaterOrEqual(t, d.Sum, (1+2+3)*pause, "the k-th player waits for k writes")
	assert.LessOrEqual(t, d.Sum, players*took+time.Millisecond)
	assert.Equal(t, uint64(1), q.Count(), "one queued observation per batch")
	for _, c := range cs {
		c.Close()
	}
	p.pub.Unpublish()
}

func TestDeliveryDelaySamplesOneWriteInEight(t *testing.T) {
	reg := NewRegistry()
	l := NewLoop(0, inline{})
	p := startPublish(t, reg, l, testConfig())
	p.gop(1)
	const players = 2 * delaySampling
	var cs []*Consumer
	for range players {
		cs = append(cs, reg.Play(l, "v", "live", "s", testConfig(), &sink{accept: -1}, JoinOptions{Form: FormRTMP}))
	}
	var before Delays
	l.Delivered.AddTo(&before)
	const frames = 10 * delaySampling
	for range frames {
		p.write(9, avcInter)
	}
	var d Delays
	l.Delivered.AddTo(&d)
	d = d.Sub(before)
	assert.InDelta(t, players*frames/delaySampling, d.Count(), 2)
	for _, c := range cs {
		c.Close()
	}
	p.pub.Unpublish()
}
