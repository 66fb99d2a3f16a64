package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRefusesNonLoopback(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-url", "rtmp://192.0.2.1/live/livestream", "-q"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "not a loopback address")
	assert.Empty(t, stdout.String())
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-ramp", "fast"}, {"-nosuchflag"}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(args, &stdout, &stderr), strings.Join(args, " "))
	}
}

func TestJSONReport(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()

	svg := filepath.Join(t.TempDir(), "run.svg")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-url", "http://" + addr + "/live/livestream.flv", "-n", "3", "-ramp", "0",
		"-duration", "600ms", "-warmup", "200ms", "-json", "-q", "-svg", svg}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var rep struct {
		Players struct {
			Attempted int `json:"attempted"`
			Connected int `json:"connected"`
		} `json:"players"`
		Failures map[string]int `json:"failures"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	assert.Equal(t, 3, rep.Players.Attempted)
	assert.Zero(t, rep.Players.Connected)
	assert.Equal(t, map[string]int{"dial: connection refused": 3}, rep.Failures)
	chart, err := os.ReadFile(svg)
	require.NoError(t, err)
	assert.Contains(t, string(chart), "<svg")
	assert.Equal(t, 1, strings.Count(string(chart), `stroke="#dc2626" stroke-width`), "the failed players' line")
}
