package bandcheck

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/rtmp"
)

func names(cmds []*rtmp.Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Name)
	}
	return out
}

// TestSessionSequence drives a session with a fake clock and counters
// through the whole exchange: the messages of the package comment, the
// play phase paced at limit_kbps, the measurements in Finished.
func TestSessionSequence(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	now := t0
	var c Counters
	s := NewSession(Config{LimitKbps: 800, Duration: time.Second}, false)
	assert.Equal(t, []string{StartPlay}, names(s.Start(now)))

	out, err := s.OnCommand(now, c, packet(StartingPlay, nil))
	require.NoError(t, err)
	var sent uint64
	count := func(cmds []*rtmp.Command) {
		for _, cmd := range cmds {
			require.Equal(t, Playing, cmd.Name)
			p, _ := cmd.AppendPayload(nil)
			sent += uint64(len(p))
		}
		c.Sent = sent
	}
	count(out)
	var stop []*rtmp.Command
	for stop == nil {
		now = now.Add(tickEvery)
		out, next, err := s.Tick(now, c)
		require.NoError(t, err)
		require.False(t, next.IsZero())
		if len(out) == 1 && out[0].Name == StopPlay {
			stop = out
			break
		}
		count(out)
	}
	// 800 kbps for 1 s is 100000 bytes, give or take a packet.
	assert.InDelta(t, 100000, float64(sent), float64(s.fillSize)+1)
	d := dataOf(stop[0])
	assert.Equal(t, float64(1000), number(d, "duration_delta"))
	assert.Equal(t, float64(sent), number(d, "bytes_delta"))

	out, err = s.OnCommand(now, c, packet(StoppedPlay, nil))
	require.NoError(t, err)
	assert.Equal(t, []string{StartPublish}, names(out))
	assert.Equal(t, float64(800), number(dataOf(out[0]), "limit_kbps"))
	_, err = s.OnCommand(now, c, packet(StartingPublish, nil))
	require.NoError(t, err)
	now = now.Add(500 * time.Millisecond)
	c.Received += 50000
	out, err = s.OnCommand(now, c, packet(StopPublish, nil))
	require.NoError(t, err)
	assert.Equal(t, []string{StopPublish}, names(out))
	out, err = s.OnCommand(now, c, packet(StoppedPublish, nil))
	require.NoError(t, err)
	require.Equal(t, []string{Finished}, names(out))
	fin := dataOf(out[0])
	assert.Equal(t, float64(800), number(fin, "publish_kbps")) // 50000 B in 500 ms
	assert.Equal(t, float64(50000), number(fin, "publish_bytes"))
	assert.Equal(t, float64(t0.UnixMilli()), number(fin, "start_time"))
	assert.False(t, s.Done())
	_, err = s.OnCommand(now, c, packet(Final, nil))
	require.NoError(t, err)
	assert.True(t, s.Done())
}

// TestSessionFailures: a command out of place ends the check, a silent
// client times out, a Flash client gets Finished without the replies
// Flash never sends, and the server ends the publish phase at duration.
func TestSessionFailures(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s := NewSession(Config{Duration: time.Second}, false)
	s.Start(now)
	_, err := s.OnCommand(now, Counters{}, packet(StoppedPublish, nil))
	require.ErrorIs(t, err, ErrUnexpected)
	_, _, err = s.Tick(now.Add(3*time.Second), Counters{})
	require.ErrorIs(t, err, ErrTimeout)

	flash := NewSession(Config{Duration: time.Second}, true)
	flash.Start(now)
	flash.phase = waitStartingPublish
	_, err = flash.OnCommand(now, Counters{}, packet(StartingPublish, nil))
	require.NoError(t, err)
	out, _, err := flash.Tick(now.Add(time.Second), Counters{Received: 1000})
	require.NoError(t, err)
	assert.Equal(t, []string{StopPublish, Finished}, names(out))
	_, _, err = flash.Tick(now.Add(2*time.Second), Counters{})
	require.NoError(t, err)
	assert.True(t, flash.Done(), "a Flash client's final packet is not awaited")
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		conf    string
		want    Config
		wantErr bool
	}{
		{"", Config{Interval: 30 * time.Second, LimitKbps: 1000, Duration: DefaultDuration}, false},
		{"bandcheck { enabled on; key abc; interval 5; limit_kbps 4000; }",
			Config{Enabled: true, Key: "abc", Interval: 5 * time.Second, LimitKbps: 4000, Duration: DefaultDuration}, false},
		{"bandcheck { limit_kbps 0; }", Config{}, true},
		{"bandcheck { interval x; }", Config{}, true},
	} {
		root, err := config.Parse("t.conf", []byte(tc.conf))
		require.NoError(t, err)
		got, err := ParseConfig(root.Get("bandcheck"))
		if tc.wantErr {
			require.ErrorIs(t, err, config.ErrInvalidValue)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

func TestCheckKeyAndLimiter(t *testing.T) {
	c := Config{Key: "k"}
	require.NoError(t, c.CheckKey("rtmp://h/app?key=k"))
	require.NoError(t, c.CheckKey("rtmp://h/app?vhost=v&key=k"))
	require.ErrorIs(t, c.CheckKey("rtmp://h/app?key=kk"), ErrWrongKey)
	require.ErrorIs(t, c.CheckKey("rtmp://h/app"), ErrWrongKey)

	var l Limiter
	t0 := time.Unix(1700000000, 0)
	assert.True(t, l.Allow("1.2.3.4", t0, time.Minute))
	assert.False(t, l.Allow("1.2.3.4", t0.Add(59*time.Second), time.Minute))
	assert.True(t, l.Allow("5.6.7.8", t0.Add(59*time.Second), time.Minute))
	assert.True(t, l.Allow("1.2.3.4", t0.Add(time.Minute), time.Minute))
}
