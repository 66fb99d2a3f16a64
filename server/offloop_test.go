package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/internal/session"
	"github.com/cascade-live/cascade/internal/testpeer"
	"github.com/cascade-live/cascade/rtmp"
	"github.com/cascade-live/cascade/rtmp/client"
)

// TestOffLoopPublishAndPlay: a publisher that is a goroutine (as an edge
// pull or a caster is) feeds RTMP players of the event loops and a
// goroutine player, byte for byte with timestamps; it is admitted by
// on_publish, listed in the API, and kicked through it.
func TestOffLoopPublishAndPlay(t *testing.T) {
	hook := newHookRecorder(t)
	ts, _ := startServerConf(t, fmt.Sprintf(`
listen 127.0.0.1:0;
http_api { enabled on; listen 127.0.0.1:0; }
vhost __defaultVhost__ { http_hooks { enabled on; on_publish %[1]s; on_unpublish %[1]s; } }
vhost refuse.example.com { http_hooks { enabled on; on_publish %[2]s; } }
`, hook.URL(), "http://127.0.0.1:1/unreachable"))
	tags := readFLVTags(t, testpeer.Media(t, "h264_aac_720p25.flv"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Players first: one on an event loop, one a goroutine.
	rtmpPlayer, err := client.Dial(ctx, ts.rtmpURL("g"))
	require.NoError(t, err)
	t.Cleanup(func() { rtmpPlayer.Close() })
	require.NoError(t, rtmpPlayer.Play(ctx, "g"))
	goPlayer, err := ts.Play(ctx, session.Request{Proto: "test-play", App: "live", Stream: "g"})
	require.NoError(t, err)
	defer goPlayer.Close()

	pub, err := ts.Publish(ctx, session.Request{Proto: "test-pull", RemoteAddr: "127.0.0.1:4000",
		App: "live", Stream: "g", Param: "?token=abc"})
	require.NoError(t, err)
	require.Len(t, hook.Calls("on_publish"), 1)
	assert.Equal(t, "?token=abc", hook.Calls("on_publish")[0]["param"])

	var want []fileTag
	for _, tag := range tags[:300] {
		require.NoError(t, pub.WriteTag(tag.typ, tag.ts, tag.data))
		if tag.typ == 8 || tag.typ == 9 {
			want = append(want, tag)
		}
	}
	expectPayloads(t, rtmpPlayer, want, 10*time.Second)
	for i := 0; i < len(want); {
		tag, err := goPlayer.ReadTag(ctx)
		require.NoError(t, err)
		if tag.Type != 8 && tag.Type != 9 {
			continue
		}
		require.Equal(t, want[i].typ, tag.Type)
		require.Equal(t, want[i].ts, tag.Timestamp, "tag %d", i)
		require.Equal(t, want[i].data, tag.Payload, "tag %d", i)
		i++
	}

	// Listed with its protocol; kicked through the API.
	apiBase := "http://" + ts.MgmtAddr("api").String()
	code, body := apiGet(t, apiBase+"/api/v1/clients", false)
	require.Equal(t, 200, code)
	c := find(body["clients"], "type", "test-pull")
	require.NotNil(t, c, "the goroutine publisher is listed: %v", body["clients"])
	assert.Equal(t, true, c["publish"])
	assert.Equal(t, "127.0.0.1", c["ip"])
	require.NotNil(t, find(body["clients"], "type", "test-play"))
	req, _ := http.NewRequest("DELETE", apiBase+"/api/v1/clients/"+fmt.Sprint(c["id"]), nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	select {
	case <-pub.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a kicked publisher's Done is not closed")
	}
	assert.ErrorIs(t, pub.WriteTag(9, 0, tags[0].data), session.ErrClosed)
	waitFor(t, 5*time.Second, "on_unpublish", func() bool { return len(hook.Calls("on_unpublish")) == 1 })

	// The RTMP player stays and hears the unpublish.
	require.NoError(t, rtmpPlayer.SetReadDeadline(time.Now().Add(5*time.Second)))
	for heard := false; !heard; {
		m, err := rtmpPlayer.ReadMessage()
		require.NoError(t, err)
		if m.Type == rtmp.MsgAMF0Command {
			cmd, err := rtmp.ParseCommand(m.Type, m.Payload())
			require.NoError(t, err)
			if info := rtmp.StatusInfo(cmd); info != nil {
				code, _ := info.GetString("code")
				heard = code == rtmp.CodePlayUnpublishNotify
			}
		}
		m.Body.Release()
	}

	// A second publisher of a live stream is refused; so is one whose
	// on_publish cannot be reached.
	pub2, err := ts.Publish(ctx, session.Request{Proto: "test-pull", App: "live", Stream: "g"})
	require.NoError(t, err, "the kicked publisher's stream is free again")
	_, err = ts.Publish(ctx, session.Request{Proto: "test-pull", App: "live", Stream: "g"})
	assert.Error(t, err)
	require.NoError(t, pub2.Close())
	_, err = ts.Publish(ctx, session.Request{Proto: "test-pull", Vhost: "refuse.example.com", App: "live", Stream: "r"})
	assert.True(t, errors.Is(err, session.ErrRejected), "got %v", err)
}
