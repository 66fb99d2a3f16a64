package server

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/hooks"
	"github.com/cascade-live/cascade/internal/events"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/rtmp/client"
)

// TestEventsOfAStream: a sink on the server's bus sees each client's
// events in order, with SRS's callback fields: the publisher's connect,
// publish, hls segments, unpublish, dvr and close; the player's connect,
// play, stop and close.
func TestEventsOfAStream(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	dir := t.TempDir()
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
vhost __defaultVhost__ {
    dvr { enabled on; dvr_plan session; dvr_path %[1]s/[app]/[stream].flv; }
    hls { enabled on; hls_path %[1]s; hls_fragment 1; }
}
`, dir))
	var mu sync.Mutex
	var got []events.Event
	cancel := ts.Events().Subscribe("test", 0, func(e events.Event) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	})
	defer cancel()

	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	player, err := client.Dial(ctx, ts.rtmpURL("ev"))
	require.NoError(t, err)
	require.NoError(t, player.Play(ctx, ""))
	pub := testpeer.Publish(t, testpeer.Media(t, "h264_aac_720p25.flv"), ts.rtmpURL("ev"), testpeer.PublishOptions{Duration: 3 * time.Second})
	require.NoError(t, pub.Wait())
	player.Close()

	byClient := map[string][]string{}
	var pubID, streamID string
	waitFor(t, 10*time.Second, "every event", func() bool {
		mu.Lock()
		defer mu.Unlock()
		clear(byClient)
		for _, e := range got {
			assert.Equal(t, DefaultVhost, e.Vhost)
			assert.False(t, e.Time.IsZero())
			var id string
			switch p := e.Payload.(type) {
			case hooks.OnConnect:
				id = p.ClientID
			case hooks.OnPublish:
				id, pubID, streamID = p.ClientID, p.ClientID, p.StreamID
				assert.Equal(t, "ev", p.Stream)
			case hooks.OnUnpublish:
				id = p.ClientID
				assert.Equal(t, streamID, p.StreamID, "unpublish names the publish's stream")
			case hooks.OnPlay:
				id = p.ClientID
				assert.Equal(t, "ev", p.Stream)
			case hooks.OnStop:
				id = p.ClientID
			case hooks.OnClose:
				id = p.ClientID
			case hooks.OnDVR:
				id = p.ClientID
				assert.Equal(t, dir+"/live/ev.flv", p.File)
			case hooks.OnHLS:
				id = p.ClientID
				assert.Equal(t, "ev", p.Stream)
			}
			byClient[id] = append(byClient[id], e.Action())
		}
		if len(byClient) != 2 {
			return false
		}
		for id, as := range byClient {
			if !slices.Contains(as, hooks.ActionClose) || (id == pubID && !slices.Contains(as, hooks.ActionDVR)) {
				return false
			}
		}
		return true
	})
	pubEvents := byClient[pubID]
	delete(byClient, pubID)
	require.Len(t, byClient, 1)
	for _, playerEvents := range byClient {
		assert.Equal(t, []string{"on_connect", "on_play", "on_stop", "on_close"}, playerEvents)
	}
	// The publisher: connect and publish, segments while publishing, then
	// the unpublish, the last segment and the recording, and the close.
	require.GreaterOrEqual(t, len(pubEvents), 5, "%v", pubEvents)
	assert.Equal(t, []string{"on_connect", "on_publish"}, pubEvents[:2])
	assert.Contains(t, pubEvents, "on_hls")
	unpublish := slices.Index(pubEvents, "on_unpublish")
	require.Greater(t, unpublish, 1, "%v", pubEvents)
	assert.Less(t, unpublish, slices.Index(pubEvents, "on_close"), "%v", pubEvents)
	assert.Less(t, unpublish, slices.Index(pubEvents, "on_dvr"), "the recording closes after the unpublish: %v", pubEvents)
}
