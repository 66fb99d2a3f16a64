package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cascade-live/cascade/config"
	"github.com/cascade-live/cascade/server"
)

// TestBandcheckCommand runs the subcommand against a server capped at
// 1500 kbps: the JSON result is within 20 % of the cap, a wrong key exits 3.
func TestBandcheckCommand(t *testing.T) {
	root, err := config.Parse("t.conf", []byte(`listen 127.0.0.1:0;
vhost bc { bandcheck { enabled on; key sekrit; interval 0; limit_kbps 1500; } }`))
	require.NoError(t, err)
	cfg, err := config.FromDirective(root, "")
	require.NoError(t, err)
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() { srv.Close() })
	url := func(key string) string { return fmt.Sprintf("rtmp://%s/app?key=%s&vhost=bc", srv.RTMPAddr(), key) }

	var stdout, stderr bytes.Buffer
	assert.Equal(t, 3, run([]string{"bandcheck", url("nope")}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "refused")

	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, run([]string{"bandcheck", "-json", url("sekrit")}, &stdout, &stderr), stderr.String())
	var res map[string]float64
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), stdout.String())
	assert.InEpsilon(t, 1500, res["play_kbps"], 0.2)
	assert.InEpsilon(t, 1500, res["publish_kbps"], 0.2)
	assert.Positive(t, res["rtt_ms"])

	assert.Equal(t, 2, run([]string{"bandcheck"}, &stdout, &stderr))
}
