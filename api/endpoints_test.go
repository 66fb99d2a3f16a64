package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envelopeOf returns the members every successful response starts with.
func envelopeOf() map[string]any {
	return map[string]any{"code": 0.0, "server": "vid-server", "service": "svc12345", "pid": pidString()}
}

// withEnvelope adds the envelope to the payload members of a response.
func withEnvelope(payload map[string]any) map[string]any {
	m := envelopeOf()
	for k, v := range payload {
		m[k] = v
	}
	return m
}

func TestEndpointsMatchSRSShapes(t *testing.T) {
	srv := serve(t, newFake(), testOptions)

	vhost := `{"id":"vid-v0","name":"__defaultVhost__","enabled":true,"clients":2,"streams":1,
		"send_bytes":3000,"recv_bytes":4000,"kbps":{"recv_30s":800,"send_30s":1600},
		"hls":{"enabled":true,"fragment":10}}`
	stream := `{"id":"vid-s1","name":"livestream","vhost":"vid-v0","app":"live",
		"tcUrl":"rtmp://127.0.0.1/live","url":"/live/livestream","live_ms":1700000000123,
		"clients":2,"frames":750,"send_bytes":3000,"recv_bytes":4000,
		"kbps":{"recv_30s":800,"send_30s":1600},
		"publish":{"active":true,"cid":"c-pub"},
		"video":{"codec":"H264","profile":"High","level":"3.1","width":1280,"height":720},
		"audio":{"codec":"AAC","sample_rate":44100,"channel":2,"profile":"LC"}}`
	idle := `{"id":"vid-s2","name":"idle","vhost":"vid-v0","app":"live","tcUrl":"","url":"/live/idle",
		"live_ms":0,"clients":0,"frames":0,"send_bytes":0,"recv_bytes":0,
		"kbps":{"recv_30s":0,"send_30s":0},"publish":{"active":false},"video":null,"audio":null}`
	publisher := `{"id":"c-pub","vhost":"vid-v0","stream":"vid-s1","ip":"127.0.0.1","pageUrl":"","swfUrl":"",
		"tcUrl":"rtmp://127.0.0.1/live","url":"/live/livestream","name":"livestream","type":"fmle-publish",
		"publish":true,"alive":12.5,"send_bytes":0,"recv_bytes":4000,"kbps":{"recv_30s":800,"send_30s":0}}`
	player := `{"id":"c-play","vhost":"vid-v0","stream":"vid-s1","ip":"127.0.0.2","pageUrl":"http://page",
		"swfUrl":"http://swf","tcUrl":"http://127.0.0.1:8080/live","url":"/live/livestream","name":"livestream",
		"type":"flv-play","publish":false,"alive":3.25,"send_bytes":3000,"recv_bytes":0,
		"kbps":{"recv_30s":0,"send_30s":1600}}`
	summary := `{"ok":true,"now_ms":1700000000123,
		"self":{"version":"6.0.184","pid":4242,"ppid":1,"argv":"./cascade -c srs.conf","cwd":"/srv",
			"mem_kbyte":20480,"mem_percent":0.01,"cpu_percent":0.25,"srs_uptime":3600},
		"system":{"cpu_percent":0.5,"disk_read_KBps":1,"disk_write_KBps":2,"disk_busy_percent":0,
			"mem_ram_kbyte":2048000,"mem_ram_percent":0.4,"mem_swap_kbyte":1024,"mem_swap_percent":0.5,
			"cpus":2,"cpus_online":2,"uptime":100.5,"ilde_time":150.25,"load_1m":0.1,"load_5m":0.2,"load_15m":0.3,
			"net_sample_time":1700000000000,"net_recv_bytes":11,"net_send_bytes":12,"net_recvi_bytes":13,"net_sendi_bytes":14,
			"srs_sample_time":1700000000001,"srs_recv_bytes":21,"srs_send_bytes":22,
			"conn_sys":31,"conn_sys_et":32,"conn_sys_tw":33,"conn_sys_udp":34,"conn_srs":35}}`

	tests := []struct {
		path string
		want string // the members after the envelope, as a JSON object
	}{
		{"/api/v1/versions", `{"data":{"major":6,"minor":0,"revision":184,"version":"6.0.184"}}`},
		{"/api/v1/summaries", `{"data":` + summary + `}`},
		{"/api/v1/vhosts", `{"vhosts":[` + vhost + `]}`},
		{"/api/v1/vhosts/", `{"vhosts":[` + vhost + `]}`},
		{"/api/v1/vhosts/vid-v0", `{"vhost":` + vhost + `}`},
		{"/api/v1/streams", `{"total":2,"streams":[` + stream + `,` + idle + `]}`},
		{"/api/v1/streams/", `{"total":2,"streams":[` + stream + `,` + idle + `]}`},
		{"/api/v1/streams/vid-s1", `{"stream":` + stream + `}`},
		{"/api/v1/streams/vid-s2", `{"stream":` + idle + `}`},
		{"/api/v1/clients", `{"total":2,"clients":[` + publisher + `,` + player + `]}`},
		{"/api/v1/clients/c-play", `{"client":` + player + `}`},
		{"/", `{"urls":{"api":"the api root"}}`},
		{"/api/", `{"urls":{"v1":"the api version 1.0"}}`},
		{"/api/unknown", `{"urls":{"v1":"the api version 1.0"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := getJSON(t, http.MethodGet, srv.URL+tt.path)
			assert.Equal(t, withEnvelope(jsonObject(t, tt.want)), got)
		})
	}
}

func TestV1IndexListsServedEndpoints(t *testing.T) {
	srv := serve(t, newFake(), testOptions)
	for _, path := range []string{"/api/v1", "/api/v1/", "/api/v1/nothing-here"} {
		got := getJSON(t, http.MethodGet, srv.URL+path)
		urls, ok := got["urls"].(map[string]any)
		require.True(t, ok, "%s: urls is %T", path, got["urls"])
		for _, name := range []string{"versions", "summaries", "vhosts", "streams", "clients", "raw"} {
			assert.IsType(t, "", urls[name], "%s: urls.%s", path, name)
		}
		assert.Equal(t, 0.0, got["code"])
	}
}

func TestUnknownIDsAnswerSRSCodes(t *testing.T) {
	srv := serve(t, newFake(), testOptions)
	tests := []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/api/v1/vhosts/vid-nope", 2014},
		{http.MethodGet, "/api/v1/streams/vid-nope", 2048},
		{http.MethodGet, "/api/v1/clients/nope", 2049},
		{http.MethodDelete, "/api/v1/clients/nope", 2049},
		{http.MethodDelete, "/api/v1/clients", 2049},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			got := getJSON(t, tt.method, srv.URL+tt.path)
			// SRS's error responses carry the code alone.
			assert.Equal(t, map[string]any{"code": float64(tt.code)}, got)
		})
	}
}

func TestWrongMethodIs405(t *testing.T) {
	srv := serve(t, newFake(), testOptions)
	for _, path := range []string{"/api/v1/streams", "/api/v1/vhosts/vid-v0", "/api/v1/summaries"} {
		resp, _ := do(t, http.MethodPost, srv.URL+path, nil)
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, path)
	}
}

func TestPaging(t *testing.T) {
	p := newFake()
	p.streams, p.clients = nil, nil
	for i := range 25 {
		p.streams = append(p.streams, Stream{ID: fmt.Sprintf("s%02d", i)})
		p.clients = append(p.clients, Client{ID: fmt.Sprintf("c%02d", i)})
	}
	srv := serve(t, p, testOptions)

	tests := []struct {
		query       string
		first, size int // first index returned and how many
	}{
		{"", 0, 10},
		{"?start=5", 5, 10},
		{"?count=20", 0, 20},
		{"?count=3", 0, 10}, // SRS never returns fewer than 10
		{"?start=20", 20, 5},
		{"?start=20&count=100", 20, 5},
		{"?start=25", 0, 0},
		{"?start=-3", 0, 10},
		{"?start=x&count=y", 0, 10},
		{"?start=1&count=9223372036854775807", 1, 24},
	}
	for _, tt := range tests {
		for _, list := range []string{"streams", "clients"} {
			t.Run(list+tt.query, func(t *testing.T) {
				got := getJSON(t, http.MethodGet, srv.URL+"/api/v1/"+list+tt.query)
				assert.Equal(t, 25.0, got["total"])
				items, ok := got[list].([]any)
				require.True(t, ok, "%s is %T", list, got[list])
				require.Len(t, items, tt.size)
				for i, it := range items {
					want := fmt.Sprintf("%c%02d", list[0], tt.first+i)
					assert.Equal(t, want, it.(map[string]any)["id"])
				}
			})
		}
	}
}

func TestEmptyListsAreArrays(t *testing.T) {
	srv := serve(t, &fakeProvider{}, testOptions)
	for _, list := range []string{"vhosts", "streams", "clients"} {
		got := getJSON(t, http.MethodGet, srv.URL+"/api/v1/"+list)
		assert.Equal(t, []any{}, got[list], list)
	}
}

func TestKick(t *testing.T) {
	tests := []struct {
		name, method, path string
		code               float64
		kicked             []string
	}{
		{"delete", http.MethodDelete, "/api/v1/clients/c-play", 0, []string{"c-play"}},
		{"jsonp method", http.MethodGet, "/api/v1/clients/c-pub?callback=cb&method=DELETE", 0, []string{"c-pub"}},
		{"unknown", http.MethodDelete, "/api/v1/clients/nope", 2049, nil},
		{"get does not kick", http.MethodGet, "/api/v1/clients/c-play", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newFake()
			srv := serve(t, p, testOptions)
			resp, body := do(t, tt.method, srv.URL+tt.path, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			body = unwrapJSONP(t, body)
			got := decode(t, body)
			assert.Equal(t, tt.code, got["code"])
			if tt.code == 0 && tt.kicked != nil {
				assert.Equal(t, envelopeOf(), got)
			}
			assert.Equal(t, tt.kicked, p.kicked)
		})
	}
}

func TestRawReload(t *testing.T) {
	tests := []struct {
		name              string
		rawAPI, allow     bool
		query             string
		reloadErr         error
		code, wantReloads int
	}{
		{"raw api off", false, true, "?rpc=reload", nil, 1061, 0},
		{"reload not allowed", true, false, "?rpc=reload", nil, 1061, 0},
		{"reload", true, true, "?rpc=reload", nil, 0, 1},
		{"reload fails", true, true, "?rpc=reload", errReload, 1023, 1},
		{"unknown rpc", true, true, "?rpc=raw", nil, 1060, 0},
		{"no rpc", true, true, "", nil, 1060, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newFake()
			p.reloadErr = tt.reloadErr
			opts := testOptions
			opts.RawAPI, opts.AllowReload = tt.rawAPI, tt.allow
			srv := serve(t, p, opts)
			got := getJSON(t, http.MethodGet, srv.URL+"/api/v1/raw"+tt.query)
			assert.Equal(t, map[string]any{"code": float64(tt.code)}, got)
			assert.Equal(t, tt.wantReloads, p.reloads)
		})
	}
}

func TestVersionParsing(t *testing.T) {
	tests := []struct {
		in   string
		want versionNumbers
	}{
		{"6.0.184", versionNumbers{6, 0, 184, "6.0.184"}},
		{"1.2", versionNumbers{1, 2, 0, "1.2"}},
		{"", versionNumbers{}},
		{"x.y.z", versionNumbers{Version: "x.y.z"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, parseVersion(tt.in), tt.in)
	}
}

func TestServiceIDDefaultsToRandom(t *testing.T) {
	opts := testOptions
	opts.ServiceID = ""
	srv := serve(t, newFake(), opts)
	got := getJSON(t, http.MethodGet, srv.URL+"/api/v1/versions")
	assert.Regexp(t, `^[a-z0-9]{8}$`, got["service"])
	assert.NotEqual(t, NewServiceID(), NewServiceID())
}

// TestLists: Options.Lists adds read-only lists with SRS's envelope,
// behind the same auth.
func TestLists(t *testing.T) {
	opts := testOptions
	opts.Lists = map[string]func() any{"processes": func() any { return []map[string]int{{"pid": 42}} }}
	srv := serve(t, newFake(), opts)
	for _, path := range []string{"/api/v1/processes", "/api/v1/processes/"} {
		got := getJSON(t, http.MethodGet, srv.URL+path)
		assert.Equal(t, 0.0, got["code"])
		assert.Equal(t, "vid-server", got["server"])
		assert.Equal(t, []any{map[string]any{"pid": 42.0}}, got["processes"])
	}
	opts.Auth = &BasicAuth{Username: "u", Password: "p"}
	srv = serve(t, newFake(), opts)
	resp, _ := do(t, http.MethodGet, srv.URL+"/api/v1/processes", nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
