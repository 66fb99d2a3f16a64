package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cascade-live/cascade/config"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandlerServesTextFormat(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(newSource(), testOpts, testUname))
	srv := httptest.NewServer(Handler(reg))
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4"), resp.Header.Get("Content-Type"))
	for _, line := range []string{
		"# TYPE srs_send_bytes_total counter",
		"srs_send_bytes_total 3000",
		"srs_clients 3",
		`srs_stream_players{app="live",protocol="rtmp",stream="livestream",vhost="__defaultVhost__"} 2`,
	} {
		assert.Contains(t, string(body), line+"\n")
	}

	other, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	other.Body.Close()
	assert.Equal(t, http.StatusNotFound, other.StatusCode)
}

func TestExporterConfig(t *testing.T) {
	tests := []struct {
		name, conf string
		want       Exporter
	}{
		{"absent", "listen 1935;", Exporter{Listen: ":9972"}},
		{"defaults", "exporter { enabled on; }", Exporter{Enabled: true, Listen: ":9972"}},
		{"all", "exporter { enabled on; listen 9090; label cn-beijing; tag cn-edge; }",
			Exporter{Enabled: true, Listen: ":9090", Label: "cn-beijing", Tag: "cn-edge"}},
		{"host and port", "exporter { enabled off; listen 127.0.0.1:9972; }", Exporter{Listen: "127.0.0.1:9972"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := config.Parse("test.conf", []byte(tt.conf))
			require.NoError(t, err)
			assert.Equal(t, tt.want, ExporterConfig(root))
		})
	}
}
