package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeProvider serves fixed snapshots and records the actions taken.
type fakeProvider struct {
	summary Summary
	vhosts  []Vhost
	streams []Stream
	clients []Client

	mu        sync.Mutex
	kicked    []string
	reloads   int
	reloadErr error
}

func (f *fakeProvider) Summary() Summary  { return f.summary }
func (f *fakeProvider) Vhosts() []Vhost   { return f.vhosts }
func (f *fakeProvider) Streams() []Stream { return f.streams }
func (f *fakeProvider) Clients() []Client { return f.clients }

func (f *fakeProvider) Kick(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.clients {
		if c.ID == id {
			f.kicked = append(f.kicked, id)
			return true
		}
	}
	return false
}

func (f *fakeProvider) Reload() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reloads++
	return f.reloadErr
}

var errReload = errors.New("bad config")

// newFake returns a provider holding one vhost, a publishing stream with
// video and audio, an idle stream with neither, and a publisher and player.
func newFake() *fakeProvider {
	return &fakeProvider{
		summary: Summary{
			OK:    true,
			NowMs: 1700000000123,
			Self: Self{
				Version: "6.0.184", Pid: 4242, Ppid: 1, Argv: "./cascade -c srs.conf", Cwd: "/srv",
				MemKbyte: 20480, MemPercent: 0.01, CPUPercent: 0.25, SrsUptime: 3600, RSSKbyte: 10240,
			},
			System: System{
				CPUPercent: 0.5, DiskReadKBps: 1, DiskWriteKBps: 2, DiskBusyPercent: 0,
				MemRAMKbyte: 2048000, MemRAMPercent: 0.4, MemSwapKbyte: 1024, MemSwapPercent: 0.5,
				CPUs: 2, CPUsOnline: 2, Uptime: 100.5, IdleTime: 150.25,
				Load1m: 0.1, Load5m: 0.2, Load15m: 0.3,
				NetSampleTime: 1700000000000, NetRecvBytes: 11, NetSendBytes: 12, NetRecviBytes: 13, NetSendiBytes: 14,
				SrsSampleTime: 1700000000001, SrsRecvBytes: 21, SrsSendBytes: 22,
				ConnSys: 31, ConnSysEt: 32, ConnSysTw: 33, ConnSysUDP: 34, ConnSrs: 35,
			},
		},
		vhosts: []Vhost{{
			ID: "vid-v0", Name: "__defaultVhost__", Enabled: true, Clients: 2, Streams: 1,
			SendBytes: 3000, RecvBytes: 4000, Kbps: Kbps{Recv30s: 800, Send30s: 1600},
			HLS: VhostHLS{Enabled: true, Fragment: 10},
		}},
		streams: []Stream{
			{
				ID: "vid-s1", Name: "livestream", Vhost: "vid-v0", App: "live",
				TcURL: "rtmp://127.0.0.1/live", URL: "/live/livestream", LiveMs: 1700000000123,
				Clients: 2, Frames: 750, SendBytes: 3000, RecvBytes: 4000, Kbps: Kbps{Recv30s: 800, Send30s: 1600},
				Publish: StreamPublish{Active: true, CID: "c-pub"},
				Video:   &StreamVideo{Codec: "H264", Profile: "High", Level: "3.1", Width: 1280, Height: 720},
				Audio:   &StreamAudio{Codec: "AAC", SampleRate: 44100, Channel: 2, Profile: "LC"},
			},
			{ID: "vid-s2", Name: "idle", Vhost: "vid-v0", App: "live", URL: "/live/idle"},
		},
		clients: []Client{
			{
				ID: "c-pub", Vhost: "vid-v0", Stream: "vid-s1", IP: "127.0.0.1", TcURL: "rtmp://127.0.0.1/live",
				URL: "/live/livestream", Name: "livestream", Type: ClientFMLEPublish, Publish: true, Alive: 12.5,
				RecvBytes: 4000, Kbps: Kbps{Recv30s: 800},
			},
			{
				ID: "c-play", Vhost: "vid-v0", Stream: "vid-s1", IP: "127.0.0.2", PageURL: "http://page", SwfURL: "http://swf",
				TcURL: "http://127.0.0.1:8080/live", URL: "/live/livestream", Name: "livestream", Type: ClientFLVPlay, Alive: 3.25,
				SendBytes: 3000, Kbps: Kbps{Send30s: 1600},
			},
		},
	}
}

var testOptions = Options{
	Crossdomain: true,
	ServerID:    "vid-server",
	ServiceID:   "svc12345",
	Version:     "6.0.184",
}

// serve starts the handler on a loopback port the OS picks.
func serve(t *testing.T, p Provider, opts Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(NewHandler(p, opts))
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request and returns the response and its body.
func do(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// getJSON GETs url, requires HTTP 200 with application/json and returns the
// decoded object.
func getJSON(t *testing.T, method, url string) map[string]any {
	t.Helper()
	resp, body := do(t, method, url, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	return decode(t, body)
}

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	return m
}

// jsonObject decodes a JSON literal, for expected values written the way
// SRS documents them.
func jsonObject(t *testing.T, literal string) map[string]any {
	t.Helper()
	return decode(t, literal)
}

func pidString() string { return strconv.Itoa(os.Getpid()) }
